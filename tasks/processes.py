"""Handler that starts another process for the same institution, inside the same transaction."""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.task import Task

from tasks import service
from workflows.context import StepContext


@service("process.start")
def start(ctx: StepContext, task: Task, process: str, data: dict[str, Any] | None = None) -> dict[str, Any]:
    """Start `process` (a process key, e.g. 'filing_period') for this institution."""
    from workflows.writepath import start_in_session

    result = start_in_session(ctx.session, ctx.institution.id, process, data or {}, ctx.actor)
    ctx.event("process.spawned", process=process, instance_id=result.instance_id)
    return {"process": process, "instance_id": result.instance_id}
