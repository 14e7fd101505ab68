"""Policy packs: `bpmn/<pack>/pack.yaml` plus its rubrics, validated on load and cached.

A pack whose files changed is reloaded on the next `get_pack`; if the new version is broken, the
previously loaded version stays in force and the error is kept in `pack_errors()` (and raised by
`reload_pack`). Without a previous version the error is raised.
"""

from __future__ import annotations

import hashlib
import logging
import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from workflows.policy import arith
from workflows.policy.rubrics import Rubric, load_rubric
from workflows.policy.schema import PACK
from workflows.policy.validate import check_schema, check_unique
from workflows.policy.yamlsrc import PackError, YamlDoc
from workflows.settings import BPMN_DIR

log = logging.getLogger(__name__)

PACK_IDS = ("000", "001", "002", "003", "004")
KINDS = (
    "enterprise", "school", "technician_college", "industry_association", "social_training",
    "special_ability", "public_institution", "government",
)
_VALUE_OPS = {">=", "<=", ">", "<", "==", "!=", "in", "not_in", "intersects", "includes"}


@dataclass(frozen=True)
class Bureau:
    """The issuing bureau: letterhead name, document-number prefix, seal, the policy document it cites."""

    name: str
    doc_prefix: str
    seal_name: str
    document: str
    contact: dict[str, str] = field(default_factory=dict)

    def letterhead(self) -> dict[str, Any]:
        """The `bureau` part of a letter's context (and its `basis`)."""
        return {"name": self.name, "doc_prefix": self.doc_prefix, "seal_name": self.seal_name,
                "basis": self.document, "contact": dict(self.contact)}


@dataclass(frozen=True)
class Notice:
    selection_working_days: int
    grade_days: int
    counting: str  # exclude_first (民法典 第二百零一条) | include_first


@dataclass(frozen=True)
class Supplement:
    deadline_working_days: int
    processing_working_days: int = 20  # 办理时限 (seeds silent; 行政许可法 第四十二条: 二十日)


@dataclass(frozen=True)
class CodeScheme:
    ministry: str
    province: str | None  # None: the institution's own province (national pack 000)
    letters: dict[str, str]
    default_letter: str
    sequence_digits: int

    def letter_for(self, kind: str) -> str:
        """The kind letter of an institution code: "Y" for an employer, "S" otherwise (per pack)."""
        return self.letters.get(kind, self.default_letter)

    def province_for(self, institution_province: str) -> str:
        """The two-digit province part of a code."""
        return self.province or institution_province


@dataclass(frozen=True)
class Validity:
    years: int
    rule: str  # month_before_anniversary | exact
    pilot_end: date | None


@dataclass(frozen=True)
class Limits:
    max_occupations_first: int | None
    max_occupations_added: int | None
    exempt_kinds: tuple[str, ...]
    max_per_occupation_per_city: int | None


@dataclass(frozen=True)
class Selection:
    rubric: str | None
    panel_min: int


@dataclass(frozen=True)
class Assessment:
    rubrics: dict[str, str]
    skip_filed_same_year: bool


@dataclass(frozen=True)
class Renewal:
    rubric: str | None
    pass_mark: float | None
    window_months: int
    exempt_grades: tuple[str, ...]
    form: str | None = None  # JSON Schema the renewal application must satisfy (002: 附件5)


@dataclass(frozen=True)
class Rectification:
    months: int


@dataclass(frozen=True)
class Reminders:
    days_before_expiry: tuple[int, ...]


@dataclass(frozen=True)
class Condition:
    """`fact op value` (or `fact op expr`, a computed threshold)."""

    fact: str
    op: str
    value: Any = None
    expr: str | None = None
    unit: str = ""


