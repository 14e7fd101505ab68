"""What a service-task handler may use during one write-path step."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from typing import Any

from sqlmodel import Session

from workflows import audit
from workflows.calendar import WorkdayCalendar
from workflows.clock import CHINA, Clock
from workflows.models import Instance, Institution, Outbox


@dataclass
class StepContext:
    """One step's session, time, subject and the events and messages it produces.

    Handlers change the database only through `session` (inside the step's transaction) and
    report what happened through `event()` and `notify()`; the write path commits or rolls back all
    of it together.
    """

    session: Session
    clock: Clock
    actor: str
    institution: Institution
    instance: Instance
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    _outbox_seq: int = 0

    @cached_property
    def now(self) -> datetime:
        """The instant this step happens (fixed for the whole step)."""
        return self.clock.now()

    @property
    def today(self) -> date:
        return self.now.astimezone(CHINA).date()

    @cached_property
    def calendar(self) -> WorkdayCalendar:
        return WorkdayCalendar.load(self.session)

    @cached_property
    def pack(self) -> Any:
        from workflows.policy import get_pack

        return get_pack(self.institution.pack_id)

    def event(self, kind: str, **detail: Any) -> None:
        """Record an audit event for this step."""
        self.events.append((kind, detail))

    def notify(self, channel: str, recipient: str, subject: str, body: str) -> None:
        """Queue a message in the outbox, with a key that is the same if this step is retried."""
        self._outbox_seq += 1
        key = f"inst{self.instance.id}-v{self.instance.row_version}-{self._outbox_seq}-{channel}-{recipient}"
        self.session.add(Outbox(idempotency_key=key, channel=channel, recipient=recipient, subject=subject,
                                body=body, institution_id=self.institution.id, created_at=self.now,
                                next_attempt_at=self.now))

    def flush_events(self) -> None:
        """Append the collected events to the institution's audit chain."""
        if self.events:
            audit.append_many(self.session, at=self.now, actor=self.actor, events=self.events,
                              institution_id=self.institution.id, instance_id=self.instance.id)
        self.events.clear()
