"""Prefect: the flows are thin (their functions are tested elsewhere); one real flow run on a real server."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import set_clock

from workflows.serve import prefect_env, start_server
from workflows.settings import ROOT


def test_tick_runs_the_jobs_without_prefect(db) -> None:  # type: ignore[no-untyped-def]
    from workflows.tick import expiry_watch, tick

    set_clock("2026-11-02T09:00")
    assert tick() == {"fired": 0, "failed_timers": [], "busy": [], "sent": 0, "failed_messages": []}
    assert expiry_watch()["next_year_calendar_missing"] is True


def test_prefect_yaml_declares_the_deployments() -> None:
    import yaml

    config = yaml.safe_load((ROOT / "prefect.yaml").read_text("utf-8"))
    names = {d["name"]: d for d in config["deployments"]}
    assert {"fire-due-timers", "deliver-notifications", "expiry-watch"} <= set(names)
    assert all(d["concurrency_limit"]["collision_strategy"] == "CANCEL_NEW" for d in names.values())
    assert names["fire-due-timers"]["schedules"] == [{"interval": 60}]


@pytest.mark.prefect
def test_flow_runs_against_a_real_server(db: Path, tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = prefect_env(port)
    server = start_server(port, env)
    try:
        code = ("from workflows.flows import fire_due_timers_flow, deliver_notifications_flow;"
                "print(fire_due_timers_flow(), deliver_notifications_flow())")
        run = subprocess.run([sys.executable, "-c", code], env={**env, "BEIAN_VAR": os.environ["BEIAN_VAR"]},
                             cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert run.returncode == 0, run.stderr[-2000:]
        assert "{'fired': 0, 'failed': 0, 'busy': 0} {'sent': 0, 'failed': 0}" in run.stdout
    finally:
        server.terminate()
        server.wait(timeout=30)