@dataclass(frozen=True)
class Rule:
    """One hard eligibility condition, with the seed's own wording and its legal basis."""

    id: str
    title: str
    basis: str
    text: str
    scope: str
    kinds: tuple[str, ...]
    levels: tuple[int, ...]
    when: tuple[Condition, ...]
    unless: tuple[Condition, ...]
    conditions: tuple[Condition, ...]  # all must hold; with `any_of`, one is enough
    any_of: bool
    required_text: str | None


@dataclass(frozen=True)
class Named:
    id: str
    title: str
    basis: str
    text: str = ""
    fact: str = ""


@dataclass(frozen=True)
class Pack:
    id: str
    name: str
    basis: str
    seed: str
    effective_from: date
    province: str | None
    bureau: Bureau
    notice: Notice
    supplement: Supplement
    code: CodeScheme
    validity: Validity
    limits: Limits
    selection: Selection
    assessment: Assessment
    renewal: Renewal
    rectification: Rectification
    reminders: Reminders
    relaxation_cases: tuple[Named, ...]
    priority_conditions: tuple[Named, ...]
    rules: tuple[Rule, ...]
    rubrics: dict[str, Rubric] = field(default_factory=dict)
    letters: dict[str, tuple[str, ...]] = field(default_factory=dict)  # lifecycle step → document kinds
    path: str = ""
    hash: str = ""

    @property
    def disqualifying(self) -> list[dict[str, str]]:
        """Findings that allow revocation at any time: the vetoes of the pack's rubrics, by title."""
        seen: dict[str, dict[str, str]] = {}
        for rubric in self.rubrics.values():
            for veto in rubric.vetoes:
                seen.setdefault(veto.title, {"id": veto.id, "title": veto.title, "basis": veto.basis,
                                             "rubric": rubric.id})
        return list(seen.values())


def packs_dir() -> Path:
    """Where packs live: `BEIAN_PACKS_DIR`, or the repository's `bpmn/`."""
    return Path(os.environ.get("BEIAN_PACKS_DIR", BPMN_DIR))


def _condition(c: dict[str, Any]) -> Condition:
    return Condition(c["fact"], c["op"], c.get("value"), c.get("expr"), c.get("unit", ""))


def _check_condition(doc: YamlDoc, where: tuple[Any, ...], c: dict[str, Any]) -> None:
    has_value, has_expr = "value" in c, "expr" in c
    if c["op"] in _VALUE_OPS and has_value == has_expr:
        raise doc.error(where, f"条件 {c['fact']} {c['op']} 须给出 value 或 expr 之一")
    if c["op"] not in _VALUE_OPS and (has_value or has_expr):
        raise doc.error(where, f"条件 {c['fact']} {c['op']} 不取 value/expr")
    if c["op"] in {"in", "not_in", "intersects", "includes"} and not isinstance(c.get("value"), list):
        raise doc.error(where, f"条件 {c['fact']} {c['op']} 的 value 须为列表")
    if has_expr:
        try:
            arith.parse(c["expr"])
        except arith.ArithError as exc:
            raise doc.error(where + ("expr",), str(exc)) from exc


def _rule(doc: YamlDoc, index: int, r: dict[str, Any]) -> Rule:
    where: tuple[Any, ...] = ("eligibility", index)
    if ("fact" in r) == ("any_of" in r):
        raise doc.error(where, f"条件 {r['id']} 须有 fact/op 或 any_of 之一")
    if "fact" in r and "op" not in r:
        raise doc.error(where, f"条件 {r['id']} 缺少 op")
    unknown = [k for k in r.get("kinds", []) if k not in KINDS]
    if unknown:
        raise doc.error(where + ("kinds",), f"条件 {r['id']} 的机构类别 {unknown} 不在 {list(KINDS)} 之中")
    if "fact" in r:
        raw = [{k: r[k] for k in ("fact", "op", "value", "expr", "unit") if k in r}]
        _check_condition(doc, where, raw[0])
    else:
        raw = r["any_of"]
        for ci, c in enumerate(raw):
            _check_condition(doc, where + ("any_of", ci), c)
    for key in ("when", "unless"):
        for ci, c in enumerate(r.get(key, [])):
            _check_condition(doc, where + (key, ci), c)
    scope = r.get("scope", "institution")
    if r.get("levels") and scope == "institution":
        raise doc.error(where + ("levels",), f"条件 {r['id']} 的 levels 只用于按职业的条件")
    return Rule(
        id=r["id"], title=r["title"], basis=r["basis"], text=r["text"], scope=scope,
        kinds=tuple(r.get("kinds", [])), levels=tuple(r.get("levels", [])),
        when=tuple(_condition(c) for c in r.get("when", [])),
        unless=tuple(_condition(c) for c in r.get("unless", [])),
        conditions=tuple(_condition(c) for c in raw), any_of="any_of" in r,
        required_text=r.get("required_text"),
    )


