"""Staff actions on a filed institution, each through the write path: renewal, scope change, revocation,
and registering an institution filed before Beian (存量备案机构) so its filing period runs here."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import Session, select

from workflows import audit, specs
from workflows.applications import check_structure, create_institution
from workflows.clock import load_clock
from workflows.models import Instance, Institution, OccupationScope
from workflows.policy import get_pack, get_rubric
from workflows.writepath import StepError, StepResult, check_against_schema, run_action, start_in_session

ASSESSING_STATES = ("filed",)  # the states in which an institution may conduct assessments


def may_assess(institution: Institution) -> bool:
    """Whether the institution may conduct skill assessments now (not suspended, revoked or expired)."""
    return institution.state in ASSESSING_STATES


def _open(session: Session, institution_id: int, process_key: str) -> Instance | None:
    return session.exec(select(Instance).where(Instance.institution_id == institution_id,
                                               Instance.process_key == process_key,
                                               Instance.status == "running")).first()


def _filed(session: Session, institution_id: int, states: tuple[str, ...], what: str) -> Institution:
    inst = session.get(Institution, institution_id)
    if inst is None:
        raise StepError(f"机构 {institution_id} 不存在")
    if inst.state not in states:
        from workflows.states import state_label

        raise StepError(f"{inst.name} 当前状态为「{state_label(inst.state)}」，不能{what}")
    return inst


def import_filed(data: dict[str, Any], code: str, valid_from: date, valid_until: date, actor: str) -> StepResult:
    """Register an institution the bureau filed earlier (code and validity as on its letter) and start its period."""
    problems = check_structure(data)
    if problems:
        raise StepError("机构资料格式不正确：" + "；".join(problems))
    if valid_until < valid_from:
        raise StepError(f"有效期止 {valid_until} 早于有效期起 {valid_from}")

    def body(session: Session) -> StepResult:
        if session.exec(select(Institution).where(Institution.code == code)).first() is not None:
            raise StepError(f"机构代码 {code} 已存在")
        now = load_clock(session).now()
        inst = create_institution(session, data, str(data["pack"]), now)
        inst.code, inst.valid_from, inst.valid_until, inst.state = code, valid_from, valid_until, "filed"
        for scope in session.exec(select(OccupationScope).where(OccupationScope.institution_id == inst.id)):
            scope.status = "filed"
            session.add(scope)
        session.add(inst)
        session.flush()
        audit.append(session, at=now, actor=actor, kind="institution.filed", institution_id=inst.id,
                     detail={"code": code, "valid_from": valid_from.isoformat(), "valid_until": valid_until.isoformat(),
                             "imported": True})
        return start_in_session(session, inst.id, "filing_period", {}, actor, business_key=f"filing_period:{code}")

    return run_action(actor, {"action": "import_filed", "code": code}, body)


def start_renewal(institution_id: int, renewal: dict[str, Any], actor: str) -> StepResult:
    """Accept a renewal application (002 附件5) from `window_months` before expiry."""
    from tasks.period import renewal_window_opens

    def body(session: Session) -> StepResult:
        inst = _filed(session, institution_id, ("filed", "rectifying"), "申请续期")
        pack = get_pack(inst.pack_id)
        if pack.renewal.form:
            diagram = specs.diagram_path(pack.id, "renewal").relative_to(specs.BPMN_DIR)
            check_against_schema(specs.load_form(str(diagram), pack.renewal.form), renewal, "续期申请表（附件5）")
        opens, today = renewal_window_opens(inst, pack), load_clock(session).today()
        if today < opens:
            raise StepError(f"续期申请自 {opens:%Y年%m月%d日} 起受理（有效期至 {inst.valid_until:%Y年%m月%d日}）")
        if _open(session, institution_id, "renewal"):
            raise StepError(f"{inst.name} 已有在办的续期申请")
        return start_in_session(session, institution_id, "renewal", {"renewal": renewal}, actor)

    return run_action(actor, {"action": "renewal", "institution_id": institution_id}, body)


def start_scope_change(institution_id: int, add: list[dict[str, Any]], remove: list[str], actor: str) -> StepResult:
    """Apply to add or remove occupations/projects (002 附件3); not while suspended."""
    if not add and not remove:
        raise StepError("调整申请须至少新增或删除一个职业（项目）")

    def body(session: Session) -> StepResult:
        inst = _filed(session, institution_id, ("filed",), "调整备案范围")
        if _open(session, institution_id, "scope_change"):
            raise StepError(f"{inst.name} 已有在办的范围调整申请")
        return start_in_session(session, institution_id, "scope_change", {"scope": {"add": add, "remove": remove}},
                                actor)

    return run_action(actor, {"action": "scope_change", "institution_id": institution_id}, body)


def revoke(institution_id: int, finding_id: str, actor: str, note: str = "") -> StepResult:
    """Revoke at any time for a finding on the pack's disqualifying list (its rubrics' vetoes)."""

    def body(session: Session) -> StepResult:
        inst = _filed(session, institution_id, ("filed", "rectifying"), "撤销备案")
        findings = {f["id"]: f for f in get_pack(inst.pack_id).disqualifying}
        if not findings:
            raise StepError(f"政策包 {inst.pack_id} 未列可随时撤销备案的情形，「{finding_id}」不能作为撤销依据")
        if finding_id not in findings:
            raise StepError(f"「{finding_id}」不是政策包 {inst.pack_id} 所列的撤销情形（可选：{', '.join(findings)}）")
        finding = findings[finding_id]
        order = {"finding_id": finding_id,
                 "finding": finding["title"].rstrip("。；;") + (f"（{note}）" if note else ""),
                 "rule": f"《{get_rubric(finding['rubric']).title}》{finding['basis']}"}
        return start_in_session(session, institution_id, "revocation", {"revocation": order}, actor)

    return run_action(actor, {"action": "revoke", "institution_id": institution_id, "finding": finding_id}, body)
