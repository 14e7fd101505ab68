"""Rubric scoring: validate each expert's sheet, combine the panel's scores, apply thresholds,
grade bands and veto findings.

Scores are combined per item (mean, or mean after dropping the highest and the lowest), then
summed into sections and the total, so sections always add up to the total. All arithmetic is
exact (fractions); results are rounded to 2 decimals only when printed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from workflows.policy.packs import get_rubric
from workflows.policy.rubrics import Band, Item, Rubric, Veto, number


class SheetError(ValueError):
    """A score sheet that cannot be scored; the message names the expert, the item and the problem."""


@dataclass
class ExpertSheet:
    expert: str
    items: dict[str, Fraction]
    vetoes: dict[str, str | None]  # veto id -> severity grade (None when the consequence has none)
    bonus: dict[str, Fraction]


@dataclass
class ScoreResult:
    rubric_id: str
    rubric_hash: str
    total: Fraction
    sections: list[dict[str, Any]]
    passed: bool
    grade: str | None
    vetoed: list[str]
    divergent: list[str]
    reasons: list[str]
    report_to: list[str] = field(default_factory=list)
    experts: list[dict[str, Any]] = field(default_factory=list)
    items: dict[str, Fraction] = field(default_factory=dict)
    bonus: Fraction = Fraction(0)

    def to_dict(self) -> dict[str, Any]:
        return {
            "rubric": self.rubric_id,
            "rubric_hash": self.rubric_hash,
            "total": number(self.total),
            "sections": self.sections,
            "bonus": number(self.bonus),
            "passed": self.passed,
            "grade": self.grade,
            "vetoed": self.vetoed,
            "divergent": self.divergent,
            "reasons": self.reasons,
            "report_to": self.report_to,
            "experts": self.experts,
            "items": {k: number(v) for k, v in self.items.items()},
        }


_PARTIAL = re.compile(r"^基本符合\s*[:：]?\s*([0-9]+(?:\.[0-9]+)?)$")


def _as_number(value: Any) -> Fraction | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        return Fraction(str(value).strip())
    except ValueError:
        return None


def _item_score(rubric: Rubric, expert: str, item: Item, raw: Any) -> Fraction:
    def fail(problem: str) -> SheetError:
        return SheetError(f"专家 {expert}：小项 {item.id}「{item.title}」{problem}")

    if item.kind == "deduction":
        missing = raw.get("missing") if isinstance(raw, dict) else raw
        known = {r.id for r in item.rules}
        if isinstance(missing, list):
            unknown = [m for m in missing if str(m) not in known]
            if unknown:
                raise fail(f"所缺制度 {unknown} 不在所列制度 {sorted(known)} 之中")
            count = len(set(map(str, missing)))
        elif isinstance(missing, int) and not isinstance(missing, bool):
            count = missing
        else:
            raise fail("须写所缺制度清单，如 {missing: [r1, r3]}，或所缺项数 {missing: 2}")
        if not 0 <= count <= len(item.rules):
            raise fail(f"所缺项数 {count} 超出 0–{len(item.rules)}")
        return max(Fraction(0), item.max - item.per_missing * count)

    if raw is True or raw == "符合":  # `is`: the number 1 is not 符合
        return item.max
    if raw is False or raw == "不符合":
        return Fraction(0)
    if item.kind == "check":
        raise fail(f"只能评 符合 或 不符合，收到 {raw!r}")
    points: Any = None
    if isinstance(raw, dict):
        if raw.get("value") != "基本符合":
            raise fail(f"无法识别的评分 {raw!r}（应为 {{value: 基本符合, points: 分数}}）")
        points = raw.get("points")
        if points is None:
            raise fail("评为基本符合，但未给出酌情分（points）")
    elif isinstance(raw, str) and raw.strip().startswith("基本符合"):
        match = _PARTIAL.match(raw.strip())
        if not match:
            raise fail("评为基本符合，但未给出酌情分（写作 “基本符合:3” 或 {value: 基本符合, points: 3}）")
        points = match.group(1)
    else:
        points = raw
    value = _as_number(points)
    if value is None:
        raise fail(f"评分 {raw!r} 不是数字，也不是 符合/基本符合/不符合")
    if value < 0:
        raise fail(f"得分 {number(value)} 为负数")
    if value > item.max:
        raise fail(f"得分 {number(value)} 超过该项满分 {number(item.max)}")
    return value


def _veto_entry(rubric: Rubric, expert: str, entry: Any) -> tuple[Veto, str | None]:
    vetoes = {v.id: v for v in rubric.vetoes}
    if isinstance(entry, dict):
        veto_id, grade = str(entry.get("id", "")), entry.get("grade")
    else:
        veto_id, _, grade_text = str(entry).partition(":")
        grade = grade_text.strip() or None
    veto = vetoes.get(veto_id.strip())
    if veto is None:
        raise SheetError(f"专家 {expert}：否定项 {veto_id!r} 不存在于评分表 {rubric.id}（有 {sorted(vetoes)}）")
    if veto.consequence == "grade_by_severity":
        if grade not in veto.grades:
            raise SheetError(f"专家 {expert}：否定项 {veto.id}「{veto.title}」须按情节注明结果 "
                             f"{' 或 '.join(veto.grades)}（写作 “{veto.id}:{veto.grades[-1]}”），收到 {grade!r}")
        return veto, grade
    return veto, None


def parse_sheet(rubric: Rubric, sheet: dict[str, Any]) -> ExpertSheet:
    """Validate one expert's sheet against the rubric."""
    expert = str(sheet.get("expert") or "").strip()
    if not expert:
        raise SheetError("评分表缺少专家姓名（expert）")
    items = rubric.items()
    scores = sheet.get("scores") or {}
    if not isinstance(scores, dict):
        raise SheetError(f"专家 {expert}：scores 须为 小项 id → 评分 的映射")
    parsed: dict[str, Fraction] = {}
    for item_id, raw in scores.items():
        item = items.get(str(item_id))
        if item is None:
            raise SheetError(f"专家 {expert}：小项 {item_id!r} 不存在于评分表 {rubric.id}")
        parsed[item.id] = _item_score(rubric, expert, item, raw)
    found: dict[str, str | None] = {}
    for entry in sheet.get("vetoes") or []:
        veto, grade = _veto_entry(rubric, expert, entry)
        found[veto.id] = grade
    bonus_items = {b.id: b for b in rubric.bonus}
    bonus: dict[str, Fraction] = {}
    for bonus_id, raw in (sheet.get("bonus") or {}).items():
        spec = bonus_items.get(str(bonus_id))
        if spec is None:
            raise SheetError(f"专家 {expert}：加分项 {bonus_id!r} 不存在于评分表 {rubric.id}")
        if raw is None:
            continue
        value = _as_number(raw)
        if value is None or not spec.min <= value <= spec.max:
            raise SheetError(f"专家 {expert}：加分项 {spec.id}「{spec.title}」加分 {raw!r} "
                             f"不在 {number(spec.min)}–{number(spec.max)} 之间")
        bonus[spec.id] = value
    return ExpertSheet(expert, parsed, found, bonus)


