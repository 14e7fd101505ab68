"""Prefect: the flows are thin (their functions are tested elsewhere); one real flow run on a real server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import _free_port, set_clock
from sqlmodel import func, select
from test_concurrency import DUE, start_waiting_cases
from test_failures import register_fixture
from test_notify import queue

from workflows.cli import main
from workflows.db import read_session
from workflows.models import AuditEvent
from workflows.serve import prefect_env, start_server, yaml_deployments
from workflows.settings import ROOT


def test_tick_runs_the_jobs_without_prefect(db) -> None:  # type: ignore[no-untyped-def]
    from workflows.tick import expiry_watch, tick

    set_clock("2026-11-02T09:00")
    assert tick() == {"fired": 0, "failed": [], "busy": [], "delivered": 0, "undelivered": []}
    assert expiry_watch()["next_year_calendar_missing"] is True


def test_beian_tick_fires_due_timers_then_delivers(db) -> None:  # type: ignore[no-untyped-def]
    set_clock("2026-09-21T09:00")
    register_fixture("timer_wait")
    start_waiting_cases(3, DUE)
    queue("inbox", "role:clerk@3301", "k-tick")
    set_clock("2026-10-01T09:00:01")  # China time: one second after DUE
    result = CliRunner().invoke(main, ["tick", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"fired": 3, "failed": [], "busy": [], "delivered": 1, "undelivered": []}
    again = CliRunner().invoke(main, ["tick"])
    assert again.output.strip() == "已触发 0 个定时器，已发送 0 条通知"
    with read_session() as session:
        assert session.exec(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.kind == "timer.fired")).one() == 3


def test_prefect_yaml_declares_the_deployments() -> None:
    import yaml

    config = yaml.safe_load((ROOT / "prefect.yaml").read_text("utf-8"))
    names = {d["name"]: d for d in config["deployments"]}
    assert {"fire-due-timers", "expiry-watch", "assessment-campaign-chongqing"} == set(names)
    assert all(d["concurrency_limit"]["collision_strategy"] == "CANCEL_NEW" for d in names.values())
    assert names["fire-due-timers"]["schedules"] == [{"interval": 60}]


def test_beian_start_serves_exactly_the_yaml_deployments() -> None:
    served = {d.name: d for d in yaml_deployments()}
    assert set(served) == {"fire-due-timers", "expiry-watch", "assessment-campaign-chongqing"}
    assert served["fire-due-timers"].schedules[0].schedule.interval == timedelta(seconds=60)
    watch = served["expiry-watch"].schedules[0].schedule
    assert (watch.cron, watch.timezone) == ("0 6 * * *", "Asia/Shanghai")
    campaign = served["assessment-campaign-chongqing"]
    assert campaign.schedules[0].active is False and campaign.parameters == {"jurisdiction": "50"}
    assert {n: d.concurrency_limit for n, d in served.items()} == {
        "fire-due-timers": 1, "expiry-watch": 1, "assessment-campaign-chongqing": 1}
    assert all(d.concurrency_options.collision_strategy == "CANCEL_NEW" for d in served.values())


@pytest.mark.prefect
def test_flow_runs_against_a_real_server(db: Path, tmp_path: Path) -> None:
    port = _free_port()
    env = prefect_env(port)
    server = start_server(port, env)
    try:
        code = "from workflows.flows import fire_due_timers_flow; print(fire_due_timers_flow())"
        run = subprocess.run([sys.executable, "-c", code], env={**env, "BEIAN_VAR": os.environ["BEIAN_VAR"]},
                             cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert run.returncode == 0, run.stderr[-2000:]
        assert run.stdout.strip().endswith("{'fired': 0, 'failed': [], 'busy': [], 'delivered': 0, 'undelivered': []}")
    finally:
        server.terminate()
        server.wait(timeout=30)
