"""Helpers that drive the after-filing lifecycle through the real write path (used by the lifecycle tests)."""

from __future__ import annotations

import copy
import shutil
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import yaml
from conftest import application, make_staff, set_clock
from scenario import do, institution, items, score_all
from sqlmodel import col, func, select

from workflows.calendar import enter_year
from workflows.cases import submit_application
from workflows.db import read_session, write_session
from workflows.lifecycle import import_filed
from workflows.models import AuditEvent, InboxMessage, Instance, OccupationScope, Outbox
from workflows.notify import deliver_due
from workflows.policy import get_pack, get_rubric
from workflows.policy.packs import clear_cache
from workflows.settings import BPMN_DIR
from workflows.sweep import fire_due_timers

GRADE_SHARE = {"优秀": 0.95, "合格": 0.8, "基本合格": 0.65, "不合格": 0.5}


def lifecycle_packs(tmp: Path, pilot_end: str) -> Path:
    """A copy of the packs with another 003 pilot end."""
    root = tmp / "packs"
    for pack in ("000", "001", "002", "003", "004"):
        shutil.copytree(BPMN_DIR / pack, root / pack, ignore=shutil.ignore_patterns("*.bpmn"))
        path = root / pack / "pack.yaml"
        data = yaml.safe_load(path.read_text("utf-8"))
        if pack == "003":
            data["validity"]["pilot_end"] = pilot_end
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
    clear_cache()
    return root


def ten_year_world(monkeypatch: Any, tmp: Path, province: str, city: str, county: str,
                   start: str = "2026-09-21T09:00", pilot_end: str | None = None) -> None:
    """Staff of the area, the clock at `start`, holiday tables through 2036, and optionally a 003 pilot end."""
    if pilot_end:
        monkeypatch.setenv("BEIAN_PACKS_DIR", str(lifecycle_packs(tmp, pilot_end)))
    make_staff(province, city, county)
    set_clock(start)
    enter_plain_years(2027, 2036)


def enter_plain_years(first: int, last: int) -> None:
    """Enter a plausible holiday table for years past chinese-calendar's (tests only: weekends + set holidays).

    A real deployment enters the State Council's table for each year (`beian calendar enter-year`)."""
    with write_session() as session:
        for year in range(first, last + 1):
            holidays = [date(year, 1, 1), date(year, 5, 1), *(date(year, 10, d) for d in range(1, 8))]
            enter_year(session, year, {d: False for d in holidays}, "test", note="测试用节假日表")


def import_004(fixture: str = "004-pass", code: str = "S000050000001", valid_from: date = date(2025, 3, 1),
               **changes: Any) -> int:
    """Register a Chongqing institution filed before Beian; returns its id."""
    data = copy.deepcopy(application(fixture))
    data["institution"].update(changes)
    valid_until = date(valid_from.year + 3, valid_from.month, valid_from.day) - timedelta(days=1)
    return import_filed(data, code, valid_from, valid_until, "system").institution_id


def grade_sheet(rubric_id: str, grade: str, vetoes: list[Any] | None = None) -> dict[str, Any]:
    """A score sheet giving every item the same share of its maximum (so the total lands in `grade`'s band)."""
    rubric = get_rubric(rubric_id)
    share = GRADE_SHARE[grade]
    scores = {item.id: round(float(item.max) * share, 2) for section in rubric.sections for item in section.items}
    return {"scores": scores, "vetoes": vetoes or []}


def running(institution_id: int, process: str | None = None) -> list[Instance]:
    with read_session() as session:
        query = select(Instance).where(Instance.institution_id == institution_id, Instance.status == "running")
        if process:
            query = query.where(Instance.process_key == process)
        return list(session.exec(query.order_by(col(Instance.id))))


def assess(institution_id: int, grade: str, vetoes: list[Any] | None = None, rubric: str = "004-dengji") -> None:
    """Take the institution's open assessment through self-assessment, county review and expert scoring."""
    names = {w.task_name for w in items(institution_id)}
    if "self_assessment" in names:
        do(institution_id, "self_assessment", {"score": 88, "submitted_on": "2027-03-01"})
    if "county_review" in {w.task_name for w in items(institution_id)}:
        do(institution_id, "county_review", {"score": 86, "opinion": "初评材料齐全"})
    score_all(institution_id, grade_sheet(rubric, grade, vetoes))


def conforming_sheet(rubric_id: str, zero_sections: tuple[str, ...] = (), vetoes: list[str] | None = None
                     ) -> dict[str, Any]:
    """A sheet marking every item 符合 / full marks, except the items of `zero_sections` (不符合 / 0)."""
    full = {"check": "符合", "grade3": "符合", "deduction": {"missing": []}}
    zero = {"check": "不符合", "grade3": "不符合", "points": 0}
    scores = {}
    for section in get_rubric(rubric_id).sections:
        for item in section.items:
            table = zero if section.id in zero_sections else full
            scores[item.id] = table.get(item.kind, float(item.max))
    return {"scores": scores, "vetoes": vetoes or []}


def file_by_selection(fixture: str, scored_at: str, filed_at: str, *variants: dict[str, Any]) -> list[int]:
    """File one institution per variant (changes to the fixture) through the real selection process.

    Applied at the current clock, complete, scored full marks by the panel at `scored_at`, filed when the
    sweep at `filed_at` closes the notice (or files directly when the pack has none)."""
    ids = []
    for variant in variants or ({},):
        data = copy.deepcopy(application(fixture))
        data["institution"].update(variant)
        ids.append(submit_application(data, "system").institution_id)
    for inst_id in ids:
        do(inst_id, "completeness_check", {"complete": True})
    set_clock(scored_at)
    for inst_id in ids:
        score_all(inst_id, conforming_sheet(get_pack(institution(inst_id).pack_id).selection.rubric))
    set_clock(filed_at)
    fire_due_timers()
    assert [institution(i).state for i in ids] == ["filed"] * len(ids)
    return ids


def filed_scope(institution_id: int) -> set[str]:
    """Codes of the occupations (projects) currently in the institution's filed scope."""
    with read_session() as session:
        rows = session.exec(select(OccupationScope).where(OccupationScope.institution_id == institution_id,
                                                          OccupationScope.status == "filed"))
        return {row.code for row in rows}


def events(institution_id: int, kind: str) -> list[dict[str, Any]]:
    """The details of the institution's audit events of one kind, oldest first."""
    with read_session() as session:
        rows = session.exec(select(AuditEvent).where(AuditEvent.institution_id == institution_id, AuditEvent.kind == kind)
                            .order_by(col(AuditEvent.id)))
        return [dict(row.detail) for row in rows]


def stored_state(institution_id: int, only_running: bool = False) -> int:
    """Bytes of serialized workflow state stored for the institution's instances."""
    with read_session() as session:
        query = select(func.sum(func.length(Instance.state_json))).where(Instance.institution_id == institution_id)
        if only_running:
            query = query.where(Instance.status == "running")
        return session.exec(query).one() or 0


def deliver_all_once() -> list[Outbox]:
    """Deliver the outbox; a second run sends nothing; every row sent once and in exactly one inbox row."""
    assert deliver_due().failed == []
    assert deliver_due().sent == []
    with read_session() as session:
        rows = list(session.exec(select(Outbox).order_by(col(Outbox.id))))
        inbox = session.exec(select(InboxMessage.message_id)).all()
    assert all(row.sent_at is not None and row.attempts == 1 for row in rows)
    assert sorted(inbox) == sorted(row.idempotency_key for row in rows)
    return rows
