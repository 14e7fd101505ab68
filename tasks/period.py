"""Handlers of the filing period (备案有效期): reminders, the renewal window, expiry, the 003 pilot's end."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from SpiffWorkflow.task import Task

from tasks import service
from tasks.lifecycle import change_state, end_others, notify_institution
from workflows.clock import CHINA
from workflows.context import StepContext
from workflows.models import Institution, Notice
from workflows.periods import add_months, end_of_day, validity_end
from workflows.writepath import StepError

REMINDER_HOUR = time(9, 0)  # reminders go out at 09:00 China time
PILOT_RULE = "第五部分第（三）项“评估不合格的，取消试点资格，并通过浙江省职业能力建设网及时公布、调整试点单位备案名单”"


def renewal_window_opens(institution: Institution, pack: Any) -> date:
    """The first day renewal applications are accepted: `window_months` before the validity ends."""
    return add_months(institution.valid_until, -pack.renewal.window_months)


def is_pilot_filing(institution: Institution, pack: Any) -> bool:
    """A filing that ends at the pack's fixed pilot end date (003 §五(三))."""
    return pack.validity.pilot_end is not None and institution.valid_until == pack.validity.pilot_end


@service("period.open")
def open_period(ctx: StepContext, task: Task) -> dict[str, Any]:
    """The period's dates from the registry: expiry instant, renewal window, pilot or not."""
    inst = ctx.institution
    if inst.valid_until is None:
        raise StepError(f"机构 {inst.name} 没有备案有效期，不能开始有效期流程")
    period = {"valid_from": inst.valid_from.isoformat(), "valid_until": inst.valid_until.isoformat(),
              "expires_at": end_of_day(inst.valid_until).isoformat(),
              "window_opens_on": renewal_window_opens(inst, ctx.pack).isoformat(),
              "pilot": is_pilot_filing(inst, ctx.pack)}
    ctx.event("period.opened", **period)
    return period


@service("period.reminders")
def reminders(ctx: StepContext, task: Task) -> list[dict[str, Any]]:
    """The reminders still ahead: the renewal window's opening and the pack's days before expiry."""
    period = task.data["period"]
    until = date.fromisoformat(period["valid_until"])
    planned = [{"kind": "window", "on": period["window_opens_on"], "days": (until - date.fromisoformat(
        period["window_opens_on"])).days}]
    planned += [{"kind": "expiry", "on": (until - timedelta(days=days)).isoformat(), "days": days}
                for days in ctx.pack.reminders.days_before_expiry]
    ahead = []
    for item in planned:
        at = datetime.combine(date.fromisoformat(item["on"]), REMINDER_HOUR, CHINA)
        if at > ctx.now and not period["pilot"]:
            ahead.append({**item, "at": at.isoformat()})
    return sorted(ahead, key=lambda r: r["at"])


@service("period.remind")
def remind(ctx: StepContext, task: Task) -> dict[str, Any]:
    """Tell the institution and its bureau that the validity ends soon, or that renewal is open."""
    reminder, until = task.data["reminder"], ctx.institution.valid_until
    if reminder["kind"] == "window":
        subject = "备案续期申请受理提醒"
        body = f"备案有效期至 {until:%Y年%m月%d日}，自即日起可申请续期（延续备案）。"
    else:
        subject = f"备案有效期届满前 {reminder['days']} 日提醒"
        body = f"备案有效期将于 {until:%Y年%m月%d日} 届满，请及时申请续期；逾期未续期的，备案到期失效。"
    notify_institution(ctx, subject, body)
    ctx.event("period.reminded", reminder=reminder["kind"], days=reminder["days"], valid_until=until)
    return {"kind": reminder["kind"], "on": ctx.today.isoformat()}


@service("period.expire")
def expire(ctx: StepContext, task: Task) -> dict[str, Any]:
    """The validity ended without renewal: the filing lapses (已过期); its open processes end."""
    ended = end_others(ctx, "备案有效期届满未续期")
    change_state(ctx, "expired", reason="备案有效期届满未续期")
    ctx.event("institution.expired", valid_until=ctx.institution.valid_until, ended=ended)
    notify_institution(ctx, "备案到期失效通知",
                       f"备案有效期已于 {ctx.institution.valid_until:%Y年%m月%d日} 届满且未续期，备案失效，"
                       "自即日起不得开展评价活动。")
    return {"on": ctx.today.isoformat(), "ended": ended}


@service("pilot.continue")
def continue_pilot(ctx: StepContext, task: Task) -> dict[str, Any]:
    """The pilot passed its comprehensive evaluation: a regular validity follows the pilot's end."""
    inst, pack = ctx.institution, ctx.pack
    start = inst.valid_until + timedelta(days=1)
    before = inst.valid_until
    inst.valid_from, inst.valid_until = start, validity_end(start, pack.validity.years, pack.validity.rule)
    ctx.event("pilot.continued", pilot_end=before, valid_from=inst.valid_from, valid_until=inst.valid_until,
              opinion=task.data["pilot_result"]["opinion"])
    notify_institution(ctx, "试点综合评估结果", f"试点综合评估合格，继续开展评价工作，备案有效期至 {inst.valid_until:%Y年%m月%d日}。")
    return {"valid_from": inst.valid_from.isoformat(), "valid_until": inst.valid_until.isoformat()}


@service("pilot.cancel")
def cancel_pilot(ctx: StepContext, task: Task) -> dict[str, Any]:
    """The pilot failed: its status is cancelled and published (003 §五(三))."""
    opinion = task.data["pilot_result"]["opinion"]
    ended = end_others(ctx, "试点综合评估不合格，取消试点资格")
    change_state(ctx, "revoked", reason="试点综合评估不合格，取消试点资格")
    notice = Notice(institution_id=ctx.institution.id, instance_id=ctx.instance.id, kind="pilot_cancelled",
                    title=f"{ctx.institution.name} 取消试点资格", published_on=ctx.today, closes_on=ctx.today,
                    status="closed", content={"opinion": opinion, "basis": "003 §五(三)"})
    ctx.session.add(notice)
    ctx.session.flush()
    ctx.event("pilot.cancelled", notice_id=notice.id, opinion=opinion, ended=ended)
    notify_institution(ctx, "取消试点资格通知", f"试点综合评估不合格，取消试点资格并向社会公布。评估意见：{opinion}")
    return {"notice_id": notice.id, "letter": {"finding": opinion, "rule": PILOT_RULE}}

