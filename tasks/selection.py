"""Handlers of the selection process: case opening, 补正 with its paused deadline, eligibility, rejection."""

from __future__ import annotations

from datetime import date
from typing import Any

from SpiffWorkflow.task import Task

from tasks import service
from workflows.applications import limit_failures
from workflows.clock import CHINA
from workflows.context import StepContext
from workflows.periods import working_day_period
from workflows.policy import check_eligibility


@service("case.open")
def open_case(ctx: StepContext, task: Task) -> dict[str, Any]:
    """Register receipt and the processing deadline (办理时限) in working days."""
    days = ctx.pack.supplement.processing_working_days
    due, _ = working_day_period(ctx.calendar, ctx.today, days, ctx.pack.notice.counting)
    ctx.event("case.opened", received_on=ctx.today, due_on=due, working_days=days)
    return {"received_on": ctx.today.isoformat(), "due_on": due.isoformat()}


@service("supplement.request")
def request_supplement(ctx: StepContext, task: Task) -> dict[str, Any]:
    """Tell the applicant once what is missing, set the 补正 deadline and pause the processing clock."""
    missing = list(task.data.get("missing", []))
    last, closes_at = working_day_period(ctx.calendar, ctx.today, ctx.pack.supplement.deadline_working_days,
                                         ctx.pack.notice.counting)
    ctx.instance.paused_since = ctx.now
    ctx.event("deadline.paused", reason="补正", since=ctx.today, supplement_deadline=last, missing=missing)
    if ctx.institution.email:
        ctx.notify("email", ctx.institution.email, "补正材料告知",
                   f"{ctx.institution.name}：您的申报材料需补正，请于 {last:%Y年%m月%d日} 前提交：" + "、".join(missing))
    return {"missing": missing, "deadline_on": last.isoformat(), "deadline_at": closes_at.isoformat()}


@service("supplement.resume")
def resume_case(ctx: StepContext, task: Task) -> dict[str, Any]:
    """Restart the processing clock: the deadline moves by the working days the 补正 took."""
    case = task.data["case"]
    paused_on = ctx.instance.paused_since.astimezone(CHINA).date() if ctx.instance.paused_since else ctx.today
    used = ctx.calendar.workdays_between(paused_on, ctx.today)
    old_due = date.fromisoformat(case["due_on"])
    new_due = ctx.calendar.add_workdays(old_due, used) if used else old_due
    case["due_on"] = new_due.isoformat()
    ctx.instance.paused_since = None
    ctx.event("deadline.resumed", paused_from=paused_on, resumed_on=ctx.today, paused_workdays=used,
              due_before=old_due, due_after=new_due)
    return {"paused_workdays": used, "due_on": new_due.isoformat()}


@service("supplement.expired")
def supplement_expired(ctx: StepContext, task: Task) -> dict[str, Any]:
    """The 补正 deadline passed: the application counts as withdrawn."""
    ctx.instance.paused_since = None
    ctx.event("supplement.expired", deadline=task.data.get("supplement", {}).get("deadline_on"))
    return {"reason": "逾期未补正，视为撤回申请"}


@service("eligibility.check")
def eligibility(ctx: StepContext, task: Task) -> dict[str, Any]:
    """The pack's hard conditions and the pack-level limits, every failure named."""
    result = check_eligibility(ctx.institution.pack_id, ctx.institution.application, on=ctx.today).to_dict()
    limits = limit_failures(ctx.session, ctx.institution.application, ctx.pack, exclude_institution=ctx.institution.id)
    result["failed"].extend(limits)
    result["eligible"] = not result["failed"]
    ctx.event("eligibility.checked", eligible=result["eligible"], failed=[f["id"] for f in result["failed"]])
    return result


def rejection_reasons(data: dict[str, Any]) -> list[str]:
    """Why the case ends without filing, read from what the process recorded."""
    if "withdrawn" in data:
        return [data["withdrawn"]["reason"]]
    if data.get("complete") is False:
        return ["补正后申报材料仍不齐全：" + "、".join(data.get("missing", []) or ["（未列明）"])]
    eligibility_result = data.get("eligibility") or {}
    if eligibility_result and not eligibility_result.get("eligible"):
        return [f"{f['id']} {f['message']}" for f in eligibility_result.get("failed", [])]
    review = data.get("review") or {}
    if review and not review.get("passed"):
        return ["专家评审未通过：" + "；".join(review.get("reasons", []) or [f"综合得分 {review.get('total')}"])]
    return ["公示期内异议成立，经复核不予备案"]


@service("rejection.record")
def record_rejection(ctx: StepContext, task: Task) -> dict[str, Any]:
    """Record the reasons and close the case as not filed."""
    reasons = rejection_reasons(task.data)
    ctx.instance.paused_since = None
    ctx.event("case.rejected", reasons=reasons)
    ctx.event("state.changed", before=ctx.institution.state, after="rejected")
    ctx.institution.state = "rejected"
    if ctx.institution.email:
        ctx.notify("email", ctx.institution.email, "不予备案通知", f"{ctx.institution.name}：" + "；".join(reasons))
    return {"reasons": reasons, "on": ctx.today.isoformat()}
