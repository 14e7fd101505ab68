"""Case-level actions outside a single task: receiving an application and filing an objection."""

from __future__ import annotations

import json
from typing import Any

from sqlmodel import Session, col, select

from workflows import audit
from workflows.applications import (
    ApplicationError,
    check_structure,
    create_institution,
    limit_failures,
    open_case_for,
)
from workflows.clock import load_clock
from workflows.db import write_session
from workflows.models import Instance, Institution, Notice, Objection
from workflows.policy import get_pack
from workflows.writepath import (
    NotWaiting,
    StepError,
    StepResult,
    deliver_in_session,
    run_action,
    start_in_session,
)


def submit_application(data: dict[str, Any], actor: str) -> StepResult:
    """Accept an application and start the selection process, or refuse it whole with every reason."""
    data = json.loads(json.dumps(data, ensure_ascii=False, default=str))  # YAML dates → ISO text
    problems = check_structure(data)
    if problems:
        raise ApplicationError("申报材料格式不正确：" + "；".join(problems))
    pack_id = str(data.get("pack") or "")
    pack = get_pack(pack_id)

    def body(session: Session) -> StepResult:
        existing = open_case_for(session, str(data["institution"]["credit_code"]))
        if existing is not None:
            raise ApplicationError(f"统一社会信用代码 {existing.credit_code} 已有在办申请（机构编号 {existing.id}）")
        limits = limit_failures(session, data, pack)
        if limits:
            raise ApplicationError("申请超出政策限制，不予受理：" + "；".join(f["message"] for f in limits))
        institution = create_institution(session, data, pack_id, load_clock(session).now())
        return start_in_session(session, institution.id, "selection", {"application": data}, actor,
                                business_key=f"selection:{data['institution']['credit_code']}")

    return run_action(actor, {"action": "apply", "credit_code": data["institution"]["credit_code"]}, body)


def file_objection(institution_id: int, name: str, contact: str, reason: str, evidence: str, actor: str) -> StepResult:
    """Deliver an objection to the open notice of an institution; refused (and recorded) when none is open."""
    missing = [label for label, value in (("实名", name), ("联系方式", contact), ("异议理由", reason)) if not value.strip()]
    if missing:
        raise StepError("异议须载明" + "、".join(missing))
    with write_session() as session:
        instance = _waiting_instance(session, institution_id)
    if instance is None:
        _record_refusal(institution_id, name, contact, reason, evidence, actor)
        raise StepError("该机构当前没有处于公示期的公示，异议不予受理（已登记备查）")

    def prepare(session: Session) -> dict[str, Any]:
        notice = session.exec(select(Notice).where(Notice.instance_id == instance.id, Notice.status == "open")).first()
        objection = Objection(notice_id=notice.id if notice else None, institution_id=institution_id, name=name,
                              contact=contact, reason=reason, evidence=evidence, received_at=load_clock(session).now())
        session.add(objection)
        session.flush()
        return {"objection_id": objection.id, "name": name, "contact": contact, "reason": reason, "evidence": evidence}

    action = {"action": "objection", "institution_id": institution_id, "name": name}
    try:
        return run_action(actor, action, lambda s: deliver_in_session(s, instance.id, "objection", prepare, actor))
    except NotWaiting:
        _record_refusal(institution_id, name, contact, reason, evidence, actor)
        raise StepError("公示期已结束，异议不予受理（已登记备查）") from None


def _waiting_instance(session: Session, institution_id: int) -> Instance | None:
    notice = session.exec(select(Notice).where(Notice.institution_id == institution_id, Notice.status == "open")
                          .order_by(col(Notice.id).desc())).first()
    return session.get(Instance, notice.instance_id) if notice else None


def _record_refusal(institution_id: int, name: str, contact: str, reason: str, evidence: str, actor: str) -> None:
    with write_session() as session:
        if session.get(Institution, institution_id) is None:
            raise StepError(f"机构 {institution_id} 不存在")
        now = load_clock(session).now()
        objection = Objection(institution_id=institution_id, name=name, contact=contact, reason=reason,
                              evidence=evidence, received_at=now, status="refused",
                              ruling="异议提出时不在公示期内，不予受理")
        session.add(objection)
        session.flush()
        audit.append(session, at=now, actor=actor, kind="objection.refused", institution_id=institution_id,
                     detail={"objection_id": objection.id, "name": name, "reason": "不在公示期内"})
