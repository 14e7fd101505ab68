"""The one write path. Every change to a case passes through `_step`, in one transaction:

lock the institution and instance rows (row locks on PostgreSQL; `BEGIN IMMEDIATE` on SQLite), load
the instance, act (start / complete a task / fire a timer / deliver a message / end), run engine
steps, re-project work items, timers and the institution's state, append audit events, queue outbox
rows, and save with an optimistic row-version check. Any exception rolls all of it back; the failure
is then recorded in its own transaction and re-raised.
"""

from __future__ import annotations

import json
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import jsonschema
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.util import BpmnEvent
from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import update
from sqlmodel import Session, col, select

import tasks
from workflows import projections, specs
from workflows.clock import load_clock
from workflows.context import StepContext
from workflows.db import is_postgres, write_session
from workflows.engine import (
    LIBRARY_VERSION,
    SERIALIZER_VERSION,
    BeianScriptEngine,
    dump_state,
    fire_timer,
    load_state,
    new_workflow,
)
from workflows.models import Failure, Instance, Institution, ProcessVersion, Timer, User, WorkItem

SYSTEM = "system"
CLOCK = "clock"


class StepError(Exception):
    """A refused or failed action; `str()` is a message a clerk understands."""


class ConflictError(StepError):
    """Somebody else changed the case first (task already done, version moved on)."""


