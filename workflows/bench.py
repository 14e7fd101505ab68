"""`beian bench`: how long one write-path step and a timer sweep take, on a throwaway SQLite database.

Everything runs in a temporary folder (never the user's `var/`). The benchmark diagram below has a
clerk's task, a script task and a reviewer's task with a boundary deadline timer. Measured:
- `step_ms_p50`: `complete_task` on the clerk's task (load, complete, engine steps, projections,
  audit, save, commit), one fresh case per sample;
- `engine_step_ms_p50`: the same step on the bare engine in memory (deserialize, complete, engine
  steps, serialize), from the same saved states;
- `sweep_idle_ms`: `fire_due_timers()` when none of the waiting timers is due;
- `sweep_ms_per_due`: `fire_due_timers()` firing the due ones, divided by how many it fired;
- `instance_bytes_p50`: the stored state of a case waiting at the reviewer's task.
The waiting timers are bulk-inserted copies (instance and timer rows) of two real cases started and
stepped through the write path; firing them goes through the real write path.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import click
from sqlalchemy import insert
from sqlmodel import Session, col, func, select

from workflows import specs
from workflows.clock import Clock, save_clock
from workflows.db import read_session, reset_engines, write_session
from workflows.engine import BeianScriptEngine, dump_state, load_state
from workflows.models import Instance, Institution, ProcessVersion, Timer, WorkItem
from workflows.sweep import fire_due_timers

BENCH_BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
                  id="bench_definitions" targetNamespace="https://beian.example/bpmn/bench">
  <bpmn:process id="bench" name="性能基准流程" isExecutable="true">
    <bpmn:laneSet id="bench_lanes">
      <bpmn:lane id="bench_clerk" name="经办人">
        <bpmn:flowNodeRef>bench_start</bpmn:flowNodeRef><bpmn:flowNodeRef>review</bpmn:flowNodeRef>
      </bpmn:lane>
      <bpmn:lane id="bench_system" name="系统">
        <bpmn:flowNodeRef>tally</bpmn:flowNodeRef><bpmn:flowNodeRef>bench_end</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>expired</bpmn:flowNodeRef><bpmn:flowNodeRef>expired_end</bpmn:flowNodeRef>
      </bpmn:lane>
      <bpmn:lane id="bench_reviewer" name="审核人">
        <bpmn:flowNodeRef>approve</bpmn:flowNodeRef>
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="bench_start" name="开始"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="review" name="审查">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="institutionState" value="applying" />
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:scriptTask id="tally" name="汇总">
      <bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>
      <bpmn:script>total = sum(scores) if scores else 0
passed = total &gt;= 60</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:userTask id="approve" name="审核">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="institutionState" value="reviewing" />
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f3</bpmn:incoming><bpmn:outgoing>f4</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:boundaryEvent id="expired" name="审核期限届满" attachedToRef="approve" cancelActivity="true">
      <bpmn:outgoing>f5</bpmn:outgoing>
      <bpmn:timerEventDefinition id="approve_deadline"><bpmn:timeDate>due_at</bpmn:timeDate></bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:endEvent id="bench_end" name="结束"><bpmn:incoming>f4</bpmn:incoming></bpmn:endEvent>
    <bpmn:endEvent id="expired_end" name="逾期结束"><bpmn:incoming>f5</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="bench_start" targetRef="review" />
    <bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="tally" />
    <bpmn:sequenceFlow id="f3" sourceRef="tally" targetRef="approve" />
    <bpmn:sequenceFlow id="f4" sourceRef="approve" targetRef="bench_end" />
    <bpmn:sequenceFlow id="f5" sourceRef="expired" targetRef="expired_end" />
  </bpmn:process>
</bpmn:definitions>
"""

PROCESS = "bench"
ACTOR = "bench_admin"
FORM = {"scores": [18, 17, 16, 15], "note": "材料齐全，同意提交审核"}
START = datetime(2026, 9, 21, 1, 0, tzinfo=UTC)
IDLE_DUE = START + timedelta(days=365)
SOON_DUE = START + timedelta(days=10)


@dataclass(frozen=True)
class Sizes:
    """How much work one run does."""

    steps: int
    timers: int
    due: int
    institutions: int


FULL = Sizes(steps=200, timers=100_000, due=1_000, institutions=10_000)
QUICK = Sizes(steps=20, timers=5_000, due=100, institutions=1_000)
BOARD_STATES = ("applying", "reviewing", "noticing", "filed", "filed", "filed", "rectifying", "revoked", "expired")


