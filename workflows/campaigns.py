"""Annual assessment campaigns (004): one assessment process per institution filed before the year."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from workflows.clock import load_clock
from workflows.db import read_session, write_session
from workflows.models import AuditEvent, Campaign, Instance, Institution, WorkItem
from workflows.policy import get_pack
from workflows.writepath import StepError, start_process

CAMPAIGN_STATES = ("filed", "rectifying")


@dataclass
class CampaignReport:
    """What starting a campaign did: how many started, how many skipped and why."""

    campaign_id: int
    year: int
    jurisdiction: str
    started: list[int] = field(default_factory=list)  # institution ids
    skipped: list[dict[str, Any]] = field(default_factory=list)  # {institution_id, name, reason}

    @property
    def skip_reasons(self) -> dict[str, int]:
        return dict(Counter(s["reason"] for s in self.skipped))


def _in_jurisdiction(jurisdiction: str) -> Any:
    return col(Institution.county).startswith(jurisdiction)


def first_filed_year(session: Session, institution_id: int) -> int | None:
    """The year the institution was first filed (renewals keep it), from its audit trail."""
    event = session.exec(select(AuditEvent).where(AuditEvent.institution_id == institution_id,
                                                  AuditEvent.kind == "institution.filed")
                         .order_by(col(AuditEvent.seq))).first()
    if event is None:
        return None
    return date.fromisoformat(str(event.detail["valid_from"])[:10]).year


def _skip_reason(session: Session, inst: Institution, year: int) -> str | None:
    pack = get_pack(inst.pack_id)
    if not pack.assessment.rubrics:
        return None  # not an assessment pack: not counted
    if inst.state not in CAMPAIGN_STATES:
        return "备案已撤销或已过期"
    filed = first_filed_year(session, inst.id)
    if filed is None or filed > year:
        return "评估年度之后备案"
    if pack.assessment.skip_filed_same_year and filed == year:
        return "当年备案新设，不参加评估（004 第八条）"
    if session.exec(select(Instance.id).where(Instance.institution_id == inst.id,
                                              Instance.business_key == f"assessment:{year}:{inst.id}")).first():
        return "已开展该年度评估"
    return ""


def start_campaign(year: int, jurisdiction: str, actor: str) -> CampaignReport:
    """Start the year's assessment for every institution of an assessment pack in the jurisdiction."""
    with write_session() as session:
        if session.exec(select(Campaign).where(Campaign.year == year, Campaign.jurisdiction == jurisdiction)).first():
            raise StepError(f"{jurisdiction} 的 {year} 年度评估已经启动")
        institutions = session.exec(select(Institution).where(_in_jurisdiction(jurisdiction))
                                    .order_by(col(Institution.id))).all()
        plan = [(inst.id, inst.name, _skip_reason(session, inst, year)) for inst in institutions]
        campaign = Campaign(year=year, jurisdiction=jurisdiction, started_by=actor,
                            started_at=load_clock(session).now())
        session.add(campaign)
        session.flush()
        report = CampaignReport(campaign.id, year, jurisdiction)
    instance_ids = []
    for inst_id, name, reason in plan:
        if reason is None:
            continue
        if reason:
            report.skipped.append({"institution_id": inst_id, "name": name, "reason": reason})
            continue
        result = start_process(inst_id, "assessment", {"year": year, "campaign_id": report.campaign_id}, actor,
                               business_key=f"assessment:{year}:{inst_id}")
        report.started.append(inst_id)
        instance_ids.append(result.instance_id)
    with write_session() as session:
        campaign = session.get(Campaign, report.campaign_id)
        campaign.instance_ids, campaign.skipped = instance_ids, report.skipped
        session.add(campaign)
    return report


def campaign_progress(campaign_id: int) -> dict[str, Any]:
    """For the board: the campaign's instances by status, where the running ones stand, and the grades."""
    with read_session() as session:
        campaign = session.get(Campaign, campaign_id)
        if campaign is None:
            raise StepError(f"评估活动 {campaign_id} 不存在")
        instances = session.exec(select(Instance).where(col(Instance.id).in_(campaign.instance_ids or [-1]))).all()
        grades = Counter(session.get(Institution, i.institution_id).last_grade for i in instances
                         if i.status == "completed")
        running = [i.id for i in instances if i.status == "running"]
        steps = Counter(w.title for w in session.exec(select(WorkItem).where(col(WorkItem.instance_id).in_(running or [-1]))))
        waiting = len(running) - len({w.instance_id for w in session.exec(
            select(WorkItem).where(col(WorkItem.instance_id).in_(running or [-1])))})
        if waiting:
            steps["公示期（等待期满）"] += waiting
        return {"id": campaign.id, "year": campaign.year, "jurisdiction": campaign.jurisdiction,
                "started": len(campaign.instance_ids), "skipped": campaign.skipped,
                "status": dict(Counter(i.status for i in instances)), "grades": dict(grades), "funnel": dict(steps)}


def campaigns_within(jurisdiction: str) -> list[Campaign]:
    """Campaigns a user of `jurisdiction` may see: its own area's and those of areas inside it, newest first."""
    with read_session() as session:
        rows = session.exec(select(Campaign).order_by(col(Campaign.year).desc(), col(Campaign.id).desc())).all()
    return [c for c in rows if c.jurisdiction.startswith(jurisdiction) or jurisdiction.startswith(c.jurisdiction)]
