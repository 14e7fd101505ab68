"""`beian start`: a local Prefect server on SQLite under `var/`, the scheduled flows, and the board, stopped together.

`PREFECT_HOME` lives in `var/prefect`, analytics are off. `python -m workflows.serve` serves the flows
(`prefect.serve` needs a real server: an ephemeral API does not run schedules).
"""

from __future__ import annotations

import importlib
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import yaml

from workflows.settings import ROOT, var_dir

HEALTH_TIMEOUT_S = 90


def prefect_env(port: int) -> dict[str, str]:
    """The environment of every process `beian start` launches."""
    home = var_dir() / "prefect"
    home.mkdir(parents=True, exist_ok=True)
    return {**os.environ, "PREFECT_HOME": str(home), "PREFECT_API_URL": f"http://127.0.0.1:{port}/api",
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PREFECT_UI_ENABLED": "true",
            "PREFECT_API_DATABASE_CONNECTION_URL": f"sqlite+aiosqlite:///{home / 'prefect.db'}",
            "BEIAN_HOME": str(ROOT)}


def start_server(port: int, env: dict[str, str]) -> subprocess.Popen:
    """Launch `prefect server start` and wait until /api/health answers."""
    server = subprocess.Popen([sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
                               "--port", str(port)], env=env, cwd=ROOT)
    deadline = time.monotonic() + HEALTH_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"Prefect 服务启动失败（退出码 {server.returncode}）")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=2) as response:
                if response.status == 200:
                    return server
        except OSError:
            time.sleep(0.5)
    server.terminate()
    raise RuntimeError(f"Prefect 服务在 {HEALTH_TIMEOUT_S} 秒内未就绪")


def run(port: int = 4200, board_port: int = 8501) -> int:
    """Start everything, wait, and stop everything on Ctrl-C / SIGTERM (or when one process dies)."""
    env = prefect_env(port)
    processes = [start_server(port, env)]
    processes.append(subprocess.Popen([sys.executable, "-m", "workflows.serve"], env=env, cwd=ROOT))
    board = Path(ROOT / "dashboard" / "app.py")
    if board.exists():
        processes.append(subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(board),
                                           "--server.address", "127.0.0.1", "--server.port", str(board_port),
                                           "--server.headless", "true"], env=env, cwd=ROOT))
    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        while not stopping and all(p.poll() is None for p in processes):
            time.sleep(0.5)
    finally:
        for process in reversed(processes):
            if process.poll() is None:
                process.terminate()
        for process in reversed(processes):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
    return 0


def yaml_deployments() -> list[Any]:
    """The deployments of `prefect.yaml` (flows, schedules, parameters, concurrency) as served deployments."""
    from prefect.client.schemas.objects import ConcurrencyLimitConfig
    from prefect.schedules import Cron, Interval

    config = yaml.safe_load((ROOT / "prefect.yaml").read_text("utf-8"))
    deployments = []
    for spec in config["deployments"]:
        path, name = spec["entrypoint"].split(":")
        flow = getattr(importlib.import_module(path.removesuffix(".py").replace("/", ".")), name)
        schedules = [Interval(s["interval"], active=s.get("active", True)) if "interval" in s
                     else Cron(s["cron"], timezone=s.get("timezone"), active=s.get("active", True))
                     for s in spec.get("schedules", [])]
        deployments.append(flow.to_deployment(name=spec["name"], schedules=schedules,
                                              parameters=spec.get("parameters", {}),
                                              concurrency_limit=ConcurrencyLimitConfig(**spec["concurrency_limit"])))
    return deployments


def serve_flows() -> None:
    """Serve the deployments of `prefect.yaml` from this process (needs PREFECT_API_URL of a running server)."""
    from prefect import serve

    serve(*yaml_deployments())


if __name__ == "__main__":
    serve_flows()
