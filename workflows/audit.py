"""The append-only, hash-chained audit trail.

Each institution has its own chain ("institution:<id>"; events without one go to "system"). Appending
locks the chain's head row, so concurrent writers on PostgreSQL still produce one unbroken chain.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session, col, select

from workflows.db import is_postgres
from workflows.models import AuditChainHead, AuditEvent

GENESIS = "0" * 64


def chain_of(institution_id: int | None) -> str:
    return f"institution:{institution_id}" if institution_id is not None else "system"


def _digest(prev_hash: str, chain: str, seq: int, at: datetime, actor: str, kind: str, detail: dict) -> str:
    body = json.dumps(
        [prev_hash, chain, seq, at.astimezone(UTC).isoformat(), actor, kind, detail], ensure_ascii=False, sort_keys=True, default=str
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def _head(session: Session, chain: str) -> AuditChainHead:
    query = select(AuditChainHead).where(AuditChainHead.chain == chain)
    if is_postgres(session.get_bind()):
        query = query.with_for_update()
    head = session.exec(query).first()
    if head is None:
        head = AuditChainHead(chain=chain, seq=0, last_hash=GENESIS)
        session.add(head)
        session.flush()
        if is_postgres(session.get_bind()):
            session.exec(select(AuditChainHead).where(AuditChainHead.chain == chain).with_for_update()).one()
    return head


def append(
    session: Session,
    *,
    at: datetime,
    actor: str,
    kind: str,
    detail: dict[str, Any] | None = None,
    institution_id: int | None = None,
    instance_id: int | None = None,
) -> AuditEvent:
    """Append one event to its chain inside the caller's transaction."""
    return append_many(session, at=at, actor=actor, events=[(kind, detail or {})], institution_id=institution_id,
                       instance_id=instance_id)[0]


def append_many(
    session: Session,
    *,
    at: datetime,
    actor: str,
    events: list[tuple[str, dict[str, Any]]],
    institution_id: int | None = None,
    instance_id: int | None = None,
) -> list[AuditEvent]:
    """Append several events of one step to their chain, locking its head once."""
    chain = chain_of(institution_id)
    head = _head(session, chain)
    rows = []
    for kind, detail in events:
        clean = json.loads(json.dumps(detail, ensure_ascii=False, default=str))
        seq = head.seq + 1
        digest = _digest(head.last_hash, chain, seq, at, actor, kind, clean)
        rows.append(AuditEvent(chain=chain, seq=seq, at=at, actor=actor, kind=kind, institution_id=institution_id,
                               instance_id=instance_id, detail=clean, prev_hash=head.last_hash, hash=digest))
        head.seq, head.last_hash = seq, digest
    session.add_all(rows)
    session.add(head)
    return rows


def verify_chain(session: Session, chain: str) -> list[str]:
    """Re-hash a chain; returns the problems found (empty when intact)."""
    problems, prev = [], GENESIS
    events = session.exec(select(AuditEvent).where(AuditEvent.chain == chain).order_by(col(AuditEvent.seq)))
    for expected_seq, event in enumerate(events, start=1):
        if event.seq != expected_seq:
            problems.append(f"{chain}: 缺少序号 {expected_seq}")
        if event.prev_hash != prev:
            problems.append(f"{chain}#{event.seq}: 前序哈希不符")
        if _digest(event.prev_hash, chain, event.seq, event.at, event.actor, event.kind, event.detail) != event.hash:
            problems.append(f"{chain}#{event.seq}: 内容与哈希不符（记录被改动）")
        prev = event.hash
    return problems
