"""Build the common template context (bureau, institution, scope, validity) from the registry.

The issuing bureau is chosen by the institution's filing level (province, city or county code) and
the longest matching jurisdiction prefix in `BUREAUS`; a policy pack may pass its own `bureau`.
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

# Issuing bureaus by GB/T 2260 jurisdiction prefix: the seeds' own bureaus and the documents they cite.
BUREAUS: dict[str, dict[str, Any]] = {
    "37": {
        "name": "山东省人力资源和社会保障厅",
        "doc_prefix": "鲁人社字",
        "seal_name": "山东省人力资源和社会保障厅",
        "basis": "《山东省人力资源和社会保障厅关于印发〈山东省专项职业能力考核社会化改革试点方案〉的通知》"
                 "（鲁人社字〔2023〕22号）",
        "contact": {"department": "职业能力建设处", "phone": "12333", "address": "济南市"},
    },
    "33": {
        "name": "浙江省人力资源和社会保障厅",
        "doc_prefix": "浙人社函",
        "seal_name": "浙江省人力资源和社会保障厅",
        "basis": "《浙江省人力资源和社会保障厅办公室关于开展职业技能等级认定试点社会培训评价组织遴选工作的通知》"
                 "（浙人社办发〔2020〕35号）",
        "contact": {"department": "浙江省技能人才评价管理服务中心", "phone": "（0571）85211850",
                    "address": "杭州市西湖区古翠路50号6楼"},
    },
    "50": {
        "name": "重庆市人力资源和社会保障局",
        "doc_prefix": "渝人社函",
        "seal_name": "重庆市人力资源和社会保障局",
        "basis": "《重庆市职业技能鉴定评价机构评估暂行办法》（渝人社发〔2021〕33号）",
        "contact": {"department": "重庆市职业技能鉴定指导中心", "phone": "12333", "address": "重庆市"},
    },
    "500238": {
        "name": "巫溪县人力资源和社会保障局",
        "doc_prefix": "溪人社函",
        "seal_name": "巫溪县人力资源和社会保障局",
        "basis": "《巫溪县职业技能等级评价机构建设规范（试行）》（溪人社发〔2021〕62号）",
        "contact": {"department": "巫溪县人力资源和社会保障局", "phone": "12333", "address": "重庆市巫溪县"},
    },
}


def bureau_for(institution: Institution) -> dict[str, Any]:
    """The bureau that files `institution`: longest `BUREAUS` prefix of its filing jurisdiction."""
    code = {"province": institution.province, "city": institution.city}.get(
        institution.filing_level, institution.county
    )
    matches = [key for key in BUREAUS if code.startswith(key)]
    if not matches:
        raise LetterError(f"辖区 {code} 没有配置发文机关（机构：{institution.name}）")
    return BUREAUS[max(matches, key=len)]


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
