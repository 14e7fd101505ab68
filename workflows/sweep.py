"""The timer sweep: fire every timer whose `due_at` has come, each exactly once.

Each timer is claimed in its own transaction (`FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite's
`BEGIN IMMEDIATE` serializes writers), fired through the write path and committed. Any number of
sweepers may run at once. A timer whose step fails is recorded and left for the next sweep.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial

from sqlmodel import Session, col, func, select

from workflows.clock import load_clock
from workflows.db import is_postgres, write_session
from workflows.models import Timer
from workflows.writepath import CLOCK, Busy, StepResult, fire_in_session, run_action


@dataclass
class SweepReport:
    """What one sweep did."""

    fired: int = 0
    failed: list[int] = field(default_factory=list)
    busy: list[int] = field(default_factory=list)


def _claim_one(session: Session, exclude: set[int]) -> int | None:
    now = load_clock(session).now()
    query = (select(Timer.id).where(col(Timer.fired_at).is_(None), col(Timer.due_at) <= now)
             .order_by(col(Timer.due_at), col(Timer.id)).limit(1))
    if exclude:
        query = query.where(col(Timer.id).not_in(exclude))
    if is_postgres(session.get_bind()):
        query = query.with_for_update(skip_locked=True)
    return session.exec(query).first()


def _fire_next(session: Session, exclude: set[int], claimed: list[int], actor: str) -> StepResult | bool | None:
    """Claim and fire the next due timer: None when none is due, False when it was already gone."""
    timer_id = _claim_one(session, exclude)
    if timer_id is None:
        return None
    claimed.append(timer_id)
    return fire_in_session(session, timer_id, actor) or False


def fire_due_timers(actor: str = CLOCK, limit: int | None = None) -> SweepReport:
    """Fire due timers until none is left (or `limit` fired); each in its own transaction."""
    report = SweepReport()
    skip: set[int] = set()
    while limit is None or report.fired < limit:
        claimed: list[int] = []
        try:
            outcome = run_action(actor, {"action": "sweep"}, partial(_fire_next, exclude=skip, claimed=claimed,
                                                                      actor=actor))
        except Busy:
            report.busy.append(claimed[0])
            skip.add(claimed[0])
            continue
        except Exception:  # noqa: BLE001 - recorded by the write path; the sweep goes on
            if not claimed:
                raise
            report.failed.append(claimed[0])
            skip.add(claimed[0])
            continue
        if outcome is None:
            break
        if outcome:
            report.fired += 1
    return report


def due_count() -> int:
    """How many timers are due now (for monitoring)."""
    with write_session() as session:
        now = load_clock(session).now()
        return session.exec(select(func.count()).select_from(Timer).where(
            col(Timer.fired_at).is_(None), col(Timer.due_at) <= now)).one()