def _combine(values: list[Fraction], method: str, what: str) -> Fraction:
    if method == "trimmed_mean":
        if len(values) < 3:
            raise SheetError(f"{what}：去掉最高分和最低分须至少 3 位专家评分，现有 {len(values)} 位")
        values = sorted(values)[1:-1]
    return sum(values, Fraction(0)) / len(values)


def _band(rubric: Rubric, total: Fraction) -> Band | None:
    return next((b for b in rubric.bands if total >= b.min), None)


def score_sheets(rubric_id: str, sheets: list[dict[str, Any]], combine: str | None = None,
                 divergence_share: float | None = None, rubric: Rubric | None = None) -> ScoreResult:
    """Score a panel's sheets on one rubric (or on a candidate `rubric`); raise `SheetError` for a bad sheet."""
    rubric = rubric or get_rubric(rubric_id)
    method = combine or rubric.combine
    if method not in ("mean", "trimmed_mean"):
        raise SheetError(f"未知的合成方式 {method!r}（mean 或 trimmed_mean）")
    share = rubric.divergence_share if divergence_share is None else Fraction(str(divergence_share))
    if not sheets:
        raise SheetError(f"评分表 {rubric.id}：没有任何专家的评分")
    parsed = [parse_sheet(rubric, s) for s in sheets]
    names = [p.expert for p in parsed]
    if len(set(names)) != len(names):
        raise SheetError(f"专家重复：{sorted({n for n in names if names.count(n) > 1})}")

    reasons: list[str] = []
    combined: dict[str, Fraction] = {}
    divergent: list[str] = []
    for item_id, item in rubric.items().items():
        values = [p.items[item_id] for p in parsed if item_id in p.items]
        if not values:
            raise SheetError(f"小项 {item_id}「{item.title}」没有任何专家评分")
        combined[item_id] = _combine(values, method, f"小项 {item_id}")
        spread = max(values) - min(values)
        if spread > share * item.max:
            divergent.append(item_id)
            reasons.append(f"专家评分分歧：小项 {item_id}「{item.title}」最高 {number(max(values))} 分、"
                           f"最低 {number(min(values))} 分，相差超过该项满分的 {float(share):.0%}")
    section_scores = {s.id: sum((combined[i.id] for i in s.items), Fraction(0)) for s in rubric.sections}
    bonus_total = sum((_combine([p.bonus.get(b.id, Fraction(0)) for p in parsed], method, f"加分项 {b.id}")
                       for b in rubric.bonus), Fraction(0))
    total = sum(section_scores.values(), Fraction(0)) + bonus_total

    passed = True
    for t in rubric.thresholds:
        subtotal = sum((section_scores[s] for s in t.sections), Fraction(0))
        ok = subtotal >= t.min
        passed &= ok
        reasons.append(f"{t.title}：{'、'.join(t.sections)} 合计 {number(subtotal)} 分，"
                       f"{'达到' if ok else '未达到'} {number(t.min)} 分（{t.basis}）")
    if rubric.pass_mark is not None:
        ok = total >= rubric.pass_mark
        passed &= ok
        reasons.append(f"综合得分 {number(total)} 分，{'达到' if ok else '未达到'}合格线 {number(rubric.pass_mark)} 分")
    if rubric.checklist:
        for item_id, item in rubric.items().items():
            if combined[item_id] < item.max:
                reasons.append(f"{'否决项' if item.veto else '核查项'} {item_id}「{item.title}」未获一致评为符合")
                passed &= not item.veto

    band = _band(rubric, total)
    grade = band.name if band else None
    if band:
        passed &= band.passed
        reasons.append(f"综合得分 {number(total)} 分，等次 {band.name}" + (f"（{band.basis}）" if band.basis else ""))

    vetoed: list[str] = []
    report_to: list[str] = []
    severity = {b.name: i for i, b in enumerate(rubric.bands)}  # larger index: lower band
    for veto in rubric.vetoes:
        grades = [p.vetoes[veto.id] for p in parsed if veto.id in p.vetoes]
        if not grades:
            continue
        vetoed.append(veto.id)
        if veto.consequence == "grade_by_severity":
            veto_grade = max((g for g in grades if g), key=lambda g: severity[g])
            if grade is None or severity[veto_grade] > severity[grade]:
                grade = veto_grade
            reasons.append(f"否定评判项 {veto.id}「{veto.title}」：评估结果直接确定为{veto_grade}")
        else:
            passed = False
            if rubric.bands:
                grade = rubric.bands[-1].name
            if veto.report_to and veto.report_to not in report_to:
                report_to.append(veto.report_to)
            reasons.append(f"不合格项 {veto.id}「{veto.title}」：评估结果为不合格"
                           + (f"，评估组须立即向{veto.report_to}报告" if veto.report_to else ""))
    if rubric.bands and grade is not None:
        passed = passed and next(b for b in rubric.bands if b.name == grade).passed

    return ScoreResult(
        rubric_id=rubric.id, rubric_hash=rubric.hash, total=total,
        sections=[{"id": s.id, "title": s.title, "score": number(section_scores[s.id]), "max": number(s.max)}
                  for s in rubric.sections],
        passed=passed, grade=grade, vetoed=vetoed, divergent=divergent, reasons=reasons, report_to=report_to,
        experts=[{"expert": p.expert,
                  "total": number(sum(p.items.values(), Fraction(0)) + sum(p.bonus.values(), Fraction(0)))}
                 for p in parsed],
        items=combined, bonus=bonus_total,
    )
