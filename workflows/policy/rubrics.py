"""Rubrics: the scored trees experts fill in, loaded from `bpmn/<pack>/rubrics/<rubric>.yaml`."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from workflows.policy.schema import RUBRIC
from workflows.policy.validate import check_schema, check_unique
from workflows.policy.yamlsrc import YamlDoc

GRADE3 = ("符合", "基本符合", "不符合")


@dataclass(frozen=True)
class RuleRef:
    """One listed rule of a deduction item (e.g. one of 003's seven site rules)."""

    id: str
    title: str


@dataclass(frozen=True)
class Item:
    """A scored item: `points` (0..max), `grade3` (符合/基本符合/不符合), `deduction` or `check`."""

    id: str
    title: str
    max: Fraction
    kind: str
    section_id: str
    veto: bool = False
    per_missing: Fraction = Fraction(0)
    rules: tuple[RuleRef, ...] = ()
    method: str = ""
    basis: str = ""


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    max: Fraction
    items: tuple[Item, ...]
    basis: str = ""


@dataclass(frozen=True)
class Bonus:
    id: str
    title: str
    min: Fraction
    max: Fraction
    basis: str = ""


@dataclass(frozen=True)
class Threshold:
    """A pass condition on part of the rubric (003: sections 1–4 must total ≥ 90)."""

    id: str
    title: str
    sections: tuple[str, ...]
    min: Fraction
    basis: str = ""


@dataclass(frozen=True)
class Band:
    name: str
    min: Fraction
    passed: bool
    basis: str = ""


@dataclass(frozen=True)
class Veto:
    """A finding that overrides the score: set the grade by severity, or fail and report."""

    id: str
    title: str
    consequence: str
    grades: tuple[str, ...] = ()
    report_to: str = ""
    basis: str = ""


@dataclass(frozen=True)
class Rubric:
    id: str
    title: str
    pack_id: str
    basis: str
    max: Fraction
    sections: tuple[Section, ...]
    bonus: tuple[Bonus, ...]
    thresholds: tuple[Threshold, ...]
    bands: tuple[Band, ...]  # highest first
    vetoes: tuple[Veto, ...]
    pass_mark: Fraction | None
    checklist: bool
    combine: str
    divergence_share: Fraction
    hash: str
    path: str

    def items(self) -> dict[str, Item]:
        return {item.id: item for section in self.sections for item in section.items}

    def to_dict(self) -> dict[str, Any]:
        """The tree as `beian rubric show --json` prints it."""
        return {
            "id": self.id,
            "title": self.title,
            "pack": self.pack_id,
            "basis": self.basis,
            "max": number(self.max),
            "combine": self.combine,
            "divergence_share": number(self.divergence_share),
            "sections": [
                {
                    "id": s.id, "title": s.title, "max": number(s.max),
                    "items": [_item_dict(i) for i in s.items],
                }
                for s in self.sections
            ],
            "vetoes": [
                {"id": v.id, "title": v.title, "consequence": v.consequence, "grades": list(v.grades),
                 "basis": v.basis}
                for v in self.vetoes
            ],
            "bonus": [{"id": b.id, "title": b.title, "min": number(b.min), "max": number(b.max)} for b in self.bonus],
            "thresholds": [
                {"id": t.id, "title": t.title, "sections": list(t.sections), "min": number(t.min)}
                for t in self.thresholds
            ],
            "pass_mark": None if self.pass_mark is None else number(self.pass_mark),
            "bands": [{"name": b.name, "min": number(b.min), "passed": b.passed} for b in self.bands],
        }


def number(value: Fraction) -> int | float:
    """A Fraction as a plain JSON number (int when whole, else rounded to 2 decimals)."""
    return int(value) if value.denominator == 1 else round(float(value), 2)


def _item_dict(item: Item) -> dict[str, Any]:
    out: dict[str, Any] = {"id": item.id, "title": item.title, "max": number(item.max), "kind": item.kind}
    if item.veto:
        out["veto"] = True
    if item.kind == "deduction":
        out["per_missing"] = number(item.per_missing)
        out["rules"] = [{"id": r.id, "title": r.title} for r in item.rules]
    return out


def _frac(value: Any) -> Fraction:
    return Fraction(str(value))


def load_rubric(path: Path) -> Rubric:
    """Read, validate and build one rubric; raise `PackError` naming file, line and problem."""
    doc = YamlDoc(path)
    data = check_schema(doc, RUBRIC)
    if not data["id"].startswith(data["pack"] + "-"):
        raise doc.error(("id",), f"评分表 id {data['id']!r} 须以所属包 {data['pack']!r} 加 “-” 开头")
    sections = []
    for si, s in enumerate(data["sections"]):
        items = tuple(
            Item(
                id=i["id"], title=i["title"], max=_frac(i["max"]), kind=i["kind"], section_id=s["id"],
                veto=i.get("veto", False), per_missing=_frac(i.get("per_missing", 0)),
                rules=tuple(RuleRef(r["id"], r["title"]) for r in i.get("rules", [])),
                method=i.get("method", ""), basis=i.get("basis", ""),
            )
            for i in s["items"]
        )
        total = sum((i.max for i in items), Fraction(0))
        if total != _frac(s["max"]):
            raise doc.error(("sections", si, "max"),
                            f"分项 {s['id']} 各小项分值合计 {number(total)}，与该分项满分 {s['max']} 不符")
        for ii, item in enumerate(items):
            where = ("sections", si, "items", ii)
            if item.kind == "deduction" and (not item.rules or not item.per_missing):
                raise doc.error(where, f"扣分项 {item.id} 须列出 rules 并给出 per_missing（每缺一项扣分）")
            if item.kind != "deduction" and (item.rules or item.per_missing):
                raise doc.error(where, f"小项 {item.id} 不是扣分项，不能有 rules/per_missing")
            if data.get("checklist") and item.kind != "check":
                raise doc.error(where, f"核查表评分表的小项 {item.id} 须为 kind: check")
        sections.append(Section(s["id"], s["title"], _frac(s["max"]), items, s.get("basis", "")))
    grand = sum((s.max for s in sections), Fraction(0))
    if grand != _frac(data["max"]):
        raise doc.error(("max",), f"各分项满分合计 {number(grand)}，与总分 {data['max']} 不符")

    check_unique(doc, [("sections", i, "id") for i in range(len(sections))], "分项 id")
    check_unique(doc, [("sections", si, "items", ii, "id") for si, s in enumerate(sections)
                       for ii in range(len(s.items))], "小项 id")
    for name in ("bonus", "vetoes", "thresholds"):
        check_unique(doc, [(name, i, "id") for i in range(len(data.get(name, [])))], f"{name} id")
    check_unique(doc, [("bands", i, "name") for i in range(len(data.get("bands", [])))], "等次名称")

    bonus = tuple(Bonus(b["id"], b["title"], _frac(b["min"]), _frac(b["max"]), b.get("basis", ""))
                  for b in data.get("bonus", []))
    for bi, b in enumerate(bonus):
        if b.min > b.max or b.min < 0:
            raise doc.error(("bonus", bi), f"加分项 {b.id} 的范围 {number(b.min)}–{number(b.max)} 无效")
    section_ids = {s.id for s in sections}
    thresholds = []
    for ti, t in enumerate(data.get("thresholds", [])):
        unknown = [s for s in t["sections"] if s not in section_ids]
        if unknown:
            raise doc.error(("thresholds", ti, "sections"), f"门槛 {t['id']} 引用了不存在的分项 {unknown}")
        thresholds.append(Threshold(t["id"], t["title"], tuple(t["sections"]), _frac(t["min"]), t.get("basis", "")))
    bands = tuple(sorted((Band(b["name"], _frac(b["min"]), b["passed"], b.get("basis", ""))
                          for b in data.get("bands", [])), key=lambda b: b.min, reverse=True))
    if bands and bands[-1].min != 0:
        raise doc.error(("bands",), "最低等次的下限须为 0，否则有的得分没有等次")
    band_names = {b.name for b in bands}
    vetoes = []
    for vi, v in enumerate(data.get("vetoes", [])):
        grades = tuple(v.get("grades", []))
        if v["consequence"] == "grade_by_severity" and (not grades or not set(grades) <= band_names):
            raise doc.error(("vetoes", vi, "grades"),
                            f"否定项 {v['id']} 的 grades 须为本评分表已定义的等次 {sorted(band_names)}")
        vetoes.append(Veto(v["id"], v["title"], v["consequence"], grades, v.get("report_to", ""), v.get("basis", "")))
    if not (bands or thresholds or data.get("checklist") or "pass_mark" in data):
        raise doc.error(("id",), f"评分表 {data['id']} 须给出 bands、thresholds、pass_mark 或 checklist 之一作为结论规则")
    if "pass_mark" in data and bands:
        raise doc.error(("pass_mark",), "pass_mark 与 bands 只能二选一")

    return Rubric(
        id=data["id"], title=data["title"], pack_id=data["pack"], basis=data["basis"], max=grand,
        sections=tuple(sections), bonus=bonus, thresholds=tuple(thresholds), bands=bands, vetoes=tuple(vetoes),
        pass_mark=_frac(data["pass_mark"]) if "pass_mark" in data else None,
        checklist=data.get("checklist", False), combine=data.get("combine", "mean"),
        divergence_share=_frac(data.get("divergence_share", "0.3")),
        hash=hashlib.sha256(doc.text.encode("utf-8")).hexdigest(), path=str(path),
    )
