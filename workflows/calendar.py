"""Chinese statutory working days (with 调休), bureau overrides first, and a loud error past the table.

`chinese-calendar` carries the State Council's holiday tables up to the year it was released for.
A bureau enters later years itself (table `calendar_year` marks a year as entered, `calendar_day`
holds its holidays and adjusted working days). A date in a year that neither covers raises
`CalendarGapError`: deadlines are never guessed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import chinese_calendar
from sqlmodel import Session, select

from workflows.models import CalendarDay, CalendarYear

COUNTING_RULES = ("exclude_first", "include_first")


class CalendarGapError(LookupError):
    """A date falls in a year whose holiday table nobody has entered."""

    def __init__(self, day: date) -> None:
        super().__init__(
            f"{day.year}年的法定节假日安排尚未录入，无法计算 {day.isoformat()} 是否为工作日；"
            f"请在「管理 → 节假日」中录入 {day.year} 年的节假日与调休安排"
        )
        self.year = day.year


@dataclass
class WorkdayCalendar:
    """Working-day arithmetic over the built-in tables plus bureau overrides."""

    overrides: dict[date, bool] = field(default_factory=dict)
    entered_years: set[int] = field(default_factory=set)

    @classmethod
    def load(cls, session: Session) -> WorkdayCalendar:
        days = {row.day: row.is_workday for row in session.exec(select(CalendarDay))}
        years = {row.year for row in session.exec(select(CalendarYear))}
        return cls(days, years)

    def covers(self, year: int) -> bool:
        """Whether holidays of `year` are known (built in, or entered by the bureau)."""
        if year in self.entered_years:
            return True
        try:
            chinese_calendar.is_workday(date(year, 6, 1))
        except NotImplementedError:
            return False
        return True

    def is_workday(self, day: date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        if day.year in self.entered_years:
            return day.weekday() < 5
        try:
            return chinese_calendar.is_workday(day)
        except NotImplementedError as exc:
            raise CalendarGapError(day) from exc

    def add_workdays(self, start: date, count: int, rule: str = "exclude_first") -> date:
        """The day that ends a period of `count` working days starting at `start`.

        `exclude_first` (民法典 第二百零一条, the default): the start day is not counted; the period
        ends at the end of the count-th working day after it. `include_first`: the start day counts
        as day one when it is a working day.
        """
        if rule not in COUNTING_RULES:
            raise ValueError(f"未知的期间计算规则：{rule!r}（可选 {', '.join(COUNTING_RULES)}）")
        if count < 1:
            raise ValueError(f"工作日数必须为正整数，得到 {count}")
        day = start if rule == "include_first" else start + timedelta(days=1)
        counted = 0
        while True:
            if self.is_workday(day):
                counted += 1
                if counted == count:
                    return day
            day += timedelta(days=1)

    def workdays_between(self, start: date, end: date) -> int:
        """Working days in the half-open range (start, end]: how many a pause used up."""
        count, day = 0, start + timedelta(days=1)
        while day <= end:
            count += self.is_workday(day)
            day += timedelta(days=1)
        return count

    def next_year_missing(self, today: date) -> bool:
        """True from November on when next year's holidays are not known yet."""
        return today.month >= 11 and not self.covers(today.year + 1)


def enter_year(session: Session, year: int, days: dict[date, bool], entered_by: str, note: str = "") -> None:
    """Record a year's holiday table as entered by the bureau (its holidays and 调休 days)."""
    for day, is_workday in days.items():
        if day.year != year:
            raise ValueError(f"{day.isoformat()} 不属于 {year} 年")
        session.merge(CalendarDay(day=day, is_workday=is_workday, entered_by=entered_by))
    session.merge(CalendarYear(year=year, entered_by=entered_by, note=note))
