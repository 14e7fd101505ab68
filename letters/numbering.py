"""Document numbers `<prefix>〔<year>〕<n>号`, counted per bureau per year, safe under concurrency.

One atomic `INSERT … ON CONFLICT DO UPDATE … RETURNING` bumps the counter row: on PostgreSQL the
row lock is held until the caller's transaction ends, on SQLite the write transaction already holds
the database (`BEGIN IMMEDIATE`). A number is never handed out twice, and a rolled-back issue
returns its number with the rollback, so numbers stay consecutive.
"""

from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from letters.errors import LetterError
from letters.models import DocumentCounter


def format_number(prefix: str, year: int, seq: int) -> str:
    """`鲁人社字`, 2026, 12 -> `鲁人社字〔2026〕12号`."""
    return f"{prefix}〔{year}〕{seq}号"


def next_number(session: Session, prefix: str, year: int) -> tuple[int, str]:
    """Allocate the next sequence for `prefix` in `year` inside the caller's transaction."""
    if not prefix or not prefix.strip():
        raise LetterError("发文机关代字（doc_prefix）为空，无法编号")
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        insert = postgresql.insert
    elif dialect == "sqlite":
        insert = sqlite.insert
    else:
        raise LetterError(f"unsupported database dialect for numbering: {dialect}")
    table = DocumentCounter.__table__
    stmt = (
        insert(table)
        .values(prefix=prefix, year=year, last=1)
        .on_conflict_do_update(index_elements=["prefix", "year"], set_={"last": table.c.last + 1})
        .returning(table.c.last)
    )
    seq = int(session.execute(stmt).scalar_one())
    return seq, format_number(prefix, year, seq)
