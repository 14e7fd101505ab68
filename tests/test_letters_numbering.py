"""Document numbers under 8 concurrent issuers: distinct and consecutive, on SQLite and on PostgreSQL."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlmodel import SQLModel

from letters.numbering import format_number, next_number
from workflows.db import reset_engines, write_engine, write_session

WORKERS, EACH = 8, 6


def _issue_concurrently(prefix: str) -> list[int]:
    barrier = threading.Barrier(WORKERS)

    def worker(_: int) -> list[int]:
        barrier.wait()
        got = []
        for _ in range(EACH):
            with write_session() as session:  # each issuer: its own session and transaction
                got.append(next_number(session, prefix, 2026)[0])
        return got

    with ThreadPoolExecutor(WORKERS) as pool:
        return [n for chunk in pool.map(worker, range(WORKERS)) for n in chunk]


def _check(prefix: str) -> None:
    numbers = _issue_concurrently(prefix)
    assert sorted(numbers) == list(range(1, WORKERS * EACH + 1))
    with pytest.raises(RuntimeError), write_session() as session:  # a rolled-back issue gives its number back
        assert next_number(session, prefix, 2026)[0] == WORKERS * EACH + 1
        raise RuntimeError("render failed")
    with write_session() as session:
        assert next_number(session, prefix, 2026) == (WORKERS * EACH + 1, format_number(prefix, 2026, 49))
        assert next_number(session, prefix, 2027)[0] == 1
        assert next_number(session, "渝人社函", 2026)[0] == 1


def test_sqlite_numbers_are_distinct_and_consecutive(tmp_path, monkeypatch):
    monkeypatch.setenv("BEIAN_VAR", str(tmp_path))
    monkeypatch.setenv("BEIAN_DATABASE_URL", f"sqlite:///{tmp_path / 'numbers.db'}")
    reset_engines()
    SQLModel.metadata.create_all(write_engine())
    try:
        _check("鲁人社字")
    finally:
        reset_engines()


@pytest.fixture()
def postgres_url(monkeypatch):
    psycopg = pytest.importorskip("psycopg")
    admin = "postgresql://postgres@localhost/postgres"
    try:
        conn = psycopg.connect(admin, autocommit=True, connect_timeout=2)
    except psycopg.OperationalError:
        pytest.skip("no PostgreSQL on localhost")
    name = f"beian_letters_{uuid.uuid4().hex[:10]}"
    conn.execute(f'CREATE DATABASE "{name}"')
    monkeypatch.setenv("BEIAN_DATABASE_URL", f"postgresql://postgres@localhost/{name}")
    reset_engines()
    try:
        yield
    finally:
        reset_engines()
        conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        conn.close()


@pytest.mark.postgres
def test_postgres_numbers_are_distinct_and_consecutive(postgres_url):
    SQLModel.metadata.create_all(write_engine())
    _check("鲁人社字")
