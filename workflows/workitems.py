"""Claim, release and reassign work items.

These change only the `workitem.claimed_by` projection column (never the engine state), each in one
write transaction with an audit event naming the user. Who may act follows `writepath.authorize`:
role, jurisdiction and assignment; reassigning is for supervisors (审核人, 负责人, 管理员).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import Session, select

from workflows import audit
from workflows.clock import load_clock
from workflows.db import write_session
from workflows.models import ConflictDeclaration, User, WorkItem
from workflows.states import ROLES
from workflows.writepath import (
    ConflictError,
    PermissionDenied,
    StepError,
    StepResult,
    authorize,
    reassign_in_session,
    run_action,
)

SUPERVISOR_ROLES = ("reviewer", "head", "admin")


def _user(session: Session, username: str) -> User:
    user = session.exec(select(User).where(User.username == username)).first()
    if user is None or not user.active:
        raise PermissionDenied(f"用户 {username} 不存在或已停用")
    return user


def _item(session: Session, task_id: str) -> WorkItem:
    item = session.exec(select(WorkItem).where(WorkItem.task_id == task_id)).first()
    if item is None:
        raise ConflictError("该待办已被办理或不存在，请刷新")
    return item


def _record(session: Session, item: WorkItem, actor: str, kind: str, **detail: str | None) -> None:
    audit.append(session, at=load_clock(session).now(), actor=actor, kind=kind, institution_id=item.institution_id,
                 instance_id=item.instance_id, detail={"task": item.task_name, "title": item.title, **detail})


def is_supervisor(user: User, jurisdiction: str) -> bool:
    """Whether the user supervises work in `jurisdiction` (a reviewer/head above or at it, or an admin)."""
    return user.role in SUPERVISOR_ROLES and jurisdiction.startswith(user.jurisdiction)


def claim(task_id: str, actor: str) -> WorkItem:
    """Take a work item so colleagues see it is being handled."""
    with write_session() as session:
        item = _item(session, task_id)
        if item.claimed_by == actor:
            return item
        if item.claimed_by:
            raise ConflictError(f"「{item.title}」已由 {item.claimed_by} 认领")
        authorize(session, actor, item)
        item.claimed_by = actor
        session.add(item)
        _record(session, item, actor, "workitem.claimed")
        return item


def release(task_id: str, actor: str) -> WorkItem:
    """Give a claimed item back to the shared queue (its claimer or a supervisor)."""
    with write_session() as session:
        item = _item(session, task_id)
        user = _user(session, actor)
        if item.claimed_by is None:
            return item
        if item.claimed_by != actor and not is_supervisor(user, item.jurisdiction):
            raise PermissionDenied(f"「{item.title}」由 {item.claimed_by} 认领，只有本人或上级可以退回")
        before = item.claimed_by
        item.claimed_by = None
        session.add(item)
        _record(session, item, actor, "workitem.released", before=before)
        return item


def reassign(task_ids: Iterable[str], to_user: str, actor: str) -> list[WorkItem]:
    """Hand one or many items to `to_user` (a supervisor's bulk action; all or nothing)."""
    with write_session() as session:
        user = _user(session, actor)
        target = _user(session, to_user)
        done = []
        for task_id in task_ids:
            item = _item(session, task_id)
            if not is_supervisor(user, item.jurisdiction):
                raise PermissionDenied(f"{actor} 不是「{item.title}」（辖区 {item.jurisdiction}）的上级，不能转派")
            if item.assignee:
                raise StepError(f"「{item.title}」由流程指定给 {item.assignee}，不能转派")
            try:
                authorize(session, target.username, item, check_claim=False)
            except PermissionDenied as exc:
                raise PermissionDenied(f"不能转派给 {to_user}（{ROLES.get(target.role, target.role)}）：{exc}") from exc
            before = item.claimed_by
            item.claimed_by = target.username
            session.add(item)
            _record(session, item, actor, "workitem.reassigned", before=before, after=target.username)
            done.append(item)
        if not done:
            raise StepError("请至少选择一项待办")
        return done


def declare_conflict(task_id: str, actor: str, reason: str) -> StepResult:
    """An expert declares a conflict of interest with a case they were drawn for; another expert replaces them."""
    from tasks.panel import replacement

    if not reason.strip():
        raise StepError("请填写回避理由")

    def body(session: Session) -> StepResult:
        item = _item(session, task_id)
        if item.assignee != actor:
            raise PermissionDenied(f"「{item.title}」未指派给 {actor}，不能声明回避")
        session.add(ConflictDeclaration(expert_username=actor, institution_id=item.institution_id,
                                        reason=reason.strip(), declared_at=load_clock(session).now()))
        session.flush()
        return reassign_in_session(session, item, actor, replacement, f"回避：{reason.strip()}")

    return run_action(actor, {"action": "declare_conflict", "task_id": task_id}, body)
