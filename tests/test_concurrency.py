"""Concurrency on PostgreSQL: parallel sweepers fire each timer once; racing staff get one winner.

Timers come from tests/fixtures/bpmn/timer_wait.bpmn (one timeDate catch event whose instant is start
data), started through the write path (`start_in_session`, many per transaction) for 2,000
institutions. Four spawned OS processes, each with its own engines, then sweep at once.
"""

from __future__ import annotations

import importlib
import multiprocessing
import threading
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import pytest
from conftest import make_staff, set_clock
from sqlmodel import col, func, select
from test_failures import CLERK, failures, new_institution, register_fixture, start_probe
from test_postgres import pg_db  # noqa: F401 - fixture

from workflows.audit import chain_of, verify_chain
from workflows.db import read_session, write_session
from workflows.models import AuditEvent, Instance, Timer
from workflows.sweep import SweepReport, fire_due_timers
from workflows.writepath import ConflictError, StepResult, complete_task, start_in_session

TIMERS = 2000
SWEEPERS = 4
DUE = datetime(2026, 10, 1, 1, 0, tzinfo=UTC)


def start_waiting_cases(count: int, due_at: datetime, batch: int = 500) -> None:
    """Start `count` timer_wait cases (one institution each) through the write path, `batch` per transaction."""
    for first in range(0, count, batch):
        with write_session() as session:
            for n in range(first, min(first + batch, count)):
                institution = new_institution(session, n)
                start_in_session(session, institution.id, "timer_wait", {"due_at": due_at.isoformat()}, "system")


@pytest.mark.postgres
@pytest.mark.usefixtures("pg_db")
def test_four_processes_fire_two_thousand_timers_each_exactly_once() -> None:
    set_clock("2026-09-21T09:00")
    register_fixture("timer_wait")
    start_waiting_cases(TIMERS, DUE)
    with read_session() as session:
        assert session.exec(select(func.count()).select_from(Timer).where(col(Timer.fired_at).is_(None))).one() == TIMERS
    assert fire_due_timers().fired == 0  # nothing is due yet
    set_clock("2026-10-01T09:00:01")  # China time: one second after DUE

    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(SWEEPERS, initializer=importlib.import_module, initargs=("workflows.sweep",)) as pool:
        reports: list[SweepReport] = pool.starmap(fire_due_timers, [()] * SWEEPERS)

    assert sum(r.fired for r in reports) == TIMERS
    assert sum(r.fired > 0 for r in reports) >= 2, "the sweepers did not overlap"
    assert all(r.failed == [] and r.busy == [] for r in reports)
    with read_session() as session:
        timers = session.exec(select(Timer)).all()
        fired = Counter(e.instance_id for e in session.exec(select(AuditEvent).where(AuditEvent.kind == "timer.fired")))
        statuses = Counter(session.exec(select(Instance.status)).all())
    assert len(timers) == TIMERS and all(t.fired_at is not None for t in timers)
    assert len(fired) == TIMERS and set(fired.values()) == {1}
    assert statuses == {"completed": TIMERS}
    assert failures() == []


def _race(task_id: str, actors: list[str]) -> list[Any]:
    """Both actors complete the same task at the same moment; returns each one's result or error."""
    barrier = threading.Barrier(len(actors))
    outcomes: list[Any] = [None] * len(actors)

    def attempt(i: int) -> None:
        barrier.wait()
        try:
            outcomes[i] = complete_task(task_id, {"choice": "yes"}, actors[i])
        except Exception as exc:  # noqa: BLE001 - the outcome is what the test inspects
            outcomes[i] = exc

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(len(actors))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


@pytest.mark.parametrize("backend", [pytest.param("pg_db", marks=pytest.mark.postgres), "db"])
def test_two_staff_completing_one_task_one_wins(backend: str, request: pytest.FixtureRequest) -> None:
    request.getfixturevalue(backend)
    make_staff("33", "3301", "330106")
    set_clock("2026-09-21T09:00")
    register_fixture("probe")
    institution_id, item = start_probe()
    outcomes = _race(item.task_id, [CLERK, "clerk33"])

    wins = [o for o in outcomes if isinstance(o, StepResult)]
    conflicts = [o for o in outcomes if isinstance(o, ConflictError)]
    assert len(wins) == 1 and len(conflicts) == 1, outcomes
    assert wins[0].state == "noticing"
    with read_session() as session:
        chain = chain_of(institution_id)
        assert verify_chain(session, chain) == []
        kinds = [e.kind for e in session.exec(select(AuditEvent).where(AuditEvent.chain == chain))]
    assert kinds.count("task.submitted") == 1 and kinds.count("probe.ran") == 1
    (failure,) = failures()
    assert str(conflicts[0]) in failure.error
