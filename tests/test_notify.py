"""Outbox delivery: inbox always, SMTP to a local server, retries with backoff, at most one re-send after a crash."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from email import message_from_bytes

import pytest
from aiosmtpd.controller import Controller
from conftest import set_clock
from sqlmodel import select

from workflows.clock import load_clock
from workflows.db import read_session, write_session
from workflows.models import InboxMessage, Outbox
from workflows.notify import LEASE, _claim, deliver_due, message_id, send_email


class Sink:
    """An SMTP handler that keeps every message it receives."""

    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]  # noqa: N802
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[str, Sink]]:
    sink = Sink()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    yield f"smtp://127.0.0.1:{port}?from=beian@example.cn", sink
    controller.stop()


def queue(channel: str, recipient: str, key: str) -> None:
    with write_session() as session:
        now = load_clock(session).now()
        session.add(Outbox(idempotency_key=key, channel=channel, recipient=recipient, subject="备案通知",
                           body="您的备案已办结。", created_at=now, next_attempt_at=now))


def test_inbox_and_email_delivered_once(db, smtp) -> None:  # type: ignore[no-untyped-def]
    url, sink = smtp
    set_clock("2026-10-14T09:00")
    queue("inbox", "role:clerk@3301", "k-inbox")
    queue("email", "org@example.cn", "k-mail")
    assert len(deliver_due(smtp_url=url).sent) == 2
    assert deliver_due(smtp_url=url).sent == []
    assert len(sink.messages) == 1
    mail = sink.messages[0]
    assert mail["To"] == "org@example.cn" and mail["Message-ID"] == message_id("k-mail")
    with read_session() as session:
        assert {m.recipient for m in session.exec(select(InboxMessage))} == {"role:clerk@3301", "org@example.cn"}


def test_failed_send_retries_with_backoff(db, smtp) -> None:  # type: ignore[no-untyped-def]
    url, sink = smtp
    set_clock("2026-10-14T09:00")
    queue("email", "org@example.cn", "k-retry")
    report = deliver_due(smtp_url="smtp://127.0.0.1:1")  # nothing listens there
    assert report.failed and not report.sent
    with read_session() as session:
        row = session.exec(select(Outbox)).one()
    assert row.attempts == 1 and "Error" in row.last_error and row.sent_at is None
    assert deliver_due(smtp_url=url).sent == []  # not due before the backoff ends
    set_clock("2026-10-14T09:01:01")
    assert len(deliver_due(smtp_url=url).sent) == 1 and len(sink.messages) == 1


def test_crash_between_send_and_mark_resends_once_with_same_id(db, smtp) -> None:  # type: ignore[no-untyped-def]
    url, sink = smtp
    set_clock("2026-10-14T09:00")
    queue("email", "org@example.cn", "k-crash")
    with write_session() as session:  # a deliverer claims and sends, then dies before marking sent
        claimed = _claim(session)
    send_email(claimed, url)
    assert deliver_due(smtp_url=url).sent == []  # leased: no other deliverer sends it meanwhile
    set_clock(f"2026-10-14T09:{int(LEASE.total_seconds() // 60):02d}:01")
    assert len(deliver_due(smtp_url=url).sent) == 1
    assert deliver_due(smtp_url=url).sent == []
    assert [m["Message-ID"] for m in sink.messages] == [message_id("k-crash")] * 2
