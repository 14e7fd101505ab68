"""Hard eligibility conditions: evaluate an application's data against a pack's rules.

Every failed condition is reported with its id, legal basis, the required and the found value.
The names a rule may read are the application's `facts`, plus these derived ones:
`kind`, `institution.*`, `first_application`, `current_year`, `occupation_count`, `years_since_founded`,
`lease_years`, `lease_remaining_years`, `part_timer_max_employers`, `association_rating_level`,
`limits.*`, and inside per-occupation rules `occ.*` (the occupation's `facts.per_occupation` entry
plus `code`, `name`, `levels`) and `level` (a path segment `{level}` is replaced by it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from fractions import Fraction
from typing import Any

from workflows.policy import arith
from workflows.policy.packs import Condition, Pack, Rule, get_pack

LEVEL_NAMES = {1: "一级", 2: "二级", 3: "三级", 4: "四级", 5: "五级"}
_MISSING = object()
_SYMBOLS = {">=": "≥", "<=": "≤", ">": ">", "<": "<", "==": "=", "!=": "≠"}


@dataclass(frozen=True)
class Failure:
    """One failed condition (for per-occupation rules, `subject` names the occupation and level)."""

    id: str
    title: str
    basis: str
    text: str
    required: str
    found: Any
    message: str
    subject: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "basis": self.basis, "text": self.text,
                "subject": self.subject, "required": self.required, "found": self.found, "message": self.message}


@dataclass(frozen=True)
class EligibilityResult:
    pack_id: str
    checked_on: date
    failed: list[Failure]
    checked: list[str]
    priority: list[str] = field(default_factory=list)

    @property
    def eligible(self) -> bool:
        return not self.failed

    def to_dict(self) -> dict[str, Any]:
        return {"eligible": self.eligible, "pack": self.pack_id, "checked_on": self.checked_on.isoformat(),
                "failed": [f.to_dict() for f in self.failed], "checked": self.checked, "priority": self.priority}


def check_eligibility(pack_id: str, application: dict[str, Any], on: date, pack: Pack | None = None) -> EligibilityResult:
    """Evaluate every applicable rule of `pack_id` (or of a candidate `pack` not yet in force) as of `on`."""
    pack = pack or get_pack(pack_id)
    base = _namespace(pack, application, on)
    failed: list[Failure] = []
    checked: list[str] = []
    for rule in pack.rules:
        if rule.kinds and base.get("kind") not in rule.kinds:
            continue
        for namespace, subject in _subjects(rule, base, application):
            if not all(_holds(c, namespace)[0] for c in rule.when):
                continue
            if any(_holds(c, namespace)[0] for c in rule.unless):
                continue
            if rule.id not in checked:
                checked.append(rule.id)
            failure = _evaluate(rule, namespace, subject)
            if failure is not None:
                failed.append(failure)
    priority = [p.id for p in pack.priority_conditions if _lookup(base, p.fact) is True]
    return EligibilityResult(pack.id, on, failed, checked, priority)


def _namespace(pack: Pack, application: dict[str, Any], on: date) -> dict[str, Any]:
    facts = dict(application.get("facts") or {})
    institution = application.get("institution") or {}
    premises = facts.get("premises") or {}
    part_timers = facts.get("part_timers") or []
    rating = str(facts.get("association_rating") or "")
    ns: dict[str, Any] = dict(facts)
    ns.update(
        kind=institution.get("kind"),
        institution=institution,
        first_application=application.get("first_application", True),
        current_year=on.year,
        occupation_count=len(application.get("occupations") or []),
        limits={k: getattr(pack.limits, k) for k in ("max_occupations_first", "max_occupations_added",
                                                     "max_per_occupation_per_city")},
        association_rating_level=int(rating[:-1]) if rating[:-1].isdigit() and rating.endswith("A") else None,
        part_timer_max_employers=max((int(p.get("employers", 0)) for p in part_timers), default=0),
    )
    founded = _as_date(facts.get("founded"))
    if founded is not None:
        ns["years_since_founded"] = _full_years(founded, on)
    lease_start, lease_end = _as_date(premises.get("lease_start")), _as_date(premises.get("lease_end"))
    if lease_end is not None:
        # the lease's last day counts: 2021-01-01..2025-12-31 is 5 years
        if lease_start is not None:
            ns["lease_years"] = _full_years(lease_start, lease_end + timedelta(days=1))
        start = _as_date(facts.get("filing_start")) or on
        ns["lease_remaining_years"] = _full_years(start, lease_end + timedelta(days=1))
    return ns


def _as_date(value: Any) -> date | None:
    """A date from YAML (date) or from stored JSON (ISO text); None when absent or not a date."""
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _full_years(start: date, end: date) -> int:
    years = end.year - start.year
    if (end.month, end.day) < (start.month, start.day):
        years -= 1
    return years


def _subjects(rule: Rule, base: dict[str, Any], application: dict[str, Any]) -> list[tuple[dict[str, Any], str]]:
    if rule.scope == "institution":
        return [(base, "")]
    per_occupation = (application.get("facts") or {}).get("per_occupation") or {}
    out = []
    for occupation in application.get("occupations") or []:
        levels = [int(x) for x in occupation.get("levels") or []]
        if rule.levels and not set(levels) & set(rule.levels):
            continue
        occ = {**(per_occupation.get(occupation.get("code")) or {}), "code": occupation.get("code"),
               "name": occupation.get("name"), "levels": levels}
        label = f"{occupation.get('code')} {occupation.get('name', '')}".strip()
        if rule.scope == "occupation":
            out.append(({**base, "occ": occ}, label))
            continue
        for level in levels:
            if not rule.levels or level in rule.levels:
                out.append(({**base, "occ": occ, "level": level}, f"{label} {LEVEL_NAMES.get(level, level)}"))
    return out


def _lookup(namespace: dict[str, Any], dotted: str) -> Any:
    value: Any = namespace
    for raw in dotted.split("."):
        part = str(namespace.get("level")) if raw == "{level}" else raw
        if not isinstance(value, dict):
            return _MISSING
        for key in (part, int(part) if part.isdigit() else None):
            if key is not None and key in value:
                value = value[key]
                break
        else:
            return _MISSING
    return value


def _target(condition: Condition, namespace: dict[str, Any]) -> Any:
    if condition.expr is None:
        return condition.value

    def lookup(name: str) -> Any:
        value = _lookup(namespace, name)
        if value is _MISSING or value is None:
            raise arith.ArithError(f"计算门槛所需的 {name} 未提供")
        return value

    return arith.evaluate(condition.expr, lookup)


def _holds(condition: Condition, namespace: dict[str, Any]) -> tuple[bool, Any, str]:
    """(holds, found value, required text) for one condition."""
    found = _lookup(namespace, condition.fact)
    try:
        target = _target(condition, namespace)
    except arith.ArithError as exc:
        return False, found, str(exc)
    required = _required_text(condition, target)
    if found is _MISSING or found is None:
        # an absent fact is "empty", and is not the value a negative condition forbids
        return condition.op in {"empty", "!=", "not_in"}, found, required
    op = condition.op
    if op in {">=", "<=", ">", "<"}:
        if isinstance(found, bool) or not isinstance(found, int | float):
            return False, found, required
        number = Fraction(str(found))
        target = Fraction(str(target)) if not isinstance(target, Fraction) else target
        return {">=": number >= target, "<=": number <= target, ">": number > target,
                "<": number < target}[op], found, required
    if op == "==":
        return found == target, found, required
    if op == "!=":
        return found != target, found, required
    if op == "in":
        return found in target, found, required
    if op == "not_in":
        return found not in target, found, required
    if op == "includes":
        return isinstance(found, list) and set(map(str, target)) <= set(map(str, found)), found, required
    if op == "intersects":
        return isinstance(found, list) and bool(set(map(str, found)) & set(map(str, target))), found, required
    if op == "nonempty":
        return bool(found), found, required
    return not found, found, required  # empty


def _show(value: Any) -> str:
    if value is True:
        return "是"
    if value is False:
        return "否"
    if isinstance(value, Fraction):
        return str(int(value)) if value.denominator == 1 else f"{float(value):.2f}"
    if isinstance(value, list):
        return "、".join(map(str, value)) or "（空）"
    return str(value)


def _required_text(condition: Condition, target: Any) -> str:
    unit = condition.unit
    if condition.op in _SYMBOLS:
        if condition.op == "==" and isinstance(target, bool):
            text = f"{condition.fact} 为{_show(target)}"
        else:
            text = f"{condition.fact} {_SYMBOLS[condition.op]} {_show(target)}{unit}"
        return text + (f"（{condition.expr}）" if condition.expr else "")
    return {
        "in": f"{condition.fact} 属于 {_show(target)} 之一",
        "not_in": f"{condition.fact} 不属于 {_show(target)}",
        "intersects": f"{condition.fact} 含 {_show(target)} 之一",
        "includes": f"{condition.fact} 含 {_show(target)} 全部",
        "nonempty": f"{condition.fact} 已提供且不为空",
        "empty": f"{condition.fact} 为空",
    }[condition.op]


def _json_value(value: Any) -> Any:
    if value is _MISSING:
        return None
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Fraction):
        return float(value)
    return value


def _evaluate(rule: Rule, namespace: dict[str, Any], subject: str) -> Failure | None:
    results = [_holds(c, namespace) for c in rule.conditions]
    ok = any(r[0] for r in results) if rule.any_of else all(r[0] for r in results)
    if ok:
        return None
    required = rule.required_text or " 或 ".join(r[2] for r in results)
    failing = results if rule.any_of else [r for r in results if not r[0]]
    found_parts = {c.fact: _json_value(r[1]) for c, r in zip(rule.conditions, results, strict=True) if r in failing}
    found: Any = next(iter(found_parts.values())) if len(found_parts) == 1 else found_parts
    found_text = "；".join(f"{k} = {'未提供' if v is None else _show(v)}" for k, v in found_parts.items())
    where = f"（{subject}）" if subject else ""
    message = f"{rule.title}{where}不符合：要求 {required}，实际 {found_text}。依据：{rule.basis}"
    return Failure(rule.id, rule.title, rule.basis, rule.text, required, found, message, subject)
