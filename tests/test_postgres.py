"""The same selection lifecycle on PostgreSQL: the scenarios of test_selection.py, on a throwaway database.

Each test gets its own database (unique name) created on the server named by `BEIAN_TEST_PG`
(default: the local server), which is dropped afterwards. Without a server the tests are skipped
with the reason.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from uuid import uuid4

import psycopg
import pytest
from conftest import pg_url
from sqlalchemy.engine import make_url

# The scenarios run unchanged; this module's `db` fixture puts them on PostgreSQL.
from test_selection import (  # noqa: F401 - collected here with this module's `db`
    shandong,
    test_happy_path_zhejiang_to_filed,
    test_ineligible_application_is_rejected_with_reasons,
    test_low_scores_reject,
    test_objection_after_close_is_refused_and_recorded,
    test_objection_dismissed_notice_continues,
    test_objection_upheld_goes_back_to_review,
    test_shandong_validity_runs_through_month_before_anniversary,
    test_supplement_deadline_passing_withdraws,
    test_supplement_pauses_the_processing_deadline,
    zhejiang,
)

from workflows.db import is_postgres, reset_engines, write_engine
from workflows.store import init_db

pytestmark = pytest.mark.postgres


def _admin_conninfo() -> str:
    return make_url(pg_url()).set(drivername="postgresql").render_as_string(hide_password=False)


def _server_answers() -> str | None:
    """None when the PostgreSQL server answers, else why not."""
    try:
        with psycopg.connect(_admin_conninfo(), connect_timeout=3):
            return None
    except psycopg.Error as exc:
        return f"no PostgreSQL server answers at {make_url(pg_url()).render_as_string()}: {exc}".strip()


@contextmanager
def throwaway_database(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[str]:
    """Create a uniquely named database, point Beian at it (schema and diagrams in place), drop it after."""
    reason = _server_answers()
    if reason:
        pytest.skip(reason)
    name = f"beian_test_{uuid4().hex[:12]}"
    with psycopg.connect(_admin_conninfo(), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = make_url(pg_url()).set(drivername="postgresql+psycopg", database=name).render_as_string(hide_password=False)
    monkeypatch.setenv("BEIAN_VAR", str(tmp_path))
    monkeypatch.setenv("BEIAN_DATABASE_URL", url)
    reset_engines()
    try:
        init_db()
        assert is_postgres(write_engine())
        yield url
    finally:
        reset_engines()
        with psycopg.connect(_admin_conninfo(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Overrides conftest's SQLite `db`: a fresh PostgreSQL database with every diagram registered."""
    with throwaway_database(monkeypatch, tmp_path):
        yield tmp_path


@pytest.fixture
def pg_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh PostgreSQL database; yields its URL (for tests that start other processes)."""
    with throwaway_database(monkeypatch, tmp_path) as url:
        yield url
