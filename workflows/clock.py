"""The one injectable clock. Nothing else in Beian reads the wall clock.

The clock is `real` by default. For demos and tests it can be set or advanced; that setting is
persisted in the database (table `setting`, key `clock`) so every process (CLI, board, Prefect
workers) sees the same time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from workflows.models import Setting

CHINA = ZoneInfo("Asia/Shanghai")
_KEY = "clock"


@dataclass(frozen=True)
class Clock:
    """A source of the current instant: real, or fixed at `fixed_at`."""

    fixed_at: datetime | None = None

    def now(self) -> datetime:
        """The current instant, timezone-aware UTC."""
        return self.fixed_at if self.fixed_at is not None else datetime.now(UTC)

    def today(self) -> date:
        """Today's date in China (Asia/Shanghai), the date every statutory rule counts in."""
        return self.now().astimezone(CHINA).date()

    @property
    def mode(self) -> str:
        return "real" if self.fixed_at is None else "fixed"


def load_clock(session: Session) -> Clock:
    """The persisted clock (real unless a demo or test has set it)."""
    row = session.get(Setting, _KEY)
    if row is None or row.value.get("mode") != "fixed":
        return Clock()
    return Clock(datetime.fromisoformat(row.value["now"]).astimezone(UTC))


def save_clock(session: Session, clock: Clock) -> None:
    """Persist the clock; a real clock removes any fixed setting."""
    row = session.get(Setting, _KEY) or Setting(key=_KEY)
    row.value = {"mode": "real"} if clock.fixed_at is None else {"mode": "fixed", "now": clock.fixed_at.isoformat()}
    session.add(row)


def parse_instant(text: str) -> datetime:
    """An ISO date or datetime; a naive value is read as China time."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(f"时间格式不正确：{text!r}（应为 ISO 格式，如 2026-09-30 或 2026-09-30T09:00+08:00）") from exc
    if value.tzinfo is None:
        value = value.replace(tzinfo=CHINA)
    return value.astimezone(UTC)


_STEP = re.compile(r"^(\d+)([dhmwy])$")


def parse_step(text: str) -> timedelta:
    """A step such as `30d`, `12h`, `90m`, `2w` or `1y` (365 days)."""
    match = _STEP.match(text.strip())
    if not match:
        raise ValueError(f"时间步长格式不正确：{text!r}（应为 30d、12h、90m、2w 或 1y）")
    amount, unit = int(match.group(1)), match.group(2)
    return {
        "d": timedelta(days=amount),
        "h": timedelta(hours=amount),
        "m": timedelta(minutes=amount),
        "w": timedelta(weeks=amount),
        "y": timedelta(days=365 * amount),
    }[unit]
