"""Handlers of expert review: drawing the panel, checking a score sheet, combining the scores."""

from __future__ import annotations

import random
from datetime import datetime
from typing import Any

from SpiffWorkflow.task import Task
from sqlmodel import Session, col, select

from tasks import form_check, service
from workflows.context import StepContext
from workflows.models import ConflictDeclaration, Expert, Instance, Institution, ScoreSheet
from workflows.policy import get_pack, get_rubric, score_sheets
from workflows.writepath import InputError, StepError


def rubric_for(pack: Any, process_key: str, institution: Institution) -> str:
    """The rubric a process scores with: selection, renewal, or the assessment rubric of the licence family."""
    if process_key == "assessment":
        family = institution.application.get("facts", {}).get("licence_family", "")
        rubric = pack.assessment.rubrics.get(family)
    else:
        rubric = {"selection": pack.selection.rubric, "renewal": pack.renewal.rubric}.get(process_key)
    if not rubric:
        raise StepError(f"政策包 {pack.id} 未配置 {process_key} 流程的评分细则")
    return rubric


def _pool(ctx: StepContext) -> tuple[list[str], set[str]]:
    """The province's active experts, and those who declared a conflict with this institution."""
    conflicted = set(ctx.session.exec(select(ConflictDeclaration.expert_username).where(
        ConflictDeclaration.institution_id == ctx.institution.id)))
    pool = sorted(e.username for e in ctx.session.exec(select(Expert).where(
        col(Expert.active).is_(True), Expert.province == ctx.institution.province)))
    return pool, conflicted


def _sample(ctx: StepContext, candidates: list[str], size: int, conflicted: set[str]) -> list[str]:
    if len(candidates) < size:
        raise StepError(f"{ctx.institution.province} 专家库可抽取专家 {len(candidates)} 名，少于所需 {size} 名"
                        f"（已回避 {len(conflicted)} 名）")
    return sorted(random.Random(f"{ctx.instance.id}:{ctx.instance.row_version}").sample(candidates, size))


@service("panel.draw")
def draw_panel(ctx: StepContext, task: Task) -> list[str]:
    """Draw at least the pack's panel size from the pool, excluding declared conflicts."""
    pool, conflicted = _pool(ctx)
    drawn = _sample(ctx, [u for u in pool if u not in conflicted], ctx.pack.selection.panel_min, conflicted)
    task.data.pop("sheets", None)  # a new round (after an upheld objection) starts with no sheets
    ctx.event("panel.drawn", experts=drawn, pool=len(pool), excluded=sorted(conflicted & set(pool)))
    return drawn


def replacement(ctx: StepContext, task: Task) -> str:
    """One more expert for a panel member who recused: not conflicted, not already on the panel."""
    pool, conflicted = _pool(ctx)
    panel = set(task.data.get("panel", []))
    return _sample(ctx, [u for u in pool if u not in conflicted and u not in panel], 1, conflicted)[0]


@form_check("score_sheet.schema.json")
def check_sheet(session: Session, instance: Instance, data: dict[str, Any]) -> None:
    """A sheet must fit its rubric (ids, maxima, ranges, 基本符合 points); errors name the item."""
    institution = session.get(Institution, instance.institution_id)
    rubric = rubric_for(get_pack(institution.pack_id), instance.process_key, institution)
    try:
        score_sheets(rubric, [{"expert": "本表", **data}])
    except ValueError as exc:
        raise InputError(str(exc), {"scores": str(exc)}) from exc


@service("review.combine")
def combine(ctx: StepContext, task: Task) -> dict[str, Any]:
    """Combine the panel's sheets with the rubric engine and store each sheet."""
    rubric_id = rubric_for(ctx.pack, ctx.instance.process_key, ctx.institution)
    sheets = [{"expert": s["by"], "scores": s.get("scores", {}), "vetoes": s.get("vetoes", []),
               "bonus": s.get("bonus", {})} for s in task.data["sheets"]]
    result = score_sheets(rubric_id, sheets).to_dict()
    rubric_hash = get_rubric(rubric_id).hash
    for sheet in task.data["sheets"]:
        ctx.session.add(ScoreSheet(instance_id=ctx.instance.id, institution_id=ctx.institution.id,
                                   rubric_id=rubric_id, rubric_hash=rubric_hash, expert=sheet["by"],
                                   scores=sheet.get("scores", {}), vetoes=sheet.get("vetoes", []),
                                   bonus=sheet.get("bonus", {}), comment=sheet.get("comment", ""),
                                   submitted_at=datetime.fromisoformat(sheet["at"])))
    ctx.event("review.combined", rubric=rubric_id, total=result["total"], passed=result["passed"],
              grade=result["grade"], divergent=result["divergent"], vetoed=result["vetoed"])
    return result
