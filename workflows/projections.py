"""Rewrite the read models of one instance after an engine step: work items, timers, institution state.

What a user task means for the board comes from the diagram itself: its lane is the role, and these
`spiff:property` entries are read:
- `formJsonSchemaFilename`: the JSON Schema of its form;
- `institutionState`: the state the institution is in while this task waits (see workflows.states);
- `assignee`: an expression naming the one user who must do it (e.g. `expert` in the expert draw).
Timer and receive events may carry `institutionState` too.
"""

from __future__ import annotations

from datetime import date

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState
from sqlmodel import delete, select

from workflows.clock import parse_instant
from workflows.context import StepContext
from workflows.engine import ready_user_tasks, waiting_timers
from workflows.models import Timer, WorkItem
from workflows.states import LANE_ROLES, STATES


def properties(task: Task) -> dict[str, str]:
    """The `spiff:properties` of a task's spec."""
    return dict(getattr(task.task_spec, "extensions", {}).get("properties", {}))


def role_of(task: Task) -> str:
    lane = task.task_spec.lane or ""
    return LANE_ROLES.get(lane, lane)


def filing_jurisdiction(ctx: StepContext) -> str:
    """The code of the bureau that files the institution (its county, city or province)."""
    inst = ctx.institution
    return {"county": inst.county, "city": inst.city, "province": inst.province}.get(inst.filing_level, inst.city)


def case_due(task: Task) -> date | None:
    """The case's processing deadline, kept in task data by the diagram's handlers."""
    value = task.data.get("case", {}).get("due_on") if isinstance(task.data.get("case"), dict) else None
    return date.fromisoformat(value) if value else None


def project(ctx: StepContext, workflow: BpmnWorkflow) -> None:
    """Rewrite work items, timers and the institution's state from the workflow's current tasks."""
    instance = ctx.instance
    _project_work_items(ctx, workflow)
    _project_timers(ctx, workflow)
    active = [t for t in workflow.get_tasks(state=TaskState.READY | TaskState.WAITING)]
    states = [properties(t).get("institutionState") for t in active]
    state = next((s for s in reversed(states) if s), None)
    if state is not None:
        if state not in STATES:
            raise ValueError(f"流程图中的 institutionState {state!r} 不是已知状态")
        if state != ctx.institution.state:
            ctx.event("state.changed", before=ctx.institution.state, after=state)
            ctx.institution.state = state
    if workflow.is_completed() and instance.status == "running":
        instance.status = "completed"
        instance.ended_at = ctx.now
        ctx.event("process.completed", process=instance.process_key)


def _project_work_items(ctx: StepContext, workflow: BpmnWorkflow) -> None:
    session, instance = ctx.session, ctx.instance
    existing = {w.task_id: w for w in session.exec(select(WorkItem).where(WorkItem.instance_id == instance.id))}
    jurisdiction = filing_jurisdiction(ctx)
    keep = set()
    for task in ready_user_tasks(workflow):
        task_id = str(task.id)
        keep.add(task_id)
        props = properties(task)
        assignee = props.get("assignee")
        item = existing.get(task_id) or WorkItem(
            instance_id=instance.id, institution_id=ctx.institution.id, task_id=task_id, created_at=ctx.now,
            task_name=task.task_spec.bpmn_id, title="", process_key=instance.process_key, role="", jurisdiction="",
        )
        item.title = task.task_spec.bpmn_name or task.task_spec.bpmn_id
        item.role = role_of(task)
        item.jurisdiction = jurisdiction
        item.assignee = str(workflow.script_engine.evaluate(task, assignee)) if assignee else None
        item.form = props.get("formJsonSchemaFilename")
        item.due_date = case_due(task)
        session.add(item)
    for task_id, item in existing.items():
        if task_id not in keep:
            session.delete(item)


def _project_timers(ctx: StepContext, workflow: BpmnWorkflow) -> None:
    session, instance = ctx.session, ctx.instance
    waiting = {str(task.id): (task, value) for task, value in waiting_timers(workflow)}
    open_rows = session.exec(select(Timer).where(Timer.instance_id == instance.id, Timer.fired_at.is_(None))).all()
    current = {row.task_id for row in open_rows}
    for row in open_rows:
        if row.task_id not in waiting:
            session.delete(row)
    for task_id, (task, value) in waiting.items():
        if task_id not in current:
            session.add(Timer(instance_id=instance.id, task_id=task_id, task_name=task.task_spec.bpmn_id,
                              due_at=parse_instant(value)))


def clear(ctx: StepContext) -> None:
    """Remove an ended instance's open work items and timers."""
    ctx.session.exec(delete(WorkItem).where(WorkItem.instance_id == ctx.instance.id))
    ctx.session.exec(delete(Timer).where(Timer.instance_id == ctx.instance.id, Timer.fired_at.is_(None)))