class InputError(StepError):
    """The submitted data is invalid; `errors` maps field paths to messages."""

    def __init__(self, message: str, errors: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.errors = errors or {}


class PermissionDenied(StepError):
    """The actor may not do this (role, jurisdiction or assignment)."""


@dataclass
class StepResult:
    """What a step did."""

    institution_id: int
    instance_id: int
    state: str
    status: str
    completed: list[str] = field(default_factory=list)
    result: Any = None


# --- the step ----------------------------------------------------------------------------------

def _lock(session: Session, model: type, key: int, skip_locked: bool = False) -> Any:
    """Load a row, locking it on PostgreSQL; with `skip_locked`, None when another writer holds it."""
    query = select(model).where(model.id == key)
    if is_postgres(session.get_bind()):
        query = query.with_for_update(skip_locked=skip_locked)
    row = session.exec(query).first()
    if row is None and not skip_locked:
        raise StepError(f"{model.__tablename__} {key} 不存在")
    return row


class Busy(StepError):
    """Another writer holds the institution; the sweep leaves this timer for its next round."""


def _context(session: Session, instance: Instance, actor: str,
             skip_locked: bool = False) -> tuple[StepContext, BpmnWorkflow | None]:
    institution = _lock(session, Institution, instance.institution_id, skip_locked)
    if institution is None:
        raise Busy(f"机构 {instance.institution_id} 正在被其他操作处理")
    session.refresh(instance, with_for_update=is_postgres(session.get_bind()) or None)
    ctx = StepContext(session=session, clock=load_clock(session), actor=actor, institution=institution,
                      instance=instance)
    if instance.status != "running":
        return ctx, None
    version = session.get(ProcessVersion, instance.process_version_id)
    engine = BeianScriptEngine(now=lambda: ctx.now, dispatch=lambda t, n, p: tasks.dispatch(ctx, t, n, p))
    return ctx, load_state(specs.spec_json(session, version.spec_hash), instance.state_json, engine)


def _finish(ctx: StepContext, workflow: BpmnWorkflow, expected_version: int) -> None:
    """Run the engine, project, save under the version check, and write the audit events."""
    def completed(task: Any) -> None:
        if task.task_spec.bpmn_name:
            ctx.event("task.completed", task=task.task_spec.bpmn_id, title=task.task_spec.bpmn_name)

    workflow.refresh_timers()
    workflow.do_engine_steps(did_complete_task=completed)
    projections.project(ctx, workflow)
    _save(ctx, dump_state(workflow), expected_version)


def _save(ctx: StepContext, state_json: str, expected_version: int) -> None:
    instance, session = ctx.instance, ctx.session
    result = session.execute(
        update(Instance)
        .where(col(Instance.id) == instance.id, col(Instance.row_version) == expected_version)
        .values(state_json=state_json, row_version=expected_version + 1, updated_at=ctx.now,
                status=instance.status, ended_at=instance.ended_at, paused_since=instance.paused_since)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise ConflictError("案件已被他人更新，请刷新后重试")
    instance.row_version = expected_version + 1
    instance.state_json = state_json
    ctx.institution.updated_at = ctx.now
    ctx.institution.row_version += 1
    ctx.session.add(ctx.institution)
    ctx.flush_events()


def run_action(actor: str, action: dict[str, Any], body: Callable[[Session], StepResult]) -> StepResult:
    """One transaction around `body`; on failure roll back, record the failure, re-raise.

    Refusals (`StepError`) keep their message; anything else becomes a `StepFailed` that names the
    recorded failure, so no caller ever has to show a stack trace.
    """
    try:
        with write_session() as session:
            return body(session)
    except Busy:
        raise
    except Exception as exc:
        failure_id = _record_failure(actor, action, exc)
        if isinstance(exc, StepError):
            raise
        raise StepFailed(f"处理失败：{_summary(exc)}（已记录为故障 #{failure_id}，案件未作任何改动）") from exc


class StepFailed(StepError):
    """An unexpected error inside a step; everything was rolled back and the failure recorded."""


def _summary(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:300]


def _record_failure(actor: str, action: dict[str, Any], exc: Exception) -> int:
    detail = str(exc) if isinstance(exc, StepError) else "".join(traceback.format_exception(exc))
    with write_session() as session:
        clock = load_clock(session)
        failure = Failure(at=clock.now(), actor=actor, instance_id=action.get("instance_id"),
                          action=json.loads(json.dumps(action, ensure_ascii=False, default=str)),
                          error=detail[:20000])
        session.add(failure)
        session.flush()
        return failure.id


def _result(ctx: StepContext, completed: list[str] | None = None, result: Any = None) -> StepResult:
    return StepResult(ctx.institution.id, ctx.instance.id, ctx.institution.state, ctx.instance.status,
                      completed or [], result)


# --- actions -----------------------------------------------------------------------------------

def start_process(institution_id: int, process_key: str, data: dict[str, Any], actor: str = SYSTEM,
                  business_key: str | None = None) -> StepResult:
    """Start the newest effective version of a process for an institution."""
    action = {"action": "start", "institution_id": institution_id, "process": process_key}

    def body(session: Session) -> StepResult:
        return start_in_session(session, institution_id, process_key, data, actor, business_key)

    return run_action(actor, action, body)


def start_in_session(session: Session, institution_id: int, process_key: str, data: dict[str, Any],
                     actor: str, business_key: str | None = None) -> StepResult:
    """Start a process inside an already open write transaction (used by handlers that spawn processes)."""
    institution = _lock(session, Institution, institution_id)
    clock = load_clock(session)
    version = specs.latest_version(session, institution.pack_id, process_key, on=clock.today())
    if version is None:
        raise StepError(f"政策包 {institution.pack_id} 没有已发布的流程 {process_key}")
    instance = Instance(institution_id=institution_id, process_version_id=version.id, process_key=process_key,
                        business_key=business_key or f"{process_key}:{institution_id}", state_json="{}",
                        serializer_version=SERIALIZER_VERSION, library_version=LIBRARY_VERSION,
                        started_at=clock.now(), updated_at=clock.now())
    session.add(instance)
    session.flush()
    ctx = StepContext(session=session, clock=clock, actor=actor, institution=institution, instance=instance)
    engine = BeianScriptEngine(now=lambda: ctx.now, dispatch=lambda t, n, p: tasks.dispatch(ctx, t, n, p))
    workflow = new_workflow(specs.spec_json(session, version.spec_hash), engine)
    workflow.data.update(data)
    workflow.get_tasks(state=TaskState.READY)[0].data.update(data)
    ctx.event("process.started", process=process_key, version=version.version, pack=institution.pack_id)
    _finish(ctx, workflow, instance.row_version)
    return _result(ctx)


def complete_task(task_id: str, data: dict[str, Any], actor: str, expected_version: int | None = None) -> StepResult:
    """Complete a READY user task with form data, validated against the task's JSON Schema."""
    action = {"action": "complete", "task_id": task_id, "data": data}

    def body(session: Session) -> StepResult:
        item = session.exec(select(WorkItem).where(WorkItem.task_id == task_id)).first()
        if item is None:
            raise ConflictError(f"任务 {task_id} 已被办理或不存在")
        authorize(session, actor, item)
        instance = session.get(Instance, item.instance_id)
        ctx, workflow = _context(session, instance, actor)
        if expected_version is not None and instance.row_version != expected_version:
            raise ConflictError("案件已被他人更新，请刷新后重试")
        task = workflow.get_task_from_id(UUID(task_id)) if workflow else None
        if task is None or task.state != TaskState.READY:
            raise ConflictError(f"任务「{item.title}」已被他人办理")
        form_data = validate_form(session, instance, item, data)
        props = projections.properties(task)
        target = props.get("formResult")
        if target:
            task.data[target] = {**form_data, "by": actor, "at": ctx.now.isoformat()}
        else:
            task.data.update(form_data)
        ctx.event("task.submitted", task=item.task_name, title=item.title, data=form_data)
        task.run()
        _finish(ctx, workflow, instance.row_version)
        return _result(ctx, [item.task_name])

    return run_action(actor, action, body)


def fire_due_timer(timer_id: int, actor: str = CLOCK) -> StepResult | None:
    """Fire one timer row if it is still open; returns None when somebody else fired it."""
    action = {"action": "fire_timer", "timer_id": timer_id}

    def body(session: Session) -> StepResult | None:
        return fire_in_session(session, timer_id, actor)

    return run_action(actor, action, body)


def fire_in_session(session: Session, timer_id: int, actor: str = CLOCK) -> StepResult | None:
    """Fire a claimed timer inside an open transaction (the sweep claims it with SKIP LOCKED)."""
    timer = session.get(Timer, timer_id)
    if timer is None or timer.fired_at is not None:
        return None
    instance = session.get(Instance, timer.instance_id)
    ctx, workflow = _context(session, instance, actor, skip_locked=True)
    if workflow is None:
        session.delete(timer)
        return None
    timer.fired_at = ctx.now
    session.add(timer)
    fire_timer(workflow, timer.task_id)
    ctx.event("timer.fired", task=timer.task_name, due_at=timer.due_at.isoformat())
    _finish(ctx, workflow, instance.row_version)
    return _result(ctx, [timer.task_name])


class NotWaiting(StepError):
    """The instance does not wait for this message now."""


def deliver_message(instance_id: int, message: str, payload: dict[str, Any], actor: str) -> StepResult:
    """Deliver a BPMN message to an instance that is waiting for it."""
    action = {"action": "message", "instance_id": instance_id, "message": message, "payload": payload}
    return run_action(actor, action, lambda s: deliver_in_session(s, instance_id, message, lambda _: payload, actor))


def deliver_in_session(session: Session, instance_id: int, message: str,
                       prepare: Callable[[Session], dict[str, Any]], actor: str) -> StepResult:
    """Deliver a message inside an open transaction; `prepare` builds the payload once delivery is sure."""
    instance = session.get(Instance, instance_id)
    if instance is None:
        raise StepError(f"流程实例 {instance_id} 不存在")
    ctx, workflow = _context(session, instance, actor)
    if workflow is None or not waiting_for(workflow, message):
        raise NotWaiting(f"该案件当前不接收「{message}」消息")
    payload = prepare(session)
    workflow.send_event(BpmnEvent(MessageEventDefinition(message), payload))
    ctx.event("message.delivered", message=message, payload=payload)
    _finish(ctx, workflow, instance.row_version)
    return _result(ctx)


def reassign_in_session(session: Session, item: WorkItem, actor: str,
                        choose: Callable[[StepContext, Any], str], reason: str) -> StepResult:
    """Give a READY task whose `assignee` property names a variable (e.g. a drawn expert) to someone else."""
    instance = session.get(Instance, item.instance_id)
    ctx, workflow = _context(session, instance, actor)
    task = workflow.get_task_from_id(UUID(item.task_id)) if workflow else None
    if task is None or task.state != TaskState.READY:
        raise ConflictError(f"任务「{item.title}」已被办理")
    variable = projections.properties(task).get("assignee", "")
    if not variable.isidentifier():
        raise StepError(f"任务「{item.title}」没有可更换的指派对象")
    before, after = task.data.get(variable), choose(ctx, task)
    task.data[variable] = after
    ctx.event("task.reassigned", task=item.task_name, before=before, after=after, reason=reason)
    _finish(ctx, workflow, instance.row_version)
    return _result(ctx)


def waiting_for(workflow: BpmnWorkflow, message: str) -> bool:
    """Whether some task of the workflow waits for this message now."""
    return any(ev.event_type == "MessageEventDefinition" and ev.name == message for ev in workflow.waiting_events())


def end_in_session(session: Session, instance_id: int, reason: str, actor: str) -> None:
    """End a running instance cleanly (e.g. on revocation): cancel it, clear its work items and timers."""
    instance = session.get(Instance, instance_id)
    ctx, workflow = _context(session, instance, actor)
    if workflow is None:
        return
    workflow.cancel()
    instance.status = "ended"
    instance.ended_at = ctx.now
    projections.clear(ctx)
    ctx.event("process.ended", process=instance.process_key, reason=reason)
    _save(ctx, dump_state(workflow), instance.row_version)


def update_in_session(session: Session, instance_id: int, change: Callable[[StepContext, BpmnWorkflow], None],
                      actor: str) -> None:
    """Change a running instance's case data inside an open transaction (e.g. move its deadlines after a
    suspension), then re-project and save it like any step."""
    instance = session.get(Instance, instance_id)
    ctx, workflow = _context(session, instance, actor)
    if workflow is None:
        return
    change(ctx, workflow)
    _finish(ctx, workflow, instance.row_version)


def restore_in_session(session: Session, instance_id: int, version_id: int, state_json: str, actor: str,
                       kind: str, **detail: Any) -> None:
    """Put a running instance back on a stored version and state (rolling back a migration): re-project
    work items, timers and state from it and save it like any step, with audit event `kind`."""
    instance = session.get(Instance, instance_id)
    ctx, workflow = _context(session, instance, actor)
    if workflow is None:
        raise StepError(f"流程实例 {instance_id} 已结束")
    version = session.get(ProcessVersion, version_id)
    restored = load_state(specs.spec_json(session, version.spec_hash), state_json, workflow.script_engine)
    instance.process_version_id = version_id
    ctx.event(kind, **detail)
    projections.project(ctx, restored)
    _save(ctx, state_json, instance.row_version)


# --- checks ------------------------------------------------------------------------------------

def authorize(session: Session, actor: str, item: WorkItem, check_claim: bool = True) -> None:
    """The actor must be an active user with the item's role, within its jurisdiction, its assignee, and
    (with `check_claim`) not someone other than the colleague who claimed it."""
    user = session.exec(select(User).where(User.username == actor)).first()
    if user is None or not user.active:
        raise PermissionDenied(f"用户 {actor} 不存在或已停用")
    if user.role != "admin" and user.role != item.role:
        raise PermissionDenied(f"用户 {actor}（{user.role}）无权办理「{item.title}」（需要角色 {item.role}）")
    if item.assignee and item.assignee != actor:
        raise PermissionDenied(f"任务「{item.title}」指派给 {item.assignee}，{actor} 不能办理")
    if check_claim and item.claimed_by and item.claimed_by != actor:
        raise PermissionDenied(f"任务「{item.title}」已由 {item.claimed_by} 认领，{actor} 不能办理")
    if not item.assignee and not item.jurisdiction.startswith(user.jurisdiction):
        raise PermissionDenied(f"任务「{item.title}」属于辖区 {item.jurisdiction}，不在 {actor} 的辖区 {user.jurisdiction} 内")


def validate_form(session: Session, instance: Instance, item: WorkItem, data: dict[str, Any]) -> dict[str, Any]:
    """Validate form data against the task's JSON Schema; every error names its field."""
    if not isinstance(data, dict):
        raise InputError("表单数据必须是 JSON 对象")
    if not item.form:
        return data
    version = session.get(ProcessVersion, instance.process_version_id)
    check_against_schema(specs.load_form(version.source_path, item.form), data, item.title)
    extra_check = tasks.form_checks().get(item.form)
    if extra_check is not None:
        extra_check(session, instance, data)
    return data


def check_against_schema(schema: dict[str, Any], data: Any, title: str) -> None:
    """Raise `InputError` naming every field of `data` that `schema` refuses (by its Chinese title)."""
    validator = jsonschema.Draft202012Validator(schema)
    errors = {}
    for error in sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path)):
        path = ".".join(str(p) for p in error.absolute_path)
        if error.validator == "required":
            for name in [n for n in error.validator_value if n not in (error.instance or {})]:
                key = f"{path}.{name}" if path else name
                errors[key] = f"「{_field_title(schema, key)}」为必填项"
            continue
        errors[path or "(表单)"] = error.message
    if errors:
        detail = "；".join(f"{k}: {v}" for k, v in errors.items())
        raise InputError(f"「{title}」校验失败：{detail}", errors)


def _field_title(schema: dict[str, Any], path: str) -> str:
    node: Any = schema
    for part in path.split("."):
        if part.isdigit():
            node = node.get("items", {})
            continue
        node = node.get("properties", {}).get(part, {})
    return node.get("title", path.rsplit(".", 1)[-1]) if isinstance(node, dict) else path