def _files_hash(folder: Path) -> str:
    digest = hashlib.sha256()
    files = [folder / "pack.yaml", *sorted((folder / "rubrics").glob("*.yaml"))]
    for path in files:
        digest.update(path.name.encode())
        digest.update(path.read_bytes() if path.exists() else b"<missing>")
    return digest.hexdigest()


def load_pack(folder: Path) -> Pack:
    """Read and validate one pack folder (no cache); raise `PackError` naming file, line and problem."""
    path = folder / "pack.yaml"
    doc = YamlDoc(path)
    d = check_schema(doc, PACK)
    if d["id"] != folder.name:
        raise doc.error(("id",), f"包 id {d['id']!r} 与目录名 {folder.name!r} 不一致")
    check_unique(doc, [("eligibility", i, "id") for i in range(len(d["eligibility"]))], "资格条件 id")
    rules = tuple(_rule(doc, i, r) for i, r in enumerate(d["eligibility"]))
    relax = tuple(Named(c["id"], c["title"], c["basis"]) for c in d.get("relaxation_cases", []))
    check_unique(doc, [("relaxation_cases", i, "id") for i in range(len(relax))], "放宽情形 id")
    priority = tuple(Named(c["id"], c["title"], c["basis"], c.get("text", ""), c["fact"])
                     for c in d.get("priority_conditions", []))

    rubrics: dict[str, Rubric] = {}
    for rubric_path in sorted((folder / "rubrics").glob("*.yaml")):
        rubric = load_rubric(rubric_path)
        if rubric.pack_id != d["id"]:
            raise PackError(rubric_path, YamlDoc(rubric_path).line(("pack",)),
                            f"评分表 {rubric.id} 属于包 {rubric.pack_id}，却放在包 {d['id']} 的目录中")
        if rubric.id in rubrics:
            raise PackError(rubric_path, YamlDoc(rubric_path).line(("id",)), f"评分表 id {rubric.id!r} 重复")
        rubrics[rubric.id] = rubric

    sel, ass, ren = d.get("selection", {}), d.get("assessment", {}), d.get("renewal", {})
    references = [(("selection", "rubric"), sel.get("rubric")), (("renewal", "rubric"), ren.get("rubric"))]
    references += [(("assessment", "rubrics", k), v) for k, v in ass.get("rubrics", {}).items()]
    for where, rubric_id in references:
        if rubric_id is not None and rubric_id not in rubrics:
            raise doc.error(where, f"评分表 {rubric_id!r} 不存在（rubrics/ 中有 {sorted(rubrics)}）")

    lim, code = d.get("limits", {}), d["code"]
    return Pack(
        id=d["id"], name=d["name"], basis=d["basis"], seed=d.get("seed", ""),
        effective_from=date.fromisoformat(d["effective_from"]), province=d["province"],
        bureau=Bureau(d["bureau"]["name"], d["bureau"]["doc_prefix"], d["bureau"]["seal_name"],
                      d["bureau"]["document"], dict(d["bureau"].get("contact", {}))),
        notice=Notice(d["notice"]["selection_working_days"], d["notice"]["grade_days"], d["notice"]["counting"]),
        supplement=Supplement(d.get("supplement", {}).get("deadline_working_days", 10),
                              d.get("supplement", {}).get("processing_working_days", 20)),
        code=CodeScheme(code["ministry"], code["province"], dict(code.get("letters", {})),
                        code["default_letter"], code.get("sequence_digits", 6)),
        validity=Validity(d["validity"]["years"], d["validity"]["rule"],
                          date.fromisoformat(d["validity"]["pilot_end"]) if d["validity"].get("pilot_end") else None),
        limits=Limits(lim.get("max_occupations_first"), lim.get("max_occupations_added"),
                      tuple(lim.get("exempt_kinds", [])), lim.get("max_per_occupation_per_city")),
        selection=Selection(sel.get("rubric"), sel.get("panel_min", 3)),
        assessment=Assessment(dict(ass.get("rubrics", {})), ass.get("skip_filed_same_year", False)),
        renewal=Renewal(ren.get("rubric"), ren.get("pass_mark"), ren.get("window_months", 6),
                        tuple(ren.get("exempt_grades", [])), ren.get("form")),
        rectification=Rectification(d.get("rectification", {}).get("months", 3)),
        reminders=Reminders(tuple(d.get("reminders", {}).get("days_before_expiry", [90, 30]))),
        relaxation_cases=relax, priority_conditions=priority, rules=rules, rubrics=rubrics,
        letters={step: tuple(kinds) for step, kinds in d.get("letters", {}).items()},
        path=str(path), hash=_files_hash(folder),
    )


