"""Outbox delivery: every queued message goes to the in-app inbox, e-mail rows also over SMTP when configured.

Each row is claimed in its own transaction (`FOR UPDATE SKIP LOCKED` on PostgreSQL) and leased: its
attempt is counted and its next attempt set a lease ahead before anything is sent, so concurrent
deliverers never send the same row twice. A crash between sending and marking sent makes the row
due again once the lease ends: it is sent at most once more, with the same `Message-ID` (derived
from the idempotency key), so the recipient can tell. Failures retry with exponential backoff up to
`MAX_ATTEMPTS`. SMTP is configured by `BEIAN_SMTP_URL` (`smtp://user:pass@host:587?from=a@b&starttls=1`).
"""

from __future__ import annotations

import hashlib
import os
import smtplib
from dataclasses import dataclass, field
from datetime import timedelta
from email.message import EmailMessage
from urllib.parse import parse_qs, unquote, urlparse

from sqlmodel import Session, col, select

from workflows.clock import load_clock
from workflows.db import is_postgres, write_session
from workflows.models import InboxMessage, Outbox

MAX_ATTEMPTS = 8
LEASE = timedelta(minutes=5)


@dataclass
class DeliveryReport:
    """What one delivery round did."""

    sent: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class Claimed:
    id: int
    key: str
    channel: str
    recipient: str
    subject: str
    body: str
    institution_id: int | None
    attempts: int


def message_id(key: str) -> str:
    """The e-mail Message-ID of an outbox row: the same on every (re)send."""
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@beian>"


def backoff(attempts: int) -> timedelta:
    """Wait before the next attempt: 1, 2, 4 … minutes, at most 6 hours."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 360))


def _claim(session: Session) -> Claimed | None:
    now = load_clock(session).now()
    query = (select(Outbox).where(col(Outbox.sent_at).is_(None), col(Outbox.attempts) < MAX_ATTEMPTS,
                                  col(Outbox.next_attempt_at) <= now).order_by(col(Outbox.id)).limit(1))
    if is_postgres(session.get_bind()):
        query = query.with_for_update(skip_locked=True)
    row = session.exec(query).first()
    if row is None:
        return None
    row.attempts += 1
    row.next_attempt_at = now + LEASE
    session.add(row)
    return Claimed(row.id, row.idempotency_key, row.channel, row.recipient, row.subject, row.body,
                   row.institution_id, row.attempts)


def send_email(claimed: Claimed, url: str) -> None:
    """Send one message over SMTP (`smtp://` or `smtps://`)."""
    parts = urlparse(url)
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    message = EmailMessage()
    message["From"] = query.get("from", "beian@localhost")
    message["To"] = claimed.recipient
    message["Subject"] = claimed.subject
    message["Message-ID"] = message_id(claimed.key)
    message.set_content(claimed.body)
    smtp_class = smtplib.SMTP_SSL if parts.scheme == "smtps" else smtplib.SMTP
    with smtp_class(parts.hostname or "127.0.0.1", parts.port or (465 if parts.scheme == "smtps" else 25),
                    timeout=30) as smtp:
        if query.get("starttls") == "1":
            smtp.starttls()
        if parts.username:
            smtp.login(unquote(parts.username), unquote(parts.password or ""))
        smtp.send_message(message)


def _mark_sent(claimed: Claimed) -> None:
    with write_session() as session:
        now = load_clock(session).now()
        if session.exec(select(InboxMessage).where(InboxMessage.message_id == claimed.key)).first() is None:
            session.add(InboxMessage(message_id=claimed.key, recipient=claimed.recipient, subject=claimed.subject,
                                     body=claimed.body, institution_id=claimed.institution_id, created_at=now))
        row = session.get(Outbox, claimed.id)
        row.sent_at, row.last_error = now, ""
        session.add(row)


def _mark_failed(claimed: Claimed, error: Exception) -> None:
    with write_session() as session:
        row = session.get(Outbox, claimed.id)
        row.last_error = f"{type(error).__name__}: {error}"[:2000]
        row.next_attempt_at = load_clock(session).now() + backoff(claimed.attempts)
        session.add(row)


def deliver_due(limit: int | None = None, smtp_url: str | None = None) -> DeliveryReport:
    """Deliver every due outbox row (each claimed, sent and marked in its own transactions)."""
    url = smtp_url if smtp_url is not None else os.environ.get("BEIAN_SMTP_URL", "")
    report = DeliveryReport()
    while limit is None or len(report.sent) + len(report.failed) < limit:
        with write_session() as session:
            claimed = _claim(session)
        if claimed is None:
            break
        try:
            if claimed.channel == "email" and url:
                send_email(claimed, url)
        except Exception as exc:  # noqa: BLE001 - recorded on the row and retried with backoff
            _mark_failed(claimed, exc)
            report.failed.append(claimed.id)
            continue
        _mark_sent(claimed)
        report.sent.append(claimed.id)
    return report
