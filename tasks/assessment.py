"""Handlers of the annual assessment (004): opening, proposed grade, the 10-day grade notice, the final grade."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from SpiffWorkflow.task import Task

from letters.context import KIND_LABELS
from tasks import service
from tasks.lifecycle import notify_institution
from tasks.panel import rubric_for
from workflows.context import StepContext
from workflows.models import Notice
from workflows.periods import end_of_day
from workflows.policy import get_rubric

GRADE_BASIS = "重庆市职业技能鉴定评价机构评估暂行办法"


@service("assessment.open")
def open_assessment(ctx: StepContext, task: Task) -> dict[str, Any]:
    """Record the year, the rubric of the institution's licence family and whether a county review is due."""
    rubric = rubric_for(ctx.pack, "assessment", ctx.institution)
    year = int(task.data["year"])
    county_filed = ctx.institution.filing_level == "county"
    ctx.event("assessment.opened", year=year, rubric=rubric, county_filed=county_filed)
    return {"instance_id": ctx.instance.id, "year": year, "rubric": rubric, "county_filed": county_filed}


@service("grade.propose")
def propose(ctx: StepContext, task: Task) -> dict[str, Any]:
    """The expert group's combined score and band become the proposed grade (初定等级)."""
    review = task.data["review"]
    titles = {v.id: v.title for v in get_rubric(review["rubric"]).vetoes}
    proposed = {"score": review["total"], "grade": review["grade"],
                "vetoed": [titles.get(v, v) for v in review.get("vetoed", [])],
                "reasons": review.get("reasons", [])}
    ctx.event("grade.proposed", **proposed)
    return proposed


@service("grade.publish")
def publish(ctx: StepContext, task: Task) -> dict[str, Any]:
    """Publish the score and proposed grade for the pack's notice period in calendar days (004 第十二条)."""
    days, proposed, inst = ctx.pack.notice.grade_days, task.data["proposed"], ctx.institution
    start = ctx.today if ctx.pack.notice.counting == "include_first" else ctx.today + timedelta(days=1)
    closes_on = start + timedelta(days=days - 1)
    year = task.data["assessment"]["year"]
    notice = Notice(institution_id=inst.id, instance_id=ctx.instance.id, kind="grade",
                    title=f"{inst.name} {year}年度评估结果和初定等级公示", published_on=ctx.today,
                    closes_on=closes_on, status="open",
                    content={"year": year, "score": proposed["score"], "grade": proposed["grade"], "days": days})
    ctx.session.add(notice)
    ctx.session.flush()
    ctx.event("notice.published", notice_id=notice.id, published_on=ctx.today, closes_on=closes_on, days=days)
    letter = {"assessment_year": year, "notice_start": ctx.today.isoformat(), "notice_end": closes_on.isoformat(),
              "notice_days": days,
              "entries": [{"name": inst.name, "code": inst.code, "kind_label": KIND_LABELS.get(inst.kind, inst.kind),
                           "score": proposed["score"], "grade": proposed["grade"]}]}
    return {"notice_id": notice.id, "published_on": ctx.today.isoformat(), "closes_on": closes_on.isoformat(),
            "closes_at": end_of_day(closes_on).isoformat(), "letter": letter}


@service("grade.determine")
def determine(ctx: StepContext, task: Task) -> dict[str, Any]:
    """Fix the grade after the notice; 优秀 exempts the next renewal from technical evaluation (第十六条)."""
    proposed, inst, pack = task.data["proposed"], ctx.institution, ctx.pack
    year, grade = task.data["assessment"]["year"], proposed["grade"]
    inst.last_grade = grade
    if grade in pack.renewal.exempt_grades:
        inst.renewal_exempt = True
    ctx.event("grade.determined", year=year, grade=grade, score=proposed["score"],
              renewal_exempt=inst.renewal_exempt)
    notify_institution(ctx, f"{year}年度评估等级通知", f"{year}年度评估得分 {proposed['score']} 分，等级为{grade}。")
    findings = proposed["vetoed"] or proposed["reasons"] or [f"{year}年度评估等级为{grade}（{proposed['score']}分）"]
    return {
        "year": year, "grade": grade, "score": proposed["score"],
        "letter": {"assessment_year": year, "score": proposed["score"], "grade": grade,
                   "vetoes": proposed["vetoed"], "basis_short": f"《{GRADE_BASIS}》"},
        "rectification": {"reason": f"{year}年度评估等级为基本合格", "findings": findings,
                          "months": pack.rectification.months},
        "revocation": {"finding": f"{year}年度评估等级为不合格（{proposed['score']}分）",
                       "rule": f"《{GRADE_BASIS}》第十九条“对不合格鉴定评价机构，取消机构备案”"},
    }
