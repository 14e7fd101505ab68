"""Handlers of rectification (限期整改): suspension with its deadline, lifting it, or failing it."""

from __future__ import annotations

from datetime import date
from typing import Any

from SpiffWorkflow.task import Task

from tasks import service
from tasks.lifecycle import change_state, notify_institution, origin, pause_others, resume_others
from workflows.context import StepContext
from workflows.periods import add_months, end_of_day

RECTIFY_RULE = "《重庆市职业技能鉴定评价机构评估暂行办法》第十八条“限期内未按要求完成整改的，取消机构备案”"


@service("rectify.open")
def open_rectification(ctx: StepContext, task: Task) -> dict[str, Any]:
    """Set the deadline (pack months), suspend the institution (暂停) and pause its other cases' deadlines."""
    order = task.data["rectification"]
    months = int(order.get("months") or ctx.pack.rectification.months)
    deadline = add_months(ctx.today, months)
    paused = pause_others(ctx, "整改期间暂停评价活动", keep=origin(task))
    change_state(ctx, "rectifying", reason=order["reason"])
    ctx.event("institution.suspended", reason=order["reason"], findings=order["findings"], deadline=deadline,
              paused=paused)
    notify_institution(ctx, "限期整改通知", f"{order['reason']}，请于 {deadline:%Y年%m月%d日} 前完成整改；"
                       "整改期间暂停评价活动。")
    return {"instance_id": ctx.instance.id, "deadline_on": deadline.isoformat(),
            "deadline_at": end_of_day(deadline).isoformat(), "paused": paused,
            "letter": {"reason": order["reason"], "findings": order["findings"], "deadline": deadline.isoformat()}}


@service("rectify.lift")
def lift(ctx: StepContext, task: Task) -> dict[str, Any]:
    """Rectified in time and re-checked: the suspension ends and paused deadlines run again."""
    resumed = resume_others(ctx, "整改完成，恢复评价活动")
    change_state(ctx, "filed", reason="整改复查合格")
    ctx.event("institution.reinstated", rectified_on=task.data["rectified"]["received_on"],
              opinion=task.data["recheck"]["opinion"], resumed=resumed)
    notify_institution(ctx, "恢复评价活动通知", "整改复查合格，自即日起恢复评价活动。")
    return {"on": ctx.today.isoformat(), "resumed": resumed}


@service("rectify.fail")
def fail(ctx: StepContext, task: Task) -> dict[str, Any]:
    """Deadline passed or re-check failed: the case goes to revocation with the finding named."""
    deadline = date.fromisoformat(task.data["rect"]["deadline_on"])
    recheck = task.data.get("recheck")
    if recheck is not None and not recheck["passed"]:
        finding = f"整改复查不合格：{recheck['opinion']}"
    else:
        finding = f"未在整改期限（{deadline:%Y年%m月%d日}）内完成整改"
    ctx.event("rectification.failed", finding=finding, deadline=deadline)
    return {"finding": finding, "revocation": {"finding": finding, "rule": RECTIFY_RULE}}
