"""Institution codes: 13 characters, unique and never reused, safe under concurrent filings.

Kind letter (Y employer, S third-party organisation) + 4 ministry digits (0000 when filed by a
province) + 2-digit GB/T 2260 province code + 6-digit sequence per province (DOMAIN.md §5).
"""

from __future__ import annotations

import re

from sqlalchemy import update
from sqlmodel import Session, col, select

from workflows.db import is_postgres
from workflows.models import CodeSequence

CODE_PATTERN = re.compile(r"^[SY]\d{4}\d{2}\d{6}$")


def next_sequence(session: Session, province: str) -> int:
    """Take the next sequence number of a province inside the caller's transaction."""
    if session.get(CodeSequence, province) is None:
        if is_postgres(session.get_bind()):
            from sqlalchemy.dialects.postgresql import insert

            session.execute(insert(CodeSequence).values(province=province, last=0).on_conflict_do_nothing())
        else:
            session.add(CodeSequence(province=province, last=0))
            session.flush()
    session.execute(
        update(CodeSequence).where(col(CodeSequence.province) == province).values(last=CodeSequence.last + 1)
        .execution_options(synchronize_session=False)
    )
    row = session.exec(select(CodeSequence).where(CodeSequence.province == province)).one()
    session.refresh(row)
    return row.last


def assign_code(session: Session, letter: str, ministry: str, province: str) -> str:
    """A new institution code; the UPDATE takes the row lock, so concurrent filings serialize."""
    if letter not in ("S", "Y") or not re.fullmatch(r"\d{4}", ministry) or not re.fullmatch(r"\d{2}", province):
        raise ValueError(f"机构代码参数不正确：字母 {letter!r}、部门代码 {ministry!r}、省份代码 {province!r}")
    sequence = next_sequence(session, province)
    if sequence > 999_999:
        raise OverflowError(f"省份 {province} 的机构顺序号已用尽")
    return f"{letter}{ministry}{province}{sequence:06d}"
