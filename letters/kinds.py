"""The catalogue of document kinds: id, Chinese title, template, the seed it follows, required context.

Every kind also needs the common context built by `letters.context.build_context`:
`bureau` {name, doc_prefix, seal_name, contact {department, phone, address}}, `basis` (the policy
document the letter cites), `institution` {name, code, address, head, credit_code, kind_label,
contact_name, contact_phone, email, occupations [{code, name, levels, level_label}]}, `valid_from`,
`valid_until` and `issued_on` (dates). `number` is set when issuing; without it the render is a preview.
"""

from __future__ import annotations

from dataclasses import dataclass

COMMON_KEYS: tuple[str, ...] = (
    "bureau.name", "bureau.doc_prefix", "bureau.seal_name", "basis", "issued_on",
    "institution.name", "institution.code", "institution.address", "institution.credit_code",
    "institution.kind_label", "institution.occupations",
)


@dataclass(frozen=True)
class Kind:
    """One kind of document the lifecycle issues."""

    id: str
    title: str  # Chinese name of the document
    template: str  # file under letters/templates (or a policy owner's override folder)
    seed: str  # which seed and annex the wording follows
    layout: str  # letter (函/通知, red masthead) | notice (公示) | form (filled 附件 form)
    keys: tuple[str, ...] = ()  # kind-specific context keys, dotted for nested ones

    @property
    def required(self) -> tuple[str, ...]:
        return COMMON_KEYS + self.keys


_ALL = [
    Kind("approval", "同意开展专项职业能力考核工作的函", "approval.html", "002 附件2、附件2-1", "letter",
         ("valid_from", "valid_until")),
    Kind("scope_change", "同意调整专项职业能力考核范围信息的函", "scope_change.html", "002 附件3、附件3-1",
         "letter", ("valid_from", "valid_until", "changes")),
    Kind("renewal_sheet", "专项职业能力考核机构续期评估明细表", "renewal_sheet.html", "002 附件4", "form",
         ("assessed_on", "rubric", "total", "disqualifiers", "experts")),
    Kind("renewal_application", "专项职业能力考核机构备案续期申请表", "renewal_application.html", "002 附件5",
         "form", ("valid_from", "valid_until", "renewal")),
    Kind("group_feedback", "续期评估组意见反馈表", "group_feedback.html", "002 附件6", "form",
         ("expert_scores", "combined_score", "result", "opinion")),
    Kind("renewal_approval", "同意继续开展专项职业能力考核工作的函", "renewal_approval.html",
         "002 附件7、附件7-1", "letter", ("valid_from", "valid_until")),
    Kind("revocation", "撤销专项职业能力考核机构备案的函", "revocation.html", "002 附件8", "letter",
         ("finding", "rule")),
    Kind("revocation_notice", "撤销备案通知", "revocation_notice.html",
         "002 附件8（通用措辞）；004 第十八、十九条", "letter", ("finding", "rule")),
    Kind("pilot_cancelled", "试点资格取消公告", "pilot_cancelled.html", "003 五(三)", "notice", ("finding", "rule")),
    Kind("filing_receipt", "职业技能等级评价机构备案回执", "filing_receipt.html",
         "003 四(四)（试点）；其余政策包通用措辞", "letter", ("valid_from", "valid_until", "pilot")),
    Kind("selection_notice", "社会培训评价组织遴选结果公示", "selection_notice.html", "003 四(三)", "notice",
         ("entries", "notice_start", "notice_end", "notice_days")),
    Kind("grade_notice_public", "职业技能鉴定评价机构评估结果公示", "grade_notice_public.html",
         "004 第十二条、第十三条", "notice",
         ("assessment_year", "entries", "notice_start", "notice_end", "notice_days")),
    Kind("grade_notice", "职业技能鉴定评价机构评估等级通知", "grade_notice.html", "004 第七条、第十四至十九条",
         "letter", ("assessment_year", "score", "grade")),
    Kind("rectification", "限期整改通知", "rectification.html", "004 第十八条、第二十条", "letter",
         ("findings", "deadline", "reason")),
    Kind("rejection", "备案申请不予通过通知", "rejection.html", "000/001/002/003 申报条件", "letter",
         ("stage", "failed_conditions")),
    Kind("objection_received", "异议受理通知", "objection_received.html", "004 第十二条、第十三条", "letter",
         ("objection.name", "objection.received_on", "objection.reason", "notice_title")),
    Kind("objection_ruling", "异议复核结果告知书", "objection_ruling.html", "004 第十三条", "letter",
         ("objection.name", "objection.received_on", "objection.reason", "notice_title", "upheld",
          "ruling_text")),
]

KINDS: dict[str, Kind] = {kind.id: kind for kind in _ALL}
