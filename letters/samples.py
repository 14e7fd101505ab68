"""Sample kind-specific data so any kind can be previewed for any institution (`beian letter render`).

Issued documents get their data from the case; these samples only fill what a preview lacks.
The renewal sheet carries the full rubric and disqualifier list of 002 附件4.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from typing import Any

# 002 附件4: (一级指标, 分值, [(二级指标, [(评分标准, 分值), …]), …])
RENEWAL_RUBRIC: list[tuple[str, int, list[tuple[str, list[tuple[str, int]]]]]] = [
    ("机构信用", 3, [("基本情况", [
        ("机构证照（企业营业执照/民办非企业资质证书/组织机构代码证）等资料齐备。", 1),
        ("近三年内无市场监管、税务、人力资源社会保障、民政等部门所作的行政处罚或其它违规处理记录。", 1),
        ("备案考核项目与机构经营范围相匹配。", 1)])]),
    ("管理制度", 5, [
        ("考核管理制度", [("建立考务管理、资源管理（含命题和题库管理）、质量管理（含投诉举报、考生诉求处理）、"
                     "考评工作人员和专家管理、证书管理等考核工作管理制度。", 3)]),
        ("内部管理制度", [("建立工作人员管理、财务和收费管理、档案记录管理、安全保密管理、应急预案、"
                     "廉政风险防控和宣传等内部管理制度。", 2)])]),
    ("场地设备", 9, [
        ("办公场所", [("具备满足考核工作需要的办公场所及配套设施，包括但不限于试卷印制和存储、保密和档案存储等场所。", 2)]),
        ("场地设施设备", [
            ("场地设施设备符合专项职业能力考核规范要求，场地环境、设施设备、工具量具、材料物品等满足备案考核项目考核需要。", 3),
            ("电子监控设备覆盖每个工位及整个考核场地区域。", 2),
            ("场地设施设备承载量与考核服务规模相匹配。", 2)])]),
    ("人员配备", 10, [
        ("考评人员", [("按照专项职业能力考核规范要求配备考评人员，考评人员资质合规、数量与考核服务规模相匹配。", 4)]),
        ("内督人员", [("配备内部质量督导人员，督导人员资质合规、数量与考核服务规模相匹配。其中专职人员不少于2名，"
                   "应与机构签订劳动合同，并缴纳社会保险。", 3)]),
        ("考务人员", [("配备考务人员，考务人员数量、能力符合实际工作需要。其中专职人员不少于2名，"
                   "应与机构签订劳动合同，并缴纳社会保险。", 3)])]),
    ("题库资源", 10, [
        ("命题专家", [("配备与备案考核项目相匹配的命题专家，命题专家资质合规、数量合理，能够满足题库建设工作需要。", 3)]),
        ("题库建设", [("题库建设符合专项职业能力考核规范要求，试题试卷编制科学、内容正确、数量充足、质量稳定，"
                   "建立试题反馈修订机制。", 5)]),
        ("试题试卷管理", [("试题试卷管理符合相关技术要求和安全保密要求，专人负责试题试卷保存、运送、发收，"
                     "有符合规定的保存场所和交接程序。", 2)])]),
    ("考核组织实施", 32, [
        ("考核方案制定", [
            ("每个考核批次在考前至少5个工作日制定考核计划，考核规模与备案范围及场地设施设备承载量相匹配。", 2),
            ("每个考核批次有具体可行、规范完整的实施方案，方案内场地设施设备、考评员督导员等工作人员、"
             "考核时间和方式等要件齐全，与考核服务规模相匹配。", 2)]),
        ("报名资质审核", [("有报名资质审核机制。", 1), ("考生资质符合专项职业能力考核工作要求。", 2),
                     ("考生性别、年龄等情况与所报考考核项目相匹配。", 2)]),
        ("考核方式、内容和时长", [("按照专项职业能力考核规范规定的考核方式进行考核。", 2),
                          ("按照专项职业能力考核规范规定的考核内容、考核时长进行考核。", 3)]),
        ("考核工作情况", [("考评人员、监考人员人数符合专项职业能力考核工作要求，分工合理，职责清晰。", 2),
                     ("考核组织过程公正、有序。", 2), ("严格按照评分标准逐项评分。", 3),
                     ("每位考评人员单独记录评分表，评分表记录完整、规范；每位考生的实际操作有3名考评员签字。", 5)]),
        ("质量督导", [("内部督导人员安排及工作程序符合相关规定和要求。", 1),
                   ("内部督导人员履职尽责，认真记录质量督导情况。", 2)]),
        ("考生成果成绩管理", [("考生成果（含答卷、作品、工件等）保存和成绩核定等管理工作规范。", 3)])]),
    ("证书管理", 4, [
        ("证书核发", [("证书制作、打印、盖章与发放准确、及时。", 2)]),
        ("数据上网", [("证书数据管理规范，上传山东省技能人才评价工作网准确、完整、及时。", 2)])]),
    ("档案管理", 8, [
        ("档案内容", [("考核计划、考核方案、考生资格审核、考务过程记录、考核评分记录、考核结果记录、数据审核传送记录、"
                   "督导记录等档案材料真实、准确、完整。", 4)]),
        ("保存使用", [("纸质档案资料和电子档案资料（含考核现场视频）妥善保存、规范使用。", 4)])]),
    ("信息公开", 4, [
        ("计划发布", [("公开发布年度计划公告，严格按计划开展工作。", 1)]),
        ("收费管理", [("公开发布收费标准，严格按标准执行。", 1)]),
        ("考核结果", [("公示考核结果，每个考核批次的结果公示时间不少于5个工作日。", 1)]),
        ("监督投诉渠道", [("设立并公示投诉监督渠道，投诉受理及时、规范。", 1)])]),
    ("工作质量管控", 15, [
        ("考核活动", [("机构在备案考核项目和地域范围内开展考核活动。", 2), ("机构备案考核项目全部开展考核。", 2)]),
        ("考生身份", [("抽查考生身份信息未发现异常情况。", 2)]),
        ("视频监控", [("抽查考核过程视频监控，考核现场秩序良好，符合相关管理规定。", 4)]),
        ("考生满意度", [("电话回访考生，考生对机构的工作程序、工作态度、工作质量、信息公开、社会影响力和诚信度的"
                    "满意程度较高。", 3)]),
        ("信息平台使用", [("抽查机构使用职业技能等级评价综合管理平台情况，平台内机构信息更新及时，"
                     "全部考核批次的考核工作信息按要求进行线上提报。", 2)])]),
]

RENEWAL_DISQUALIFIERS = [
    "备案申请或总结报告中故意提供虚假承诺、虚假资料。",
    "开展考核项目严重超出备案范围，造成不良影响的。",
    "违规收取加盟费、报名费、贩卖专项职业能力证书等。",
    "为考生或协助考生伪造申报资料或证件，纵容考生违规报名。",
    "存在考场秩序混乱，私自降低考试要求，泄露试题等组织舞弊行为。",
    "篡改上报证书数据等证书数据造假。",
    "违反属地化管理要求，以任何形式在异地开展考核等其他有关严重情况。",
    "存在“包过”“保过”“价格低”等虚假宣传、违规使用有关字样和标志等“山寨证书”内容。",
    "备案期限内未开展考核工作。",
    "留存资料严重不完整（影像资料不完整、不清晰，纸质资料破损、缺失）或存在篡改，无法作为考核工作评估依据。",
]


def three_year_validity(start: date) -> tuple[date, date]:
    """Shandong validity: from the first of `start`'s month through the end of the month before, 3 years on."""
    first = start.replace(day=1)
    end_month = first.replace(year=first.year + 3) - timedelta(days=1)
    return first, end_month.replace(day=calendar.monthrange(end_month.year, end_month.month)[1])


