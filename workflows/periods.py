"""Statutory periods computed from case data with the working-day calendar."""

from __future__ import annotations

from calendar import monthrange
from datetime import date, datetime, time, timedelta

from workflows.calendar import WorkdayCalendar
from workflows.clock import CHINA


def end_of_day(day: date) -> datetime:
    """The instant a period that ends on `day` closes: midnight after it, China time."""
    return datetime.combine(day + timedelta(days=1), time(0, 0), CHINA)


def working_day_period(calendar: WorkdayCalendar, start: date, days: int, rule: str) -> tuple[date, datetime]:
    """The last day and closing instant of a period of `days` working days from `start`."""
    last = calendar.add_workdays(start, days, rule)
    return last, end_of_day(last)


def add_months(day: date, months: int) -> date:
    """The same day `months` later (clamped to the month's end)."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


def validity_end(start: date, years: int, rule: str, pilot_end: date | None = None) -> date:
    """The last day of a filing's validity.

    `month_before_anniversary` (002 附件2: 自20XX年M月至20XX年M－1月): the end of the month before
    the anniversary month. `exact`: the day before the anniversary. A pilot's fixed end date, when
    it lies after the start, caps the period.
    """
    if rule == "month_before_anniversary":
        anniversary = add_months(date(start.year, start.month, 1), 12 * years)
        end = anniversary - timedelta(days=1)
    elif rule == "exact":
        end = add_months(start, 12 * years) - timedelta(days=1)
    else:
        raise ValueError(f"未知的有效期规则：{rule!r}")
    if pilot_end is not None and start <= pilot_end < end:
        return pilot_end
    return end
