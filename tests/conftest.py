"""Shared fixtures: a fresh database per test (SQLite by default), users, a fixed clock."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
import yaml

from workflows.clock import CHINA, Clock, save_clock
from workflows.db import reset_engines, write_session
from workflows.store import init_db
from workflows.users import upsert_user

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures"
PASSWORD = "Beian-test-2026"


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty SQLite database under tmp_path with every diagram registered."""
    monkeypatch.setenv("BEIAN_VAR", str(tmp_path))
    monkeypatch.delenv("BEIAN_DATABASE_URL", raising=False)
    reset_engines()
    init_db()
    yield tmp_path
    reset_engines()


def set_clock(when: str) -> None:
    """Fix the persisted clock at a China-time instant like '2026-09-30T09:00'."""
    with write_session() as session:
        save_clock(session, Clock(datetime.fromisoformat(when).replace(tzinfo=CHINA)))


def application(name: str) -> dict:
    return yaml.safe_load((FIXTURES / "applications" / f"{name}.yaml").read_text("utf-8"))


def make_staff(province: str, city: str, county: str, experts: int = 4) -> None:
    """Clerks and reviewers for the province, the city and the county, and a pool of experts in the province."""
    with write_session() as session:
        upsert_user(session, f"clerk{city}", PASSWORD, "clerk", city)
        upsert_user(session, f"reviewer{city}", PASSWORD, "reviewer", city)
        upsert_user(session, f"clerk{county}", PASSWORD, "clerk", county)
        upsert_user(session, f"reviewer{county}", PASSWORD, "reviewer", county)
        upsert_user(session, f"reviewer{province}", PASSWORD, "reviewer", province)
        upsert_user(session, f"clerk{province}", PASSWORD, "clerk", province)
        for i in range(1, experts + 1):
            upsert_user(session, f"expert{province}_{i}", PASSWORD, "expert", province)


def pg_url() -> str | None:
    return os.environ.get("BEIAN_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def board(db: Path) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """Start `beian board` on a free port against the test's database; yields its URL."""
    port = _free_port()
    env = {**os.environ, "BEIAN_VAR": str(db), "BEIAN_BOARD_SECRET": "e2e-secret"}
    from dashboard.cli import board_command

    proc = subprocess.Popen(board_command(port), cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(120):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            time.sleep(0.25)
    yield url
    proc.terminate()
    proc.wait(timeout=20)