@contextmanager
def scratch_database() -> Iterator[str]:
    """Point Beian at a fresh SQLite file in a temporary folder; restore the environment afterwards."""
    saved = {key: os.environ.get(key) for key in ("BEIAN_VAR", "BEIAN_DATABASE_URL")}
    with tempfile.TemporaryDirectory(prefix="beian-bench-") as folder:
        os.environ["BEIAN_VAR"] = folder
        os.environ["BEIAN_DATABASE_URL"] = f"sqlite:///{folder}/bench.db"
        reset_engines()
        try:
            yield folder
        finally:
            reset_engines()
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value


def _p50(values: list[float]) -> float:
    return round(statistics.median(values), 3)


def _timed(func: Callable[[], Any]) -> tuple[float, Any]:
    """Milliseconds `func` took (a measurement, not a domain decision), and its result."""
    begin = time.perf_counter()
    result = func()
    return (time.perf_counter() - begin) * 1000, result


def _prepare() -> tuple[ProcessVersion, list[int]]:
    """Schema, the benchmark diagram, a user, the clock and a hundred institutions."""
    from workflows.store import upgrade_schema
    from workflows.users import upsert_user

    upgrade_schema()
    parsed = specs.parse_diagram(BENCH_BPMN, "bench.bpmn")
    with write_session() as session:
        save_clock(session, Clock(START))
        version = specs.register(session, "bench", PROCESS, parsed, now=START)
        upsert_user(session, ACTOR, os.urandom(12).hex(), "admin", "33")
        institutions = [Institution(name=f"基准机构{n}", kind="enterprise", credit_code=f"BENCH{n:013d}", pack_id="bench",
                                    province="33", city="3301", county="330106") for n in range(100)]
        session.add_all(institutions)
        session.flush()
        return version, [i.id for i in institutions]


def _start(institution_id: int, due_at: datetime) -> int:
    from workflows.writepath import start_process

    return start_process(institution_id, PROCESS, {"due_at": due_at.isoformat(), "scores": []}, ACTOR).instance_id


def _review_item(session: Session, instance_id: int) -> WorkItem:
    return session.exec(select(WorkItem).where(WorkItem.instance_id == instance_id,
                                               WorkItem.task_name == "review")).one()


def measure_steps(version: ProcessVersion, institutions: list[int], count: int) -> dict[str, float]:
    """The write-path step and the same step on the bare engine, from identical saved states."""
    from workflows.writepath import complete_task

    instance_ids = [_start(institutions[n % len(institutions)], IDLE_DUE) for n in range(count)]
    with read_session() as session:
        spec = specs.spec_json(session, version.spec_hash)
        before = [(session.get(Instance, i).state_json, _review_item(session, i).task_id) for i in instance_ids]
    step_ms = [_timed(lambda task_id=task_id: complete_task(task_id, FORM, ACTOR))[0] for _, task_id in before]
    engine_ms = [_timed(lambda s=state, t=task_id: _bare_step(spec, s, t))[0] for state, task_id in before]
    with read_session() as session:
        sizes = [len(s.encode("utf-8")) for s in session.exec(select(Instance.state_json)
                                                                .where(col(Instance.id).in_(instance_ids)))]
    return {"step_ms_p50": _p50(step_ms), "engine_step_ms_p50": _p50(engine_ms),
            "step_ratio": round(statistics.median(step_ms) / statistics.median(engine_ms), 2),
            "instance_bytes_p50": int(statistics.median(sizes))}


def _bare_step(spec: str, state: str, task_id: str) -> str:
    """Deserialize, complete the task, run engine steps, serialize: no database at all."""
    workflow = load_state(spec, state, BeianScriptEngine(now=lambda: START))
    task = workflow.get_task_from_id(UUID(task_id))
    task.data.update(FORM)
    task.run()
    workflow.refresh_timers()
    workflow.do_engine_steps()
    return dump_state(workflow)


def _copy_waiting_case(institution_id: int, due_at: datetime) -> tuple[Instance, Timer]:
    """A real case stepped to the reviewer's task (its deadline timer waiting), to copy in bulk."""
    from workflows.writepath import complete_task

    instance_id = _start(institution_id, due_at)
    with read_session() as session:
        task_id = _review_item(session, instance_id).task_id
    complete_task(task_id, FORM, ACTOR)
    with read_session() as session:
        return (session.get(Instance, instance_id),
                session.exec(select(Timer).where(Timer.instance_id == instance_id)).one())


