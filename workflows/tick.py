"""The plain functions behind the scheduled jobs: the Prefect flows and `beian tick`/`beian watch` call them."""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select

from workflows.calendar import WorkdayCalendar
from workflows.clock import load_clock
from workflows.db import read_session
from workflows.models import Instance, Institution
from workflows.notify import deliver_due
from workflows.sweep import fire_due_timers


def tick() -> dict[str, Any]:
    """One scheduler round: fire due timers, then deliver due notifications (the ones just queued too).

    `fired`/`delivered` are counts; `failed` (timers whose step failed), `busy` (timers whose instance was
    in use) and `undelivered` (outbox rows that failed this round) are ids, each retried next round.
    """
    sweep = fire_due_timers()
    delivery = deliver_due()
    return {"fired": sweep.fired, "failed": sweep.failed, "busy": sweep.busy,
            "delivered": len(delivery.sent), "undelivered": delivery.failed}


def expiry_watch() -> dict[str, Any]:
    """Daily check: filed institutions past their validity or without a running filing period, and a missing
    holiday table for next year (from November). Expiry itself is the filing period's timer."""
    with read_session() as session:
        today = load_clock(session).today()
        with_period = set(session.exec(select(Instance.institution_id).where(
            Instance.process_key == "filing_period", Instance.status == "running")))
        active = session.exec(select(Institution).where(col(Institution.state).in_(("filed", "rectifying")))).all()
        overdue = [i.id for i in active if i.valid_until is not None and i.valid_until < today]
        unwatched = [i.id for i in active if i.id not in with_period]
        calendar_missing = WorkdayCalendar.load(session).next_year_missing(today)
    return {"on": today.isoformat(), "overdue": overdue, "without_period": unwatched,
            "next_year_calendar_missing": calendar_missing}
