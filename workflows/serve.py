"""`beian start`: a local Prefect server on SQLite under `var/`, the scheduled flows, and the board, stopped together.

`PREFECT_HOME` lives in `var/prefect`, analytics are off. `python -m workflows.serve` serves the deployments
of `prefect.yaml` (`prefect.serve` needs a real server: an ephemeral API does not run schedules).
"""

from __future__ import annotations

import importlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from typing import Any

import yaml

from workflows.cli_util import UserError
from workflows.settings import ROOT, var_dir

HEALTH_TIMEOUT_S = 90
STOP_TIMEOUT_S = 20


def prefect_env(port: int) -> dict[str, str]:
    """The environment of every process `beian start` launches."""
    home = var_dir() / "prefect"
    home.mkdir(parents=True, exist_ok=True)
    return {**os.environ, "PREFECT_HOME": str(home), "PREFECT_API_URL": f"http://127.0.0.1:{port}/api",
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PREFECT_UI_ENABLED": "true",
            "PREFECT_API_DATABASE_CONNECTION_URL": f"sqlite+aiosqlite:///{home / 'prefect.db'}",
            "BEIAN_HOME": str(ROOT)}


def _check_port_free(port: int, what: str) -> None:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the servers do: only a listener counts
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as exc:
            raise UserError(f"{what}端口 {port} 已被占用（{exc.strerror}）：请先停止占用它的进程，"
                            f"或用 --port/--board-port 换一个端口") from exc


def start_server(port: int, env: dict[str, str]) -> subprocess.Popen:
    """Launch `prefect server start` and wait until /api/health answers (the server is stopped on failure)."""
    server = _launch([sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                     env)
    try:
        wait_until_answers(server, f"http://127.0.0.1:{port}/api/health", "Prefect 服务")
    except BaseException:
        stop_processes([server])
        raise
    return server


def _launch(command: list[str], env: dict[str, str]) -> subprocess.Popen:
    """Start a child in its own process group: Ctrl-C reaches only `beian start`, which stops them in order."""
    return subprocess.Popen(command, env=env, cwd=ROOT, process_group=0)


def wait_until_answers(process: subprocess.Popen, url: str, what: str) -> None:
    """Wait until `url` answers 200 (at most HEALTH_TIMEOUT_S); fail if `process` exits first."""
    deadline = time.monotonic() + HEALTH_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise UserError(f"{what}启动失败（退出码 {process.returncode}），见上方日志")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise UserError(f"{what}在 {HEALTH_TIMEOUT_S} 秒内未就绪（{url}）")


def stop_processes(processes: list[subprocess.Popen]) -> None:
    """Stop processes one by one, last started first (the server last: the others talk to it while stopping).

    Each gets SIGINT (what Ctrl-C would send it; Prefect's runner handles SIGTERM noisily) and STOP_TIMEOUT_S
    to exit, then SIGKILL."""
    for process in reversed(processes):
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def banner(port: int, board_port: int | None) -> str:
    """What `beian start` prints once everything answers."""
    from workflows.demo import PASSWORD, USERS

    staff = "、".join(u["username"] for u in USERS if u["role"] != "expert")
    lines = ["", "=" * 64, "Beian 已启动（Ctrl-C 全部停止）"]
    if board_port is not None:
        lines.append(f"  看板        http://127.0.0.1:{board_port}")
    lines += [f"  Prefect UI  http://127.0.0.1:{port}  （定时任务：fire-due-timers 每 60 秒，expiry-watch 每日 06:00）",
              f"  演示账号    {staff} 及专家账号（beian demo --json 列出全部），密码均为 {PASSWORD}",
              "=" * 64, ""]
    return "\n".join(lines)


def run(port: int = 4200, board_port: int = 8501) -> int:
    """Start everything; stop everything on Ctrl-C / SIGTERM (exit 0) or when one process dies (exit 1)."""
    from dashboard.cli import APP, board_command

    with_board = APP.exists()
    _check_port_free(port, "Prefect ")
    if with_board:
        _check_port_free(board_port, "看板")
    env = prefect_env(port)
    for signum in (signal.SIGTERM, signal.SIGHUP):  # stop like Ctrl-C
        signal.signal(signum, signal.default_int_handler)
    processes: list[subprocess.Popen] = []
    names = ["Prefect 服务", "定时任务（prefect serve）", "看板"]
    try:
        processes.append(start_server(port, env))
        processes.append(_launch([sys.executable, "-m", "workflows.serve"], env))
        if with_board:
            processes.append(_launch(board_command(board_port), env))
            wait_until_answers(processes[-1], f"http://127.0.0.1:{board_port}/_stcore/health", "看板")
        print(banner(port, board_port if with_board else None), flush=True)
        while all(p.poll() is None for p in processes):
            time.sleep(0.5)
        dead = next(name for name, p in zip(names, processes, strict=False) if p.poll() is not None)
        print(f"错误: {dead}意外退出，正在停止其余进程", file=sys.stderr, flush=True)
        return 1
    except KeyboardInterrupt:
        print("正在停止 Beian …", flush=True)
        return 0
    finally:
        stop_processes(processes)


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
