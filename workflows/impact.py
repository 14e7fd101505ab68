"""Impact preview of a changed policy pack (rubrics, eligibility rules) before it is published.

Replays the stored score sheets of the last assessment year (grouped per case and rubric) and the
stored applications of the pack's institutions against the pack in force and against a candidate
pack folder, and lists every institution whose grade, pass/fail or eligibility would change.
Nothing is written.

The candidate pack is loaded from its folder and handed to the engines directly; the pack in force
and its cache are never touched.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from sqlmodel import Session, select

from workflows.clock import CHINA
from workflows.models import Institution, ScoreSheet
from workflows.policy import PackError, SheetError, check_eligibility, score_sheets
from workflows.policy.packs import Pack, load_pack

T = TypeVar("T")


@dataclass(frozen=True)
class Change:
    """One institution whose outcome would differ under the candidate pack."""

    institution_id: int
    name: str
    what: str  # grade | eligibility
    before: str
    after: str


@dataclass
class Impact:
    """What the candidate pack would change; `changes` lists each institution."""

    pack_id: str
    year: int | None
    sheets_replayed: int = 0
    applications_replayed: int = 0
    changes: list[Change] = field(default_factory=list)

    @property
    def institutions_changed(self) -> int:
        return len({c.institution_id for c in self.changes})


def _outcome(compute: Callable[[], T]) -> T | str:
    try:
        return compute()
    except (SheetError, PackError) as exc:
        return f"无法计算：{exc}"


def _grade_text(result: Any) -> str:
    if isinstance(result, str):
        return result
    return f"{result.grade or '—'}（{'通过' if result.passed else '未通过'}，{float(result.total):g} 分）"


def _eligible_text(result: Any) -> str:
    if isinstance(result, str):
        return result
    return "符合" if result.eligible else "不符合：" + "、".join(f.id for f in result.failed)


def _panels(session: Session, pack_id: str, year: int | None) -> tuple[int | None, dict[tuple[int, str], list[ScoreSheet]]]:
    rows = [s for s in session.exec(select(ScoreSheet)) if s.rubric_id.split("-", 1)[0] == pack_id]
    years = [s.submitted_at.astimezone(CHINA).year for s in rows if s.submitted_at]
    year = year if year is not None else (max(years) if years else None)
    panels: dict[tuple[int, str], list[ScoreSheet]] = defaultdict(list)
    for sheet in rows:
        if sheet.submitted_at and sheet.submitted_at.astimezone(CHINA).year == year:
            panels[(sheet.instance_id, sheet.rubric_id)].append(sheet)
    return year, panels


def _sheet(row: ScoreSheet) -> dict[str, Any]:
    return {"expert": row.expert, "scores": row.scores, "vetoes": row.vetoes, "bonus": row.bonus}


def _applied_on(inst: Institution) -> date:
    return inst.created_at.astimezone(CHINA).date() if inst.created_at else date(2000, 1, 1)


def pack_impact(session: Session, folder: Path, year: int | None = None) -> Impact:
    """Replay stored score sheets (last assessment year, or `year`) and applications against `folder`."""
    candidate = load_pack(folder)
    candidate_id = candidate.id
    year, panels = _panels(session, candidate_id, year)
    institutions = {i.id: i for i in session.exec(select(Institution).where(Institution.pack_id == candidate_id))}
    impact = Impact(candidate_id, year, sheets_replayed=sum(len(p) for p in panels.values()),
                    applications_replayed=sum(1 for i in institutions.values() if i.application))

    def evaluate(pack: Pack | None) -> dict[tuple[str, int, str], str]:
        found = {}
        for (_, rubric_id), sheets in panels.items():
            inst_id = sheets[0].institution_id
            rubric = pack.rubrics.get(rubric_id) if pack else None
            if pack and rubric is None:
                found[("grade", inst_id, rubric_id)] = "（候选包中不存在）"
                continue
            found[("grade", inst_id, rubric_id)] = _grade_text(_outcome(
                lambda r=rubric_id, s=sheets, rb=rubric: score_sheets(r, [_sheet(x) for x in s], rubric=rb)))
        for inst in institutions.values():
            if inst.application:
                found[("eligibility", inst.id, "")] = _eligible_text(_outcome(
                    lambda i=inst: check_eligibility(candidate_id, i.application, _applied_on(i), pack=pack)))
        return found

    before = evaluate(None)
    after = evaluate(candidate)
    for key, old in before.items():
        new = after[key]
        if new != old:
            what, inst_id, _ = key
            impact.changes.append(Change(inst_id, institutions[inst_id].name if inst_id in institutions else "",
                                         what, old, new))
    return impact