def bulk_waiting_timers(institutions: list[int], total: int, due: int) -> None:
    """`total` waiting timers, `due` of them due soon: copies of two real waiting cases."""
    idle_source = _copy_waiting_case(institutions[0], IDLE_DUE)
    due_source = _copy_waiting_case(institutions[1], SOON_DUE)
    with write_session() as session:
        next_id = session.exec(select(func.max(Instance.id))).one() + 1
        existing = session.exec(select(func.count()).select_from(Timer)).one()
        instances, timers = [], []
        for n in range(total - existing):
            instance, timer = due_source if n < due - 1 else idle_source
            instances.append({"id": next_id + n, "institution_id": institutions[n % len(institutions)],
                              "process_version_id": instance.process_version_id, "process_key": PROCESS,
                              "business_key": f"bench:{n}", "status": "running", "state_json": instance.state_json,
                              "serializer_version": instance.serializer_version,
                              "library_version": instance.library_version, "row_version": instance.row_version,
                              "started_at": START, "updated_at": START})
            timers.append({"instance_id": next_id + n, "task_id": timer.task_id, "task_name": timer.task_name,
                           "due_at": timer.due_at})
        for first in range(0, len(instances), 10_000):
            session.execute(insert(Instance), instances[first:first + 10_000])
            session.execute(insert(Timer), timers[first:first + 10_000])


def measure_sweep(institutions: list[int], sizes: Sizes) -> dict[str, float]:
    """A sweep that finds nothing due, then one that fires the due timers."""
    bulk_waiting_timers(institutions, sizes.timers, sizes.due)
    with write_session() as session:
        save_clock(session, Clock(START + timedelta(days=1)))
    idle = [_timed(fire_due_timers)[0] for _ in range(5)]
    with write_session() as session:
        save_clock(session, Clock(SOON_DUE + timedelta(seconds=1)))
    elapsed, report = _timed(fire_due_timers)
    if report.fired != sizes.due or report.failed:
        raise RuntimeError(f"sweep fired {report.fired} of {sizes.due} due timers; failed: {report.failed[:5]}")
    with read_session() as session:
        waiting = session.exec(select(func.count()).select_from(Timer).where(col(Timer.fired_at).is_(None))).one()
    return {"sweep_idle_ms": _p50(idle), "sweep_ms_per_due": round(elapsed / report.fired, 3),
            "sweep_timers": sizes.timers, "sweep_due": report.fired, "timers_left_waiting": waiting}


def measure_board(count: int) -> dict[str, Any]:
    """The 机构总览 queries of a city clerk over `count` bulk-created institutions: counts and one page."""
    from dashboard.auth import Identity
    from dashboard.board_query import BoardFilters, search, state_counts
    from workflows.models import OccupationScope

    with write_session() as session:
        first = session.exec(select(func.max(Institution.id))).one() or 0
        session.execute(insert(Institution), [
            {"id": first + n, "name": f"看板机构{n}", "kind": "social_training", "credit_code": f"BOARD{n:013d}",
             "pack_id": "bench", "province": "33", "city": "3301", "county": f"3301{n % 10:02d}",
             "state": BOARD_STATES[n % len(BOARD_STATES)], "application": {}, "row_version": 1}
            for n in range(1, count + 1)])
        session.execute(insert(OccupationScope), [
            {"institution_id": first + n, "code": f"4-10-01-{n % 7:02d}", "name": f"职业{n % 7}", "levels": [4, 5],
             "kind": "occupation", "status": "filed"} for n in range(1, count + 1)])
    clerk = Identity("bench_clerk", "基准经办人", "clerk", "3301")
    on = START.date()
    filtered = BoardFilters(states=["filed"], occupation="职业3")
    timings: dict[str, list[float]] = {"board_page_ms": [], "board_filtered_ms": []}
    for _ in range(5):
        for key, filters, page in (("board_page_ms", BoardFilters(), 0), ("board_filtered_ms", filtered, 3)):
            def view(f: BoardFilters = filters, p: int = page) -> None:
                with read_session() as session:
                    state_counts(session, clerk, f, on)
                    search(session, clerk, f, on, p)
            timings[key].append(_timed(view)[0])
    return {"board_institutions": count, **{k: _p50(v) for k, v in timings.items()}}


def run_bench(sizes: Sizes = FULL) -> dict[str, Any]:
    """Run the whole benchmark in a scratch database and return its numbers."""
    begin = time.perf_counter()
    with scratch_database():
        version, institutions = _prepare()
        result: dict[str, Any] = {"database": "sqlite", "steps": sizes.steps}
        result.update(measure_steps(version, institutions, sizes.steps))
        result.update(measure_sweep(institutions, sizes))
        result.update(measure_board(sizes.institutions))
    result["total_s"] = round(time.perf_counter() - begin, 1)
    return result


def register(group: click.Group) -> None:
    @group.command("bench")
    @click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
    @click.option("--quick", is_flag=True,
                  help="Smaller sizes (20 steps, 5,000 timers, 100 due, 1,000 institutions), for tests.")
    def bench(as_json: bool, quick: bool) -> None:
        """Measure a write-path step, the bare engine step, the timer sweep and the board's queries (temporary SQLite)."""
        from workflows.cli_util import emit_json

        result = run_bench(QUICK if quick else FULL)
        if as_json:
            emit_json(result)
        else:
            for key, value in result.items():
                click.echo(f"{key}: {value}")
