"""Read models assembled from projections (never from deserialized instances)."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from workflows.models import AuditEvent, Institution, Notice, Objection, OccupationScope, ScoreSheet, WorkItem
from workflows.states import state_label


def institution_view(session: Session, institution_id: int) -> dict[str, Any] | None:
    """Everything about one institution: record, scope, open tasks, notices, scores, audit trail."""
    inst = session.get(Institution, institution_id)
    if inst is None:
        return None
    scope = session.exec(select(OccupationScope).where(OccupationScope.institution_id == inst.id)).all()
    items = session.exec(select(WorkItem).where(WorkItem.institution_id == inst.id).order_by(col(WorkItem.id))).all()
    notices = session.exec(select(Notice).where(Notice.institution_id == inst.id).order_by(col(Notice.id))).all()
    objections = session.exec(select(Objection).where(Objection.institution_id == inst.id)
                              .order_by(col(Objection.id))).all()
    sheets = session.exec(select(ScoreSheet).where(ScoreSheet.institution_id == inst.id)
                          .order_by(col(ScoreSheet.id))).all()
    events = session.exec(select(AuditEvent).where(AuditEvent.institution_id == inst.id)
                          .order_by(col(AuditEvent.seq))).all()
    return {
        "id": inst.id, "name": inst.name, "kind": inst.kind, "pack": inst.pack_id, "credit_code": inst.credit_code,
        "province": inst.province, "city": inst.city, "county": inst.county, "filing_level": inst.filing_level,
        "state": inst.state, "state_label": state_label(inst.state), "code": inst.code,
        "valid_from": inst.valid_from, "valid_until": inst.valid_until, "last_grade": inst.last_grade,
        "scope": [{"code": s.code, "name": s.name, "levels": s.levels, "status": s.status} for s in scope],
        "tasks": [{"task_id": w.task_id, "task": w.task_name, "title": w.title, "role": w.role,
                   "assignee": w.assignee, "due_date": w.due_date} for w in items],
        "notices": [{"id": n.id, "kind": n.kind, "published_on": n.published_on, "closes_on": n.closes_on,
                     "status": n.status} for n in notices],
        "objections": [{"id": o.id, "name": o.name, "status": o.status, "reason": o.reason, "ruling": o.ruling,
                        "received_at": o.received_at} for o in objections],
        "scores": [{"expert": s.expert, "rubric": s.rubric_id, "scores": s.scores, "vetoes": s.vetoes,
                    "bonus": s.bonus, "submitted_at": s.submitted_at} for s in sheets],
        "events": [{"seq": e.seq, "at": e.at, "actor": e.actor, "kind": e.kind, "detail": e.detail} for e in events],
    }
