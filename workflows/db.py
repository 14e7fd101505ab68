"""Database engines and sessions: SQLite by default, PostgreSQL by `BEIAN_DATABASE_URL`.

On SQLite every write transaction starts with `BEGIN IMMEDIATE`, so two writers never interleave
and the optimistic row version is the only conflict left to detect; reads use a plain engine.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, event
from sqlmodel import Session, create_engine

from workflows.settings import database_url


def _sqlite_engine(url: str, immediate: bool) -> Engine:
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 60})

    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=60000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn) -> None:  # type: ignore[no-untyped-def]
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


_ENGINES: dict[str, tuple[Engine, Engine]] = {}


def _engines(url: str) -> tuple[Engine, Engine]:
    if url not in _ENGINES:
        if url.startswith("sqlite"):
            _ENGINES[url] = (_sqlite_engine(url, immediate=True), _sqlite_engine(url, immediate=False))
        else:
            engine = create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)
            _ENGINES[url] = (engine, engine)
    return _ENGINES[url]


def write_engine() -> Engine:
    """The engine for transactions that change state."""
    return _engines(database_url())[0]


def read_engine() -> Engine:
    """The engine for read-only queries (dashboard, reports, CLI reads)."""
    return _engines(database_url())[1]


def is_postgres(engine: Engine | None = None) -> bool:
    return (engine or write_engine()).dialect.name == "postgresql"


@contextmanager
def write_session() -> Iterator[Session]:
    """One write transaction: commits on success, rolls back everything on any exception."""
    with Session(write_engine(), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


@contextmanager
def read_session() -> Iterator[Session]:
    """A read-only session; nothing it does is committed."""
    with Session(read_engine(), expire_on_commit=False) as session:
        yield session


def reset_engines() -> None:
    """Dispose and forget every engine (after `BEIAN_DATABASE_URL` changed, e.g. in tests)."""
    for writer, reader in _ENGINES.values():
        writer.dispose()
        reader.dispose()
    _ENGINES.clear()
