"""Handler of revocation (撤销备案): the institution stops assessing; its open processes end cleanly."""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.task import Task

from tasks import service
from tasks.lifecycle import change_state, end_others, notify_institution, origin
from workflows.context import StepContext


@service("revocation.apply")
def apply(ctx: StepContext, task: Task) -> dict[str, Any]:
    """Revoke: state 已撤销, every other open process ended and recorded, the institution told."""
    order = task.data["revocation"]
    ended = end_others(ctx, f"撤销备案：{order['finding']}", keep=origin(task))
    ctx.instance.paused_since = None
    change_state(ctx, "revoked", reason=order["finding"])
    ctx.institution.renewal_exempt = False
    ctx.event("institution.revoked", finding=order["finding"], rule=order["rule"],
              finding_id=order.get("finding_id"), ended=ended)
    notify_institution(ctx, "撤销备案通知", f"因{order['finding']}，撤销备案。自即日起停止一切评价活动，"
                       "并做好历史证书查询、档案管理和参评人员服务等后续工作。")
    return {"on": ctx.today.isoformat(), "ended": ended,
            "letter": {"finding": order["finding"], "rule": order["rule"]}}
