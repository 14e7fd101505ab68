"""Who sees what, as SQL: every page filters its queries with these, and checks single records with them.

Staff see institutions whose county code starts with their jurisdiction (a province sees its cities,
a city its counties, a county only itself). Experts see only the cases they were drawn for. Policy
owners and administrators see their jurisdiction like staff do.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_
from sqlmodel import Session, col, select

from dashboard.auth import Identity
from workflows.models import Institution, ScoreSheet, WorkItem

STAFF_ROLES = ("clerk", "reviewer", "head")


class OutOfScope(Exception):
    """The record is outside the user's jurisdiction (or not a case the expert was drawn for)."""


def institution_filter(user: Identity) -> Any:
    """A WHERE clause limiting `Institution` rows to what `user` may see."""
    if user.role == "expert":
        drawn = select(WorkItem.institution_id).where(WorkItem.assignee == user.username)
        scored = select(ScoreSheet.institution_id).where(ScoreSheet.expert == user.username)
        return or_(col(Institution.id).in_(drawn), col(Institution.id).in_(scored))
    return col(Institution.county).startswith(user.jurisdiction)


def inbox_filter(user: Identity) -> Any:
    """A WHERE clause for the work items `user` may act on: assigned to them, or their role in their area."""
    mine = WorkItem.assignee == user.username
    if user.role == "expert":
        return mine
    shared = col(WorkItem.assignee).is_(None) & col(WorkItem.jurisdiction).startswith(user.jurisdiction)
    if user.role != "admin":
        shared = shared & (WorkItem.role == user.role)
    return or_(mine, shared)


def check_institution(session: Session, user: Identity, institution_id: int) -> Institution:
    """The institution, if `user` may see it; otherwise `OutOfScope` (checked on the server, per request)."""
    inst = session.exec(select(Institution).where(Institution.id == institution_id,
                                                  institution_filter(user))).first()
    if inst is None:
        raise OutOfScope("该机构不存在，或不在您的辖区/评审范围内")
    return inst


def check_work_item(session: Session, user: Identity, task_id: str) -> WorkItem:
    """The work item, if `user` may act on it; otherwise `OutOfScope`."""
    item = session.exec(select(WorkItem).where(WorkItem.task_id == task_id, inbox_filter(user))).first()
    if item is None:
        raise OutOfScope("该待办已被办理，或不属于您")
    return item
