"""Handlers of a scope change (002 附件3): additions within the pack's limits, code and validity unchanged."""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.task import Task
from sqlmodel import select

from tasks import service
from tasks.lifecycle import notify_institution
from workflows.applications import limit_failures
from workflows.context import StepContext
from workflows.models import OccupationScope


def _filed(ctx: StepContext) -> dict[str, OccupationScope]:
    rows = ctx.session.exec(select(OccupationScope).where(OccupationScope.institution_id == ctx.institution.id,
                                                          OccupationScope.status == "filed"))
    return {row.code: row for row in rows}


@service("scope.check")
def check(ctx: StepContext, task: Task) -> dict[str, Any]:
    """Every problem with the request, named: unknown removals, duplicates, and the 003 limits on additions."""
    change, filed, inst = task.data["scope"], _filed(ctx), ctx.institution
    problems = [f"「{o['name']}」（{o['code']}）已在备案范围内" for o in change.get("add", []) if o["code"] in filed]
    problems += [f"职业（项目）{code} 不在备案范围内，无法删除" for code in change.get("remove", []) if code not in filed]
    limit = ctx.pack.limits.max_occupations_added
    if limit and len(change.get("add", [])) > limit and inst.kind not in ctx.pack.limits.exempt_kinds:
        problems.append(f"新增职业（工种）{len(change['add'])} 个，超过上限 {limit} 个")
    request = {"institution": {"kind": inst.kind, "city": inst.city}, "occupations": change.get("add", []),
               "first_application": False}
    problems += [f["message"] for f in limit_failures(ctx.session, request, ctx.pack, exclude_institution=inst.id)]
    ctx.event("scope.checked", ok=not problems, problems=problems)
    return {"ok": not problems, "problems": problems}


@service("scope.apply")
def apply(ctx: StepContext, task: Task) -> dict[str, Any]:
    """Add and remove scope rows; the letter lists each 新增项目 / 删除项目."""
    change, filed = task.data["scope"], _filed(ctx)
    changes = []
    for occ in change.get("add", []):
        ctx.session.add(OccupationScope(institution_id=ctx.institution.id, code=occ["code"], name=occ["name"],
                                        levels=list(occ.get("levels", [])), kind=occ.get("kind", "occupation"),
                                        status="filed", changed_at=ctx.now))
        changes.append({"code": occ["code"], "name": occ["name"], "change": "新增项目"})
    for code in change.get("remove", []):
        row = filed[code]
        row.status, row.changed_at = "removed", ctx.now
        ctx.session.add(row)
        changes.append({"code": code, "name": row.name, "change": "删除项目"})
    ctx.session.flush()
    ctx.event("scope.changed", changes=changes, opinion=task.data["decision"]["opinion"])
    notify_institution(ctx, "备案范围调整通知", "同意调整备案范围：" + "；".join(f"{c['change']} {c['name']}" for c in changes))
    inst = ctx.institution
    return {"changes": changes, "letter": {"changes": changes, "valid_from": inst.valid_from.isoformat(),
                                           "valid_until": inst.valid_until.isoformat()}}


@service("scope.refuse")
def refuse(ctx: StepContext, task: Task) -> dict[str, Any]:
    """Not changed: the reasons are recorded and the institution told."""
    reasons = task.data.get("scope_check", {}).get("problems") or [task.data.get("decision", {}).get("opinion", "")]
    ctx.event("scope.refused", reasons=reasons)
    notify_institution(ctx, "备案范围调整不予同意", "；".join(reasons))
    return {"reasons": reasons}
