"""Receiving an application: structure checks, the pack's limits, the registry rows, the selection process."""

from __future__ import annotations

import re
from typing import Any

from sqlmodel import Session, col, func, select

from workflows.models import Institution, OccupationScope
from workflows.states import KINDS

REQUIRED = ("name", "kind", "credit_code", "province", "city", "county")
ACTIVE_STATES = ("filed", "rectifying")
OPEN_STATES = ("applying", "supplementing", "reviewing", "noticing")


class ApplicationError(ValueError):
    """The application cannot be accepted; the message names every problem."""


def check_structure(data: dict[str, Any]) -> list[str]:
    """Problems with the application's shape, each naming its field."""
    problems = []
    if not isinstance(data, dict):
        return ["申报文件必须是 YAML/JSON 对象"]
    inst = data.get("institution")
    if not isinstance(inst, dict):
        return ["缺少 institution（机构信息）"]
    problems += [f"institution.{key} 为必填项" for key in REQUIRED if not str(inst.get(key) or "").strip()]
    if inst.get("kind") and inst["kind"] not in KINDS:
        problems.append(f"institution.kind 取值 {inst['kind']!r} 无效，可选：{', '.join(KINDS)}")
    if inst.get("credit_code") and not re.fullmatch(r"[0-9A-Z]{18}", str(inst["credit_code"])):
        problems.append(f"institution.credit_code {inst['credit_code']!r} 不是 18 位统一社会信用代码")
    for key, length in (("province", 2), ("city", 4), ("county", 6)):
        value = str(inst.get(key) or "")
        if value and not re.fullmatch(rf"\d{{{length}}}", value):
            problems.append(f"institution.{key} {value!r} 应为 {length} 位行政区划代码")
    if str(inst.get("city", "")).startswith(str(inst.get("province", "-"))) is False and inst.get("city"):
        problems.append(f"institution.city {inst['city']} 不属于省份 {inst.get('province')}")
    if inst.get("county") and not str(inst["county"]).startswith(str(inst.get("city", "-"))):
        problems.append(f"institution.county {inst['county']} 不属于城市 {inst.get('city')}")
    if inst.get("filing_level", "city") not in ("province", "city", "county"):
        problems.append("institution.filing_level 应为 province、city 或 county")
    occupations = data.get("occupations")
    if not isinstance(occupations, list) or not occupations:
        problems.append("occupations（申报职业/工种）至少一项")
    else:
        for i, occ in enumerate(occupations):
            if not isinstance(occ, dict) or not occ.get("code") or not occ.get("name"):
                problems.append(f"occupations[{i}] 需要 code 与 name")
            elif not isinstance(occ.get("levels", []), list) or any(
                    lv not in (1, 2, 3, 4, 5) for lv in occ.get("levels", [])):
                problems.append(f"occupations[{i}].levels 只能是 1–5 的列表")
    return problems


def limit_failures(session: Session, data: dict[str, Any], pack: Any,
                   exclude_institution: int | None = None) -> list[dict[str, Any]]:
    """The pack's limits on an application (003 §二 and §五(二)), as eligibility-style failures."""
    failures = []
    inst, occupations = data["institution"], data.get("occupations", [])
    limits = pack.limits
    exempt = inst["kind"] in limits.exempt_kinds
    if limits.max_occupations_first and data.get("first_application", True) and not exempt \
            and len(occupations) > limits.max_occupations_first:
        failures.append({
            "id": "LIMIT-OCCUPATIONS", "basis": limits_basis(pack),
            "required": f"首次申报职业（工种）不超过 {limits.max_occupations_first} 个（技师学院除外）",
            "found": f"{len(occupations)} 个",
            "message": f"首次申报职业（工种）数量超过上限 {limits.max_occupations_first} 个",
        })
    if limits.max_per_occupation_per_city and not exempt:
        for occ in occupations:
            query = (select(func.count(func.distinct(Institution.id)))
                     .join(OccupationScope, col(OccupationScope.institution_id) == Institution.id)
                     .where(Institution.city == inst["city"], col(Institution.state).in_(ACTIVE_STATES),
                            OccupationScope.code == occ["code"], OccupationScope.status == "filed",
                            col(Institution.kind).not_in(limits.exempt_kinds)))
            if exclude_institution is not None:
                query = query.where(Institution.id != exclude_institution)
            count = session.exec(query).one()
            if count >= limits.max_per_occupation_per_city:
                failures.append({
                    "id": "LIMIT-PER-CITY", "basis": limits_basis(pack),
                    "required": f"同一城市同一职业（工种）备案机构不超过 {limits.max_per_occupation_per_city} 家",
                    "found": f"{occ['name']}（{occ['code']}）已有 {count} 家",
                    "message": f"本市「{occ['name']}」已备案 {count} 家评价机构，达到上限 {limits.max_per_occupation_per_city} 家",
                })
    return failures


def limits_basis(pack: Any) -> str:
    return getattr(pack.limits, "basis", "") or pack.basis


def create_institution(session: Session, data: dict[str, Any], pack_id: str, now: Any) -> Institution:
    """Registry rows for a new applicant (state 申请中) and its applied scope."""
    inst = data["institution"]
    institution = Institution(
        name=inst["name"], kind=inst["kind"], credit_code=str(inst["credit_code"]), pack_id=pack_id,
        province=str(inst["province"]), city=str(inst["city"]), county=str(inst["county"]),
        filing_level=inst.get("filing_level", "city"), address=inst.get("address", ""), head=inst.get("head", ""),
        contact_name=inst.get("contact_name", ""), contact_phone=str(inst.get("contact_phone", "")),
        email=inst.get("email", ""), state="applying", application=data, created_at=now, updated_at=now,
    )
    session.add(institution)
    session.flush()
    for occ in data["occupations"]:
        session.add(OccupationScope(institution_id=institution.id, code=occ["code"], name=occ["name"],
                                    levels=list(occ.get("levels", [])), kind=occ.get("kind", "occupation"),
                                    status="applied", changed_at=now))
    return institution


def open_case_for(session: Session, credit_code: str) -> Institution | None:
    """An institution with this credit code whose application is still being handled."""
    return session.exec(select(Institution).where(Institution.credit_code == credit_code,
                                                  col(Institution.state).in_(OPEN_STATES))).first()
