"""Handler of filing (备案): the institution code, the validity and the filed scope."""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.task import Task
from sqlmodel import select

from tasks import service
from workflows.codes import assign_code
from workflows.context import StepContext
from workflows.models import OccupationScope
from workflows.periods import validity_end


@service("filing.file")
def file_institution(ctx: StepContext, task: Task) -> dict[str, Any]:
    """Assign the code (never reused), set the validity and mark the institution 已备案."""
    pack, inst = ctx.pack, ctx.institution
    if inst.code is None:
        inst.code = assign_code(ctx.session, pack.code.letter_for(inst.kind), pack.code.ministry,
                                pack.code.province_for(inst.province))
    inst.valid_from = ctx.today
    inst.valid_until = validity_end(ctx.today, pack.validity.years, pack.validity.rule, pack.validity.pilot_end)
    for scope in ctx.session.exec(select(OccupationScope).where(OccupationScope.institution_id == inst.id,
                                                                OccupationScope.status == "applied")):
        scope.status, scope.changed_at = "filed", ctx.now
        ctx.session.add(scope)
    ctx.event("institution.filed", code=inst.code, valid_from=inst.valid_from, valid_until=inst.valid_until)
    ctx.event("state.changed", before=inst.state, after="filed")
    inst.state = "filed"
    if inst.email:
        ctx.notify("email", inst.email, "备案通知",
                   f"{inst.name}：已予备案，机构代码 {inst.code}，有效期 {inst.valid_from:%Y年%m月%d日}"
                   f"至 {inst.valid_until:%Y年%m月%d日}。")
    return {"code": inst.code, "valid_from": inst.valid_from.isoformat(), "valid_until": inst.valid_until.isoformat()}
