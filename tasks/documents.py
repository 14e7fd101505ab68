"""Handler that issues the documents a lifecycle step calls for (the pack's letter set)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

from SpiffWorkflow.task import Task

from letters import issue_document
from letters.context import build_context
from tasks import service
from tasks.selection import rejection_reasons
from workflows.context import StepContext
from workflows.models import Objection

CaseData = Callable[[StepContext, Task], dict[str, Any]]


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _selection_notice(ctx: StepContext, task: Task) -> dict[str, Any]:
    notice = task.data["notice"]
    occupations = [{"code": o["code"], "name": o["name"], "levels": o.get("levels", [])}
                   for o in ctx.institution.application.get("occupations", [])]
    return {"entries": [{"name": ctx.institution.name, "occupations": occupations}],
            "notice_start": _day(notice["published_on"]), "notice_end": _day(notice["closes_on"]),
            "notice_days": ctx.pack.notice.selection_working_days}


def _basis(ctx: StepContext, basis: str) -> str:
    """A rule's basis as a reader sees it: the pack's document name instead of the seed file name."""
    return re.sub(r"^\d{3}_[0-9a-f]+\.txt\s*", f"《{ctx.pack.name}》", basis)


def _finding(failure: dict[str, Any]) -> str:
    found = failure.get("found")
    values = [str(v) for v in (found.values() if isinstance(found, dict) else [found]) if v not in (None, "")]
    return "不符合" + (f"（申报材料所载：{'；'.join(values)}）" if values else "（申报材料未提供）")


def _rejection(ctx: StepContext, task: Task) -> dict[str, Any]:
    eligibility = task.data.get("eligibility") or {}
    failed = [{"condition": f.get("title") or f.get("required", ""), "finding": _finding(f),
               "basis": _basis(ctx, f.get("basis", ""))} for f in eligibility.get("failed", [])]
    if failed:
        return {"stage": "资格条件审查", "failed_conditions": failed}
    stage = "材料审查" if "withdrawn" in task.data or task.data.get("complete") is False else "专家评审与公示"
    return {"stage": stage, "failed_conditions": [{"condition": "", "finding": reason, "basis": ctx.pack.basis}
                                                  for reason in rejection_reasons(task.data)]}


def _objection(ctx: StepContext, task: Task) -> dict[str, Any]:
    objection = ctx.session.get(Objection, task.data["objection"]["objection_id"])
    received = objection.received_at.astimezone(ctx.now.tzinfo) if objection.received_at else ctx.now
    return {"objection": {"name": objection.name, "received_on": received.date(), "reason": objection.reason},
            "notice_title": f"{ctx.institution.name}公示", "upheld": objection.status == "upheld",
            "ruling_text": objection.ruling}


def _filing_receipt(ctx: StepContext, task: Task) -> dict[str, Any]:
    """A pilot filing (003) runs to the pack's fixed end date and cites the pilot's own wording."""
    pilot_end = ctx.pack.validity.pilot_end
    return {"pilot": pilot_end is not None and ctx.institution.valid_until == pilot_end}


CASE_DATA: dict[str, CaseData] = {
    "filing_receipt": _filing_receipt,
    "selection_notice": _selection_notice,
    "rejection": _rejection,
    "objection_received": _objection,
    "objection_ruling": _objection,
}


@service("letter.issue")
def issue(ctx: StepContext, task: Task, step: str | None = None, kind: str | None = None,
          data: dict[str, Any] | None = None) -> list[dict[str, str]]:
    """Issue the documents of a lifecycle `step` (from the pack's letter set) or one named `kind`."""
    kinds = [kind] if kind else list(ctx.pack.letters.get(step or "", ()))
    issued = []
    for doc_kind in kinds:
        context = build_context(ctx.session, ctx.institution.id, ctx.today)
        if doc_kind in CASE_DATA:
            context.update(CASE_DATA[doc_kind](ctx, task))
        context.update(data or {})
        document = issue_document(ctx.session, doc_kind, ctx.institution.id, context, ctx.now, ctx.actor,
                                  ctx.instance.id)
        ctx.event("document.issued", document=doc_kind, number=document.number, sha256=document.sha256)
        issued.append({"kind": doc_kind, "number": document.number})
    return issued
