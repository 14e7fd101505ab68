"""Handlers of the public notice (公示) and of objections to it."""

from __future__ import annotations

from datetime import date
from typing import Any

from SpiffWorkflow.task import Task
from sqlmodel import select

from tasks import service
from workflows.context import StepContext
from workflows.models import Notice, Objection, OccupationScope
from workflows.periods import working_day_period


@service("notice.publish")
def publish(ctx: StepContext, task: Task) -> dict[str, Any]:
    """Publish the selection result for the pack's period in working days."""
    pack = ctx.pack
    closes_on, closes_at = working_day_period(ctx.calendar, ctx.today, pack.notice.selection_working_days,
                                              pack.notice.counting)
    scope = ctx.session.exec(select(OccupationScope).where(OccupationScope.institution_id == ctx.institution.id,
                                                           OccupationScope.status != "removed")).all()
    notice = Notice(institution_id=ctx.institution.id, instance_id=ctx.instance.id, kind="selection",
                    title=f"{ctx.institution.name} 遴选结果公示", published_on=ctx.today, closes_on=closes_on,
                    status="open", content={"occupations": [{"code": s.code, "name": s.name, "levels": s.levels}
                                                            for s in scope],
                                            "working_days": pack.notice.selection_working_days,
                                            "counting": pack.notice.counting})
    ctx.session.add(notice)
    ctx.session.flush()
    ctx.event("notice.published", notice_id=notice.id, published_on=ctx.today, closes_on=closes_on)
    return {"notice_id": notice.id, "published_on": ctx.today.isoformat(), "closes_on": closes_on.isoformat(),
            "closes_at": closes_at.isoformat()}


def _notice(ctx: StepContext, task: Task) -> Notice:
    return ctx.session.get(Notice, task.data["notice"]["notice_id"])


@service("notice.close")
def close(ctx: StepContext, task: Task) -> dict[str, Any]:
    """The period ended: the notice closes and later objections are refused."""
    notice = _notice(ctx, task)
    notice.status = "closed"
    ctx.session.add(notice)
    ctx.event("notice.closed", notice_id=notice.id, closes_on=notice.closes_on)
    return {"outcome": "closed", "closed_on": ctx.today.isoformat()}


@service("notice.withdraw")
def withdraw(ctx: StepContext, task: Task) -> dict[str, Any]:
    """An objection was upheld: the notice is withdrawn and the case goes back to review."""
    notice = _notice(ctx, task)
    notice.status = "withdrawn"
    ctx.session.add(notice)
    ctx.event("notice.withdrawn", notice_id=notice.id)
    return {"outcome": "upheld", "withdrawn_on": ctx.today.isoformat()}


@service("objection.rule")
def rule(ctx: StepContext, task: Task) -> dict[str, Any]:
    """Record the reviewer's ruling on the objection and answer the objector (004 第十三条)."""
    objection = ctx.session.get(Objection, task.data["objection"]["objection_id"])
    objection.status = "upheld" if task.data["upheld"] else "dismissed"
    objection.ruling = task.data["ruling"]
    objection.ruled_by = ctx.actor
    objection.ruled_at = ctx.now
    ctx.session.add(objection)
    ctx.event("objection.ruled", objection_id=objection.id, upheld=task.data["upheld"], ruling=objection.ruling)
    ctx.notify("inbox" if "@" not in objection.contact else "email", objection.contact,
               "异议复核结果告知",
               f"{objection.name}：您对「{ctx.institution.name}」公示提出的异议，经复核"
               f"{'成立' if task.data['upheld'] else '不成立'}。复核意见：{objection.ruling}")
    return {"objection_id": objection.id, "upheld": bool(task.data["upheld"]), "on": date.isoformat(ctx.today)}
