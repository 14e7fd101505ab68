"""Issue, store, list and verify documents. Issued bytes are kept in the database (`StoredFile`,
addressed by SHA-256), so any machine can serve and re-verify them; rows are never overwritten."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from letters.errors import LetterError
from letters.models import Document
from letters.numbering import next_number
from letters.render import kind_of, render_pdf, template_version
from workflows.models import StoredFile

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _jsonable(context: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(context, ensure_ascii=False, default=str))


def _store(session: Session, pdf: bytes) -> str:
    sha = hashlib.sha256(pdf).hexdigest()
    if session.get(StoredFile, sha) is None:
        session.add(StoredFile(sha256=sha, content=pdf))
        session.flush()  # the document row references it
    return sha


def _write(session: Session, kind: str, number: str, version: int, seq_info: tuple[str, int, int],
           institution_id: int, context: dict[str, Any], issued_at: datetime, issued_by: str,
           instance_id: int | None) -> Document:
    prefix, year, seq = seq_info
    pdf = render_pdf(kind, {**context, "number": number, "preview": False})
    doc = Document(
        number=number, version=version, prefix=prefix, year=year, seq=seq, kind=kind,
        title=kind_of(kind).title, institution_id=institution_id, instance_id=instance_id,
        template_version=template_version(kind), sha256=_store(session, pdf), size=len(pdf),
        issued_at=issued_at, issued_by=issued_by, context=_jsonable(context),
    )
    session.add(doc)
    session.flush()
    return doc


def _check_time(issued_at: datetime) -> None:
    if issued_at.tzinfo is None:
        raise LetterError("issued_at must be timezone-aware (use workflows.clock.now())")


def issue_document(
    session: Session, kind: str, institution_id: int, context: dict[str, Any], issued_at: datetime,
    issued_by: str, instance_id: int | None = None,
) -> Document:
    """Number, render and store one document inside the caller's write transaction."""
    kind_of(kind)
    _check_time(issued_at)
    prefix = str(context.get("bureau", {}).get("doc_prefix", ""))
    year = issued_at.astimezone(SHANGHAI).year
    seq, number = next_number(session, prefix, year)
    return _write(session, kind, number, 1, (prefix, year, seq), institution_id, context, issued_at,
                  issued_by, instance_id)


def reissue_document(
    session: Session, number: str, context: dict[str, Any], issued_at: datetime, issued_by: str
) -> Document:
    """Render an issued letter again (e.g. a corrected context) as the next version of the same number."""
    _check_time(issued_at)
    latest = latest_version(session, number)
    return _write(session, latest.kind, number, latest.version + 1, (latest.prefix, latest.year, latest.seq),
                  latest.institution_id, context, issued_at, issued_by, latest.instance_id)


def versions(session: Session, number: str) -> list[Document]:
    """Every issued version of `number`, oldest first; raises if the number was never issued."""
    docs = list(session.exec(select(Document).where(Document.number == number).order_by(Document.version)).all())
    if not docs:
        raise LetterError(f"文号 {number} 不存在")
    return docs


def latest_version(session: Session, number: str) -> Document:
    return versions(session, number)[-1]


def _stored_bytes(session: Session, doc: Document) -> bytes | None:
    """The stored PDF of `doc` if it still hashes to the recorded SHA-256, else None."""
    stored = session.get(StoredFile, doc.sha256)
    if stored is None:
        return None
    content = bytes(stored.content)
    return content if hashlib.sha256(content).hexdigest() == doc.sha256 else None


def document_pdf(session: Session, doc: Document) -> bytes:
    """The stored PDF of `doc`, after checking its SHA-256; raises if it was altered or lost."""
    content = _stored_bytes(session, doc)
    if content is None:
        raise LetterError(f"文书 {doc.number}（第{doc.version}版）的文件缺失或校验失败，内容可能已被改动")
    return content


def verify_document(session: Session, number: str) -> bool:
    """True when every version of `number` still hashes to its recorded SHA-256."""
    return all(_stored_bytes(session, doc) is not None for doc in versions(session, number))


def list_documents(session: Session, institution_id: int) -> list[Document]:
    """Every issued document version of an institution, in issuing order."""
    return list(session.exec(
        select(Document).where(Document.institution_id == institution_id).order_by(Document.issued_at, Document.id)
    ).all())