def renewal_rubric(deductions: dict[str, float] | None = None) -> tuple[list[dict[str, Any]], float]:
    """The 附件4 rubric as template data, full marks except `deductions` (criterion text prefix -> points)."""
    deductions = deductions or {}
    sections, total = [], 0.0
    for name, points, groups in RENEWAL_RUBRIC:
        section = {"name": name, "max": points, "groups": []}
        for group, items in groups:
            rows = []
            for text, item_max in items:
                score = item_max - next((d for k, d in deductions.items() if text.startswith(k)), 0)
                total += score
                rows.append({"text": text, "max": item_max, "score": score})
            section["groups"].append({"name": group, "rows": rows})
        sections.append(section)
    return sections, int(total) if total.is_integer() else total


def sample_context(kind_id: str, base: dict[str, Any]) -> dict[str, Any]:
    """`base` (from `build_context`) completed with plausible data for `kind_id`."""
    issued_on: date = base["issued_on"]
    inst = base["institution"]
    ctx = dict(base)
    if not ctx.get("valid_from") or not ctx.get("valid_until"):
        ctx["valid_from"], ctx["valid_until"] = three_year_validity(issued_on)
    occupations = inst["occupations"] or [{"code": "S0000", "name": "（示例项目）", "levels": []}]
    inst = ctx["institution"] = {**inst, "occupations": occupations}
    notice_end = issued_on + timedelta(days=9)
    rubric, total = renewal_rubric({"电子监控设备": 1, "每位考评人员单独记录评分表": 2, "电话回访考生": 1})
    objection = {"name": "张某某", "received_on": issued_on - timedelta(days=3),
                 "reason": "该机构评估期间实际操作考核场地不足，评分偏高。"}
    samples: dict[str, dict[str, Any]] = {
        "scope_change": {"changes": [
            {"name": occupations[0]["name"], "change": "新增项目"},
            {"name": "中式面点制作", "change": "删除项目"}]},
        "renewal_sheet": {
            "assessed_on": issued_on, "rubric": rubric, "total": total, "experts": ["李明", "王芳", "赵强"],
            "disqualifiers": [{"text": t, "ticked": False} for t in RENEWAL_DISQUALIFIERS]},
        "renewal_application": {"renewal": {
            "contact_name": inst.get("contact_name") or "刘洋", "contact_title": "考务部主任",
            "phone": inst.get("contact_phone") or "0531-12333", "email": inst.get("email") or "kaowu@example.cn",
            "entity_changed": False, "entity_changes": "", "credit_good": True, "assessed": True,
            "first_assessment_on": ctx["valid_from"] + timedelta(days=45),
            "projects": [{"name": o["name"], "assessed": 320, "certified": 281} for o in occupations],
            "site_owned": False, "site_address": inst["address"],
            "staff": {"evaluators": 9, "supervisors": 2, "item_writers": 4, "workers": 6},
            "banks": [{"name": o["name"], "paper_sets": 6, "questions": 180} for o in occupations],
            "summary": "备案期内严格执行考核工作规程，完善题库建设和考务管理，全部考核批次按要求公示结果、上传证书数据。",
            "plan": "未来三年稳步扩大考核服务规模，加强考评人员培训和内部质量督导，提升考核质量。",
            "problems": "考评人员流动性较大，建议加强考评人员统一培训。"}},
        "group_feedback": {
            "expert_scores": [{"name": "李明", "score": 92}, {"name": "王芳", "score": 90}, {"name": "赵强", "score": 94}],
            "combined_score": 92, "result": "合格",
            "opinion": "机构制度健全，考核组织规范；建议进一步完善考生满意度回访记录。"},
        "revocation": {"finding": "备案期限内未开展考核工作",
                       "rule": "《专项职业能力考核机构续期评估明细表》不合格项第9项及" + base["basis"]},
        "revocation_notice": {"finding": "存在考场秩序混乱、私自降低考核要求等组织舞弊行为",
                              "rule": base["basis"] + "有关撤销备案情形"},
        "pilot_cancelled": {"finding": "试点期间考评人员配备不足，部分批次未按规定公示认定结果",
                            "rule": "第五部分第（三）项“评估不合格的，取消试点资格，并通过浙江省职业能力建设网及时公布、"
                                    "调整试点单位备案名单”"},
        "filing_receipt": {"pilot": False},
        "selection_notice": {"entries": [{"name": inst["name"], "occupations": occupations}],
                             "notice_start": issued_on, "notice_end": issued_on + timedelta(days=7),
                             "notice_days": 5},
        "grade_notice_public": {
            "assessment_year": issued_on.year - 1, "notice_start": issued_on, "notice_end": notice_end,
            "notice_days": 10,
            "entries": [{"name": inst["name"], "code": inst["code"], "kind_label": inst["kind_label"],
                         "score": 86.5, "grade": "合格"}]},
        "grade_notice": {"assessment_year": issued_on.year - 1, "score": 86.5, "grade": "合格"},
        "rectification": {
            "reason": f"你单位{issued_on.year - 1}年度评估等级为基本合格",
            "findings": ["部分考核批次未按规定时限制定评价计划。", "监控视频存档不完整。"],
            "deadline": issued_on + timedelta(days=90)},
        "rejection": {"stage": "资格审查", "failed_conditions": [
            {"condition": "考核场地面积不少于1000平方米", "finding": "申报场地面积为620平方米", "basis": "000 否决项"},
            {"condition": "专职工作人员不少于5人", "finding": "提供社保缴纳证明的专职人员3人", "basis": "000 否决项"}]},
        "objection_received": {"objection": objection, "notice_title": "评估结果和初定等级的公示"},
        "objection_ruling": {"objection": objection, "notice_title": "评估结果和初定等级的公示", "upheld": False,
                             "ruling_text": "经调阅评估记录并实地复查，该机构考核场地符合评分标准要求，评分依据充分。"},
    }
    ctx.update(samples.get(kind_id, {}))
    return ctx
