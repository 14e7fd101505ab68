"""Handlers of renewal (续期, 002 附件4–7): route, the expert group's result, the new validity or the lapse."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from SpiffWorkflow.task import Task

from tasks import service
from tasks.lifecycle import end_others, notify_institution, staff_inbox
from tasks.period import is_pilot_filing
from workflows.context import StepContext
from workflows.periods import validity_end
from workflows.policy import get_rubric
from workflows.writepath import StepError


@service("renewal.check")
def check(ctx: StepContext, task: Task) -> dict[str, Any]:
    """优秀 earlier → exempt from technical evaluation; else the pack's renewal rubric, or a reviewer's decision."""
    inst, pack = ctx.institution, ctx.pack
    if is_pilot_filing(inst, pack):
        raise StepError(f"{inst.name} 为试点备案，试点结束后进行综合评估（003 §五(三)），不适用续期申请")
    if inst.renewal_exempt and pack.renewal.exempt_grades:
        route, why = "exempt", f"年度评估等级为{inst.last_grade or '优秀'}，免于技术评估"
    elif pack.renewal.rubric:
        route, why = "experts", f"按 {pack.renewal.rubric} 开展续期评估"
    else:
        route, why = "review", "政策包未设续期评分细则，由审核人审核"
    ctx.event("renewal.routed", route=route, reason=why)
    return {"route": route, "reason": why}


@service("renewal.review")
def review(ctx: StepContext, task: Task) -> dict[str, Any]:
    """The group's result (附件6); any 不合格项 is reported to the city bureau at once (附件6 备注2)."""
    result = task.data["review"]
    rubric = get_rubric(result["rubric"])
    verdict = "合格" if result["passed"] else "不合格"
    if result.get("report_to"):
        vetoes = [v.title for v in rubric.vetoes if v.id in result["vetoed"]]
        ctx.notify("inbox", staff_inbox("reviewer", ctx.institution.city), "续期评估发现不合格项",
                   f"{ctx.institution.name}（{ctx.institution.code}）续期评估发现不合格项：" + "；".join(vetoes))
        ctx.event("renewal.disqualifier_reported", report_to=result["report_to"], vetoes=result["vetoed"])
    sheet = [{"name": s.title, "max": float(s.max), "groups": [{"name": s.title, "rows": [
        {"text": i.title, "max": float(i.max), "score": result["items"].get(i.id, 0)} for i in s.items]}]}
        for s in rubric.sections]
    letter = {"assessed_on": ctx.today.isoformat(), "rubric": sheet, "total": result["total"],
              "disqualifiers": [{"text": v.title, "ticked": v.id in result["vetoed"]} for v in rubric.vetoes],
              "experts": [e["expert"] for e in result["experts"]],
              "expert_scores": [{"name": e["expert"], "score": e["total"]} for e in result["experts"]],
              "combined_score": result["total"], "result": verdict,
              "opinion": "；".join(result.get("reasons") or []) or f"综合得分 {result['total']} 分，评估{verdict}。"}
    ctx.event("renewal.reviewed", total=result["total"], result=verdict)
    return {"result": verdict, "letter": letter}


@service("renewal.approve")
def approve(ctx: StepContext, task: Task) -> dict[str, Any]:
    """A new validity follows the old one, code unchanged; the old filing period ends (a new one starts next)."""
    inst, pack = ctx.institution, ctx.pack
    before = (inst.valid_from, inst.valid_until)
    start = inst.valid_until + timedelta(days=1)
    inst.valid_from, inst.valid_until = start, validity_end(start, pack.validity.years, pack.validity.rule)
    exempt_used, inst.renewal_exempt = inst.renewal_exempt, False
    ended = end_others(ctx, "续期后开始新的有效期", process="filing_period")
    ctx.event("institution.renewed", code=inst.code, before=before, valid_from=inst.valid_from,
              valid_until=inst.valid_until, exempt=exempt_used, ended=ended)
    notify_institution(ctx, "续期通知", f"同意继续开展评价工作，机构代码 {inst.code} 不变，有效期至 {inst.valid_until:%Y年%m月%d日}。")
    return {"valid_from": inst.valid_from.isoformat(), "valid_until": inst.valid_until.isoformat(),
            "letter": {"valid_from": inst.valid_from.isoformat(), "valid_until": inst.valid_until.isoformat()}}


@service("renewal.refuse")
def refuse(ctx: StepContext, task: Task) -> dict[str, Any]:
    """Not renewed: the filing lapses when the current validity ends."""
    ctx.event("renewal.refused", valid_until=ctx.institution.valid_until)
    notify_institution(ctx, "不予续期通知",
                       f"续期评估未通过，备案将于 {ctx.institution.valid_until:%Y年%m月%d日} 有效期届满时失效。")
    return {"on": ctx.today.isoformat()}
