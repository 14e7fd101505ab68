"""Build the common template context (bureau, institution, scope, validity) from the registry.

The issuing bureau (letterhead, document-number prefix, seal, the policy document cited) comes from the
institution's policy pack (`bureau:` in `pack.yaml`).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import Session, select

from letters.errors import LetterError
from workflows.models import Institution, OccupationScope

KIND_LABELS = {
    "enterprise": "用人单位（企业）",
    "school": "院校",
    "technician_college": "技师学院",
    "industry_association": "行业协会（学会）",
    "social_training": "社会培训评价组织",
    "special_ability": "专项职业能力考核机构",
}

def bureau_for(institution: Institution) -> dict[str, Any]:
    """The bureau that files `institution`, as its policy pack describes it."""
    from workflows.policy import PackError, get_pack

    try:
        return get_pack(institution.pack_id).bureau.letterhead()
    except PackError as exc:
        raise LetterError(f"机构 {institution.name} 的政策包 {institution.pack_id} 无法读取发文机关：{exc}") from exc


def institution_context(institution: Institution, scopes: list[OccupationScope]) -> dict[str, Any]:
    """The `institution` part of a template context."""
    return {
        "id": institution.id,
        "name": institution.name,
        "code": institution.code or "（未赋码）",
        "address": institution.address,
        "head": institution.head,
        "credit_code": institution.credit_code,
        "kind": institution.kind,
        "kind_label": KIND_LABELS.get(institution.kind, institution.kind),
        "contact_name": institution.contact_name,
        "contact_phone": institution.contact_phone,
        "email": institution.email,
        "occupations": [
            {"code": s.code, "name": s.name, "levels": list(s.levels), "kind": s.kind, "status": s.status}
            for s in scopes
        ],
    }


def build_context(
    session: Session, institution_id: int, issued_on: date, bureau: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Common context for any kind: bureau, basis, institution with its current scope, validity, date."""
    institution = session.get(Institution, institution_id)
    if institution is None:
        raise LetterError(f"机构 {institution_id} 不存在")
    scopes = session.exec(
        select(OccupationScope)
        .where(OccupationScope.institution_id == institution_id, OccupationScope.status != "removed")
        .order_by(OccupationScope.id)
    ).all()
    bureau = bureau or bureau_for(institution)
    return {
        "bureau": bureau,
        "basis": bureau["basis"],
        "institution": institution_context(institution, list(scopes)),
        "valid_from": institution.valid_from,
        "valid_until": institution.valid_until,
        "issued_on": issued_on,
    }