_CACHE: dict[str, Pack] = {}
_ERRORS: dict[str, PackError] = {}


def _folder(pack_id: str) -> Path:
    folder = packs_dir() / pack_id
    if not (folder / "pack.yaml").exists():
        raise PackError(folder / "pack.yaml", None, f"政策包 {pack_id!r} 不存在")
    return folder


def reload_pack(pack_id: str) -> Pack:
    """Load `pack_id` afresh; on error raise `PackError` and keep the previously loaded version."""
    try:
        pack = load_pack(_folder(pack_id))
    except PackError as exc:
        _ERRORS[pack_id] = exc
        raise
    _ERRORS.pop(pack_id, None)
    _CACHE[pack_id] = pack
    return pack


def get_pack(pack_id: str) -> Pack:
    """The pack in force; reloaded when its files changed, the old version kept if the new one is broken."""
    cached = _CACHE.get(pack_id)
    if cached is not None:
        try:
            unchanged = _files_hash(_folder(pack_id)) == cached.hash
        except PackError:
            unchanged = False
        if unchanged:
            return cached
    try:
        return reload_pack(pack_id)
    except PackError as exc:
        if cached is None:
            raise
        log.error("policy pack %s refused, previous version stays in force: %s", pack_id, exc)
        return cached


def pack_errors() -> dict[str, PackError]:
    """The last refusal per pack whose previous version is still in force."""
    return dict(_ERRORS)


def list_packs() -> list[Pack]:
    """Every pack folder under the packs directory (three-digit names), loaded."""
    root = packs_dir()
    ids = sorted(p.name for p in root.iterdir() if (p / "pack.yaml").exists()) if root.exists() else []
    return [get_pack(i) for i in ids]


def get_rubric(rubric_id: str) -> Rubric:
    """A rubric by id; its pack is the id's prefix before the first "-" (e.g. "003-selection")."""
    pack = get_pack(rubric_id.split("-", 1)[0])
    if rubric_id not in pack.rubrics:
        raise PackError(pack.path, None, f"评分表 {rubric_id!r} 不存在（包 {pack.id} 有 {sorted(pack.rubrics)}）")
    return pack.rubrics[rubric_id]


def clear_cache() -> None:
    """Forget every loaded pack (tests, or after `BEIAN_PACKS_DIR` changed)."""
    _CACHE.clear()
    _ERRORS.clear()
