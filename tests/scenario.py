"""Drive cases through the real write path the way staff and experts would (used by several tests)."""

from __future__ import annotations

import copy
from typing import Any

from conftest import application
from sqlmodel import col, select

from workflows.cases import submit_application
from workflows.db import read_session
from workflows.models import Institution, WorkItem
from workflows.views import institution_view
from workflows.writepath import StepResult, complete_task

GOOD_SHEET = {"scores": {"s1.1": 15, "s1.2": 14, "s2.1": {"missing": []}, "s2.2": {"missing": []}, "s3.1": 28,
                         "s3.2": 9, "s4.1": 10}}


def apply(name: str, **changes: Any) -> int:
    """Submit a fixture application (optionally changed) and return the institution id."""
    data = copy.deepcopy(application(name))
    for key, value in changes.items():
        data["institution"][key] = value
    return submit_application(data, "system").institution_id


def items(institution_id: int) -> list[WorkItem]:
    with read_session() as session:
        return list(session.exec(select(WorkItem).where(WorkItem.institution_id == institution_id)
                                 .order_by(col(WorkItem.id))))


def institution(institution_id: int) -> Institution:
    with read_session() as session:
        return session.get(Institution, institution_id)


def view(institution_id: int) -> dict[str, Any]:
    with read_session() as session:
        return institution_view(session, institution_id)


def do(institution_id: int, task_name: str, data: dict[str, Any]) -> StepResult:
    """Complete the open task `task_name` as its assignee, or as the filing bureau's user of its role
    (`<role><jurisdiction>`, as `conftest.make_staff` names them: clerk3301, reviewer370102, clerk32 …)."""
    item = next(w for w in items(institution_id) if w.task_name == task_name)
    return complete_task(item.task_id, data, item.assignee or f"{item.role}{item.jurisdiction}")


def score_all(institution_id: int, sheet: dict[str, Any] = GOOD_SHEET) -> None:
    for item in [w for w in items(institution_id) if w.task_name == "expert_scoring"]:
        complete_task(item.task_id, sheet, item.assignee)


def kinds(institution_id: int) -> list[str]:
    """Kinds of the documents issued to an institution, in issue order."""
    from letters import list_documents

    with read_session() as session:
        return [d.kind for d in list_documents(session, institution_id)]


def event_kinds(institution_id: int) -> list[str]:
    return [e["kind"] for e in view(institution_id)["events"]]
