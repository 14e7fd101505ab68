"""What the lifecycle handlers share: state changes, and ending or pausing the institution's other processes.

A process started by another one inside the same step carries `origin_instance` in its data; that
instance is still being stepped and is never ended or paused from inside (it finishes on its own).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState
from sqlmodel import col, select

from workflows.clock import CHINA
from workflows.context import StepContext
from workflows.models import Instance
from workflows.projections import filing_jurisdiction


def change_state(ctx: StepContext, state: str, **detail: Any) -> None:
    """Set the institution's state and record the change."""
    if ctx.institution.state != state:
        ctx.event("state.changed", before=ctx.institution.state, after=state, **detail)
        ctx.institution.state = state


def origin(task: Task) -> set[int]:
    """The instance that started this one within the same step (kept out of end/pause)."""
    value = task.data.get("origin_instance")
    return {int(value)} if value else set()


def running_others(ctx: StepContext, keep: Iterable[int] = (), process: str | None = None) -> list[Instance]:
    """The institution's other running instances, oldest first."""
    query = select(Instance).where(Instance.institution_id == ctx.institution.id, Instance.status == "running",
                                   col(Instance.id).not_in({ctx.instance.id, *keep}))
    if process:
        query = query.where(Instance.process_key == process)
    return list(ctx.session.exec(query.order_by(col(Instance.id))))


def end_others(ctx: StepContext, reason: str, keep: Iterable[int] = (), process: str | None = None) -> list[dict]:
    """End the institution's other open processes cleanly (work items and timers removed, audited)."""
    from workflows.writepath import end_in_session

    ended = []
    for instance in running_others(ctx, keep, process):
        end_in_session(ctx.session, instance.id, reason, ctx.actor)
        ended.append({"instance_id": instance.id, "process": instance.process_key})
    return ended


def pause_others(ctx: StepContext, reason: str, keep: Iterable[int] = ()) -> list[dict]:
    """Pause the deadlines of the institution's other open processes (暂停), one audit event each."""
    paused = []
    for instance in running_others(ctx, keep):
        if instance.paused_since is None:
            instance.paused_since = ctx.now
            ctx.session.add(instance)
            ctx.event("deadline.paused", reason=reason, since=ctx.today, instance_id=instance.id,
                      process=instance.process_key)
            paused.append({"instance_id": instance.id, "process": instance.process_key})
    ctx.session.flush()
    return paused


def resume_others(ctx: StepContext, reason: str) -> list[dict]:
    """Restart paused deadlines: each case's 办理时限 moves by the working days the pause used."""
    from workflows.writepath import update_in_session

    resumed = []
    for instance in running_others(ctx):
        if instance.paused_since is None:
            continue
        since = instance.paused_since.astimezone(CHINA).date()
        used = ctx.calendar.workdays_between(since, ctx.today)

        def shift(step: StepContext, workflow: BpmnWorkflow, used: int = used) -> None:
            _shift_case_due(step, workflow, used)
            step.instance.paused_since = None

        update_in_session(ctx.session, instance.id, shift, ctx.actor)
        ctx.event("deadline.resumed", reason=reason, instance_id=instance.id, process=instance.process_key,
                  paused_from=since, resumed_on=ctx.today, paused_workdays=used)
        resumed.append({"instance_id": instance.id, "process": instance.process_key, "paused_workdays": used})
    return resumed


def _shift_case_due(ctx: StepContext, workflow: BpmnWorkflow, workdays: int) -> None:
    """Move `case.due_on` of every open task by `workdays` working days."""
    if workdays <= 0:
        return
    for task in workflow.get_tasks(state=TaskState.READY | TaskState.WAITING):
        case = task.data.get("case")
        if isinstance(case, dict) and case.get("due_on"):
            case["due_on"] = ctx.calendar.add_workdays(date.fromisoformat(case["due_on"]), workdays).isoformat()


def notify_institution(ctx: StepContext, subject: str, body: str) -> None:
    """Tell the institution (e-mail when it gave one) and the filing bureau's clerks (inbox)."""
    if ctx.institution.email:
        ctx.notify("email", ctx.institution.email, subject, f"{ctx.institution.name}：{body}")
    ctx.notify("inbox", staff_inbox("clerk", filing_jurisdiction(ctx)), subject, f"{ctx.institution.name}：{body}")


def staff_inbox(role: str, jurisdiction: str) -> str:
    """The inbox address of a role within a jurisdiction (every such user sees it)."""
    return f"role:{role}@{jurisdiction}"
