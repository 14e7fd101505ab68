"""Scale-out, as docs/lifecycle.md describes it: a Prefect server, a process work pool, `prefect deploy --all`
from prefect.yaml, and two `prefect worker start --pool beian` processes sharing the fire-due-timers runs
against one PostgreSQL database. Every timer fires exactly once; both workers run flows; nothing fails.

Prefect's own database is a second throwaway PostgreSQL database (`PREFECT_API_DATABASE_CONNECTION_URL`), as
in the recipe: on SQLite, concurrent worker heartbeats and run updates hit "database is locked".
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import psycopg
import pytest
from conftest import _free_port, pg_url, set_clock
from sqlalchemy.engine import make_url
from sqlmodel import col, func, select
from test_concurrency import DUE, start_waiting_cases
from test_failures import failures, register_fixture
from test_postgres import pg_db  # noqa: F401 - fixture

from workflows.db import read_session
from workflows.models import AuditEvent, Timer
from workflows.serve import prefect_env, start_server, stop_processes
from workflows.settings import ROOT

pytestmark = [pytest.mark.prefect, pytest.mark.postgres]

TIMERS = 400
RUNS = 4  # all four may run at once: the test lifts the deployment's concurrency limit (see below)
WAIT_S = 60
TERMINAL = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}


@pytest.fixture
def prefect_db(pg_db: str) -> Iterator[str]:  # noqa: F811 - Beian's own throwaway database comes first
    """A throwaway PostgreSQL database for Prefect's server (next to Beian's); yields its asyncpg URL."""
    name = f"prefect_test_{uuid4().hex[:12]}"
    admin = make_url(pg_url()).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(pg_url()).set(drivername="postgresql+asyncpg", database=name).render_as_string(
            hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _prefect(env: dict[str, str], *args: str) -> None:
    """Run a `prefect` CLI command like an operator would; the test fails with its output if it fails."""
    done = subprocess.run([sys.executable, "-m", "prefect", *args], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, f"prefect {' '.join(args)}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"


def _until(what: str, check: Callable[[], Any], timeout: float = WAIT_S) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := check():
            return result
        time.sleep(0.5)
    pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")


def test_two_workers_share_the_sweep_and_fire_each_timer_once(prefect_db: str, tmp_path: Path) -> None:
    set_clock("2026-09-21T09:00")
    register_fixture("timer_wait")
    start_waiting_cases(TIMERS, DUE)
    set_clock("2026-10-01T09:00:01")  # China time: one second after DUE, so every timer is due

    port = _free_port()
    env = {**prefect_env(port), "PREFECT_API_DATABASE_CONNECTION_URL": prefect_db,
           "PREFECT_WORKER_QUERY_SECONDS": "1", "PREFECT_WORKER_HEARTBEAT_SECONDS": "5"}
    api = f"http://127.0.0.1:{port}/api"
    processes: list[subprocess.Popen] = []
    logs = {name: tmp_path / f"{name}.log" for name in ("worker-a", "worker-b")}
    try:
        processes.append(start_server(port, env))
        _prefect(env, "work-pool", "create", "beian", "--type", "process")
        _prefect(env, "--no-prompt", "deploy", "--all")
        for name, log in logs.items():
            with log.open("w") as out:
                processes.append(subprocess.Popen(
                    [sys.executable, "-m", "prefect", "worker", "start", "--pool", "beian", "--name", name,
                     "--limit", "1"], env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT))
        with httpx.Client(base_url=api, timeout=10) as client:
            _until("both workers to report to the pool", lambda: len(
                client.post("/work_pools/beian/workers/filter", json={}).json()) == 2)
            deployment = client.get("/deployments/name/fire-due-timers/fire-due-timers").json()
            # The test counts its own runs: pause the 60-s schedule so no scheduled round joins in. In production
            # prefect.yaml keeps one run at a time; here the limit is lifted so that runs on both workers
            # overlap and only the database's claiming (FOR UPDATE SKIP LOCKED) keeps each timer single.
            client.patch(f"/deployments/{deployment['id']}",
                         json={"paused": True, "concurrency_limit": RUNS}).raise_for_status()
            runs = [client.post(f"/deployments/{deployment['id']}/create_flow_run", json={}).json()["id"]
                    for _ in range(RUNS)]

            def finished() -> list[dict[str, Any]] | None:
                found = client.post("/flow_runs/filter", json={"flow_runs": {"id": {"any_": runs}}}).json()
                return found if len(found) == RUNS and all(r["state_type"] in TERMINAL for r in found) else None

            final = _until(f"{RUNS} flow runs to finish", finished)
    finally:
        stop_processes(processes)

    assert Counter(r["state_type"] for r in final) == {"COMPLETED": RUNS}, final
    executed = _executed(logs)  # both workers may try to take a run; Prefect lets one of them run it
    assert sorted(executed) == sorted(r["name"] for r in final), executed
    assert all(len(by) == 1 for by in executed.values()), f"a flow run was executed twice: {executed}"
    assert {by[0][0] for by in executed.values()} == set(logs), f"a worker ran no flow run: {executed}"
    assert sum(by[0][1] for by in executed.values()) == TIMERS, executed
    with read_session() as session:
        events = Counter(e.instance_id for e in session.exec(select(AuditEvent).where(AuditEvent.kind == "timer.fired")))
        unfired = session.exec(select(func.count()).select_from(Timer).where(col(Timer.fired_at).is_(None))).one()
    assert len(events) == TIMERS and set(events.values()) == {1}
    assert unfired == 0
    assert failures() == []
    print(f"flow run → (worker, timers fired): {executed}")


def _executed(logs: dict[str, Path]) -> dict[str, list[tuple[str, int]]]:
    """Flow run name → (worker, timers fired) for every execution, from the output of the flow runs that each
    worker started (the flow logs its report; a worker whose claim Prefect refused has no such line)."""
    executed: dict[str, list[tuple[str, int]]] = {}
    for worker, log in logs.items():
        for name, fired in re.findall(r"Flow run '([^']+)' - fired (\d+) timers", log.read_text()):
            executed.setdefault(name, []).append((worker, int(fired)))
    return executed
