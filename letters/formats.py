"""Chinese date, validity and level formats used by the templates (registered as Jinja filters)."""

from __future__ import annotations

from datetime import date, datetime

_DIGITS = "〇一二三四五六七八九"
LEVEL_NAMES = {1: "一级/高级技师", 2: "二级/技师", 3: "三级/高级工", 4: "四级/中级工", 5: "五级/初级工"}


def _as_date(value: date | datetime | str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(value)


def _small_number(n: int) -> str:
    """1..31 in Chinese numerals: 十, 十一, 二十一, 三十."""
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _DIGITS[tens] + "十")
    return head + (_DIGITS[ones] if ones else "")


def cn_date(value: date | datetime | str) -> str:
    """2026年11月21日."""
    d = _as_date(value)
    return f"{d.year}年{d.month}月{d.day}日"


def cn_upper_date(value: date | datetime | str) -> str:
    """二〇二六年十一月二十一日 (signature dates)."""
    d = _as_date(value)
    year = "".join(_DIGITS[int(c)] for c in str(d.year))
    return f"{year}年{_small_number(d.month)}月{_small_number(d.day)}日"


def cn_month(value: date | datetime | str) -> str:
    """2026年11月."""
    d = _as_date(value)
    return f"{d.year}年{d.month}月"


def validity(valid_from: date | str, valid_until: date | str) -> str:
    """自2026年11月至2029年10月 (Shandong letters: through the month before the anniversary month)."""
    return f"自{cn_month(valid_from)}至{cn_month(valid_until)}"


def validity_years(valid_from: date | str, valid_until: date | str) -> int:
    """Whole years between the first and the last month of a validity (2026-11 .. 2029-10 -> 3)."""
    start, end = _as_date(valid_from), _as_date(valid_until)
    return (end.year * 12 + end.month - start.year * 12 - start.month + 1) // 12


def level_label(levels: list[int] | tuple[int, ...]) -> str:
    """[3, 4] -> 三级/高级工、四级/中级工; an empty list (a special-ability project) -> —."""
    return "、".join(LEVEL_NAMES[int(n)] for n in sorted(levels)) or "—"


FILTERS = {
    "cn_date": cn_date,
    "cn_upper_date": cn_upper_date,
    "cn_month": cn_month,
    "validity": validity,
    "validity_years": validity_years,
    "level_label": level_label,
}
