"""Tables of issued documents and of their per-bureau, per-year number counters.

An issued document is immutable: a correction is a new version under the same number, stored as a
new row, and the ORM refuses to update or delete an issued row.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, UniqueConstraint, event
from sqlmodel import Field, SQLModel

from letters.errors import LetterError


class DocumentCounter(SQLModel, table=True):
    """The last sequence number handed out by one bureau (document prefix) in one year."""

    __tablename__ = "document_counter"
    prefix: str = Field(primary_key=True)
    year: int = Field(primary_key=True)
    last: int = 0


class Document(SQLModel, table=True):
    """One issued version of a letter, form or notice; its PDF bytes live in `StoredFile`."""

    __tablename__ = "document"
    __table_args__ = (
        UniqueConstraint("number", "version", name="uq_document_number_version"),
        UniqueConstraint("prefix", "year", "seq", "version", name="uq_document_seq_version"),
    )
    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(index=True)  # 鲁人社字〔2026〕12号
    version: int = 1
    prefix: str
    year: int
    seq: int
    kind: str = Field(index=True)
    title: str
    institution_id: int = Field(foreign_key="institution.id", index=True)
    instance_id: int | None = Field(default=None, index=True)
    template_version: str  # SHA-256 (first 16 hex) over the template sources used
    sha256: str = Field(foreign_key="storedfile.sha256", index=True)
    size: int
    issued_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False, index=True))
    issued_by: str
    context: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


@event.listens_for(Document, "before_update")
def _refuse_update(_mapper: Any, _conn: Any, target: Document) -> None:
    raise LetterError(f"已签发文书 {target.number}（第{target.version}版）不可修改，请重新签发新版本")


@event.listens_for(Document, "before_delete")
def _refuse_delete(_mapper: Any, _conn: Any, target: Document) -> None:
    raise LetterError(f"已签发文书 {target.number}（第{target.version}版）不可删除")
