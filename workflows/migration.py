"""Moving running cases to another version of their process, deliberately, and back.

`preview` uses SpiffWorkflow's workflow diff (`SpiffWorkflow.bpmn.util.diff`) per case: which
elements were added, removed or changed, and whether the case may move. A case is refused when a
changed or removed element has already been reached (completed, running, or waiting now): only
the part of the process still ahead of the case may change.

`migrate_case` runs in its own transaction through the one write path
(`writepath.update_in_session`: row locks, re-projection, row-version check, audit event
`process.migrated` with the before/after versions). Waiting tasks keep their data and internal
state, so a waiting timer keeps its due instant (computed from case data when it was reached), it
is not re-anchored to the migration moment. A `CaseMigration` row keeps the state before, so
`rollback` can restore it while the case has not changed since.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.util.diff import SpecDiff, diff_dependencies, diff_workflow, migrate_workflow
from SpiffWorkflow.util.task import TaskState
from sqlmodel import Session, col, select

from workflows import specs
from workflows.clock import load_clock
from workflows.context import StepContext
from workflows.db import read_session
from workflows.engine import SERIALIZER, BeianScriptEngine, load_state
from workflows.models import CaseMigration, Instance, Institution, ProcessVersion
from workflows.writepath import StepError, restore_in_session, run_action, update_in_session

REACHED = TaskState.COMPLETED | TaskState.STARTED | TaskState.READY | TaskState.WAITING | TaskState.ERROR
ProgressCallback = Callable[[int, int, "CaseOutcome"], None]


class MigrationError(StepError):
    """A case cannot be moved (or moved back); `str()` says why in Chinese."""


@dataclass
class CasePreview:
    """What moving one case would change."""

    instance_id: int
    institution_id: int
    institution_name: str
    state: str
    from_version: int
    to_version: int
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    current: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def movable(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class CaseOutcome:
    """The result of migrating one case in a bulk run."""

    instance_id: int
    migrated: bool
    message: str


def select_cases(session: Session, pack_id: str, process_key: str, *, from_version: int | None = None,
                 state: str | None = None, jurisdiction: str | None = None) -> list[Instance]:
    """Running cases of a process, optionally only those on a version, in an institution state or under a
    jurisdiction code (prefix of the institution's county code)."""
    query = (select(Instance).join(Institution, col(Institution.id) == col(Instance.institution_id))
             .join(ProcessVersion, col(ProcessVersion.id) == col(Instance.process_version_id))
             .where(Instance.status == "running", Instance.process_key == process_key,
                    ProcessVersion.pack_id == pack_id))
    if from_version is not None:
        query = query.where(ProcessVersion.version == from_version)
    if state:
        query = query.where(Institution.state == state)
    if jurisdiction:
        query = query.where(col(Institution.county).startswith(jurisdiction))
    return list(session.exec(query.order_by(col(Instance.id))))


def target_version(session: Session, pack_id: str, process_key: str, version: int) -> ProcessVersion:
    row = session.exec(select(ProcessVersion).where(
        ProcessVersion.pack_id == pack_id, ProcessVersion.process_key == process_key,
        ProcessVersion.version == version, ProcessVersion.status == "published")).first()
    if row is None:
        raise MigrationError(f"政策包 {pack_id} 的流程 {process_key} 没有已发布的第 {version} 版")
    return row


def _new_specs(session: Session, version: ProcessVersion) -> tuple[Any, dict[str, Any]]:
    dct = json.loads(specs.spec_json(session, version.spec_hash))
    return (SERIALIZER.registry.restore(dct["spec"]),
            {k: SERIALIZER.registry.restore(v) for k, v in dct["subprocess_specs"].items()})


def _names(task_specs: Any) -> list[str]:
    return sorted({ts.bpmn_id for ts in task_specs if getattr(ts, "bpmn_id", None)})


class _Plan:
    """The diff of one workflow against a target version, and how to apply it."""

    def __init__(self, session: Session, workflow: BpmnWorkflow, target: ProcessVersion) -> None:
        self.spec, self.deps = _new_specs(session, target)
        self.top, self.subs = diff_workflow(SERIALIZER.registry, workflow, self.spec, self.deps)
        self.workflow = workflow

    def fill(self, preview: CasePreview) -> None:
        spec_diffs = [SpecDiff(SERIALIZER.registry, self.workflow.spec, self.spec)]
        dep_diffs, new_deps = diff_dependencies(SERIALIZER.registry, self.workflow.subprocess_specs, self.deps)
        spec_diffs += [d for d in dep_diffs.values() if d is not None]
        preview.changed = _names(ts for d in spec_diffs for ts in d.changed)
        preview.removed = _names([ts for d in spec_diffs for ts in d.removed]
                                 + [ts for name, d in dep_diffs.items() if d is None
                                    for ts in self.workflow.subprocess_specs[name].task_specs.values()])
        preview.added = _names([ts for d in spec_diffs for ts in d.added]
                               + [ts for name in new_deps for ts in self.deps[name].task_specs.values()])
        preview.current = _names(t.task_spec for t in self.workflow.get_tasks(state=TaskState.READY | TaskState.WAITING))
        diffs = [self.top, *[d for d in self.subs.values() if d is not None]]
        touched = [t for d in diffs for t in (*d.changed, *d.removed)]
        for task in touched:
            if task.state & REACHED and task.task_spec.bpmn_id:
                what = "已完成" if task.state == TaskState.COMPLETED else "正在办理或等待中"
                preview.problems.append(f"已变更的环节 {task.task_spec.bpmn_id}（{task.task_spec.bpmn_name or ''}）{what}")
        for sp_id, diff in self.subs.items():
            if diff is None:
                name = self.workflow.subprocesses[sp_id].spec.name
                preview.problems.append(f"正在运行的子流程 {name} 在新版本中已删除")
        preview.problems = sorted(set(preview.problems))

    def apply(self) -> None:
        """Move the workflow to the new specs; waiting tasks keep their data and timers' due instants."""
        kept = {t.id: (copy.deepcopy(t.data), dict(t.internal_data))
                for t in self.workflow.get_tasks(state=TaskState.READY | TaskState.WAITING)}
        migrate_workflow(self.top, self.workflow, self.spec)
        for sp_id, diff in self.subs.items():
            subprocess = self.workflow.subprocesses[sp_id]
            migrate_workflow(diff, subprocess, self.deps[subprocess.spec.name])
        self.workflow.subprocess_specs = self.deps
        for task_id, (data, internal) in kept.items():
            task = self.workflow.get_task_from_id(task_id)
            if task is not None and task.state & (TaskState.READY | TaskState.WAITING):
                task.data, task.internal_data = data, internal


def _load(session: Session, instance: Instance) -> BpmnWorkflow:
    version = session.get(ProcessVersion, instance.process_version_id)
    engine = BeianScriptEngine(now=lambda: load_clock(session).now())
    return load_state(specs.spec_json(session, version.spec_hash), instance.state_json, engine)


def _outline(session: Session, instance: Instance, target: ProcessVersion) -> CasePreview:
    """A preview with the problems that need no diff (ended case, other process, same version)."""
    institution = session.get(Institution, instance.institution_id)
    current = session.get(ProcessVersion, instance.process_version_id)
    result = CasePreview(instance.id, institution.id, institution.name, institution.state, current.version,
                         target.version)
    if instance.status != "running":
        result.problems.append(f"案件流程已结束（{instance.status}），无需迁移")
    elif (current.pack_id, current.process_key) != (target.pack_id, target.process_key):
        result.problems.append(f"目标版本属于 {target.pack_id}/{target.process_key}，与案件的流程不同")
    elif current.id == target.id:
        result.problems.append(f"案件已在第 {target.version} 版")
    return result


def preview(session: Session, instance: Instance, target: ProcessVersion) -> CasePreview:
    """What moving this case to `target` would change, and why it may not move."""
    result = _outline(session, instance, target)
    if not result.problems:
        _Plan(session, _load(session, instance), target).fill(result)
    return result


def migrate_case(instance_id: int, target_id: int, actor: str) -> CaseMigration:
    """Move one case to `target_id` in its own write transaction; refused (nothing written) if not movable."""
    action = {"action": "migrate", "instance_id": instance_id, "to_version": target_id}

    def body(session: Session) -> CaseMigration:
        instance = session.get(Instance, instance_id)
        target = session.get(ProcessVersion, target_id)
        if instance is None or target is None:
            raise MigrationError(f"流程实例 {instance_id} 或流程版本 {target_id} 不存在")
        before: dict[str, Any] = {}

        def change(ctx: StepContext, workflow: BpmnWorkflow) -> None:
            check = _outline(session, ctx.instance, target)  # re-read under the write path's locks
            plan = _Plan(session, workflow, target)
            if not check.problems:
                plan.fill(check)
            if check.problems:
                raise MigrationError(f"案件 {instance_id}（{check.institution_name}）不能迁移：" + "；".join(check.problems))
            before.update(version=ctx.instance.process_version_id, state=ctx.instance.state_json)
            plan.apply()
            ctx.instance.process_version_id = target.id
            ctx.event("process.migrated", process=ctx.instance.process_key, before=check.from_version,
                      after=target.version, changed=check.changed, added=check.added, removed=check.removed)

        update_in_session(session, instance_id, change, actor)
        if not before:
            raise MigrationError(f"案件 {instance_id} 的流程已结束，无需迁移")
        record = CaseMigration(instance_id=instance_id, from_version_id=before["version"], to_version_id=target.id,
                               state_before=before["state"], row_version_after=instance.row_version,
                               migrated_by=actor, migrated_at=load_clock(session).now())
        session.add(record)
        session.flush()
        return record

    return run_action(actor, action, body)


def migrate_cases(instance_ids: list[int], target_id: int, actor: str,
                  progress: ProgressCallback | None = None) -> list[CaseOutcome]:
    """Migrate each case in its own transaction; a refused case does not stop the others."""
    outcomes = []
    for done, instance_id in enumerate(instance_ids, start=1):
        try:
            migrate_case(instance_id, target_id, actor)
            outcome = CaseOutcome(instance_id, True, "已迁移")
        except StepError as exc:
            outcome = CaseOutcome(instance_id, False, str(exc))
        outcomes.append(outcome)
        if progress is not None:
            progress(done, len(instance_ids), outcome)
    return outcomes


def last_migration(session: Session, instance_id: int) -> CaseMigration | None:
    return session.exec(select(CaseMigration).where(CaseMigration.instance_id == instance_id,
                                                    col(CaseMigration.rolled_back_at).is_(None))
                        .order_by(col(CaseMigration.id).desc())).first()


def rollback(instance_id: int, actor: str) -> CaseMigration:
    """Put a migrated case back on its prior version and state, if nothing has happened since."""
    action = {"action": "rollback_migration", "instance_id": instance_id}

    def body(session: Session) -> CaseMigration:
        record = last_migration(session, instance_id)
        if record is None:
            raise MigrationError(f"案件 {instance_id} 没有可回退的迁移")
        instance = session.get(Instance, instance_id)
        if instance.row_version != record.row_version_after or instance.process_version_id != record.to_version_id:
            raise MigrationError(f"案件 {instance_id} 在迁移后已有办理记录，不能回退到原版本")
        before = session.get(ProcessVersion, record.from_version_id)
        after = session.get(ProcessVersion, record.to_version_id)
        restore_in_session(session, instance_id, before.id, record.state_before, actor,
                           "process.migration_rolled_back", before=after.version, after=before.version)
        record.rolled_back_by, record.rolled_back_at = actor, load_clock(session).now()
        session.add(record)
        return record

    return run_action(actor, action, body)


def preview_cases(pack_id: str, process_key: str, version: int, **filters: Any) -> list[CasePreview]:
    """Previews of every selected case (see `select_cases` for the filters); nothing is written."""
    with read_session() as session:
        target = target_version(session, pack_id, process_key, version)
        return [preview(session, i, target) for i in select_cases(session, pack_id, process_key, **filters)]
