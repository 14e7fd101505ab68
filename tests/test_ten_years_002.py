"""Ten simulated years of Shandong (002) special-ability bodies filed through the real selection process:
scope change, renewal by the expert group (附件4) passing and failing, reminders, expiry and staff revocation."""

from __future__ import annotations

from datetime import date

import pytest
from conftest import set_clock
from lifecycle_scenario import (
    conforming_sheet,
    deliver_all_once,
    events,
    file_by_selection,
    filed_scope,
    running,
    stored_state,
    ten_year_world,
)
from scenario import do, event_kinds, institution, items, kinds, score_all

from workflows.lifecycle import revoke, start_renewal, start_scope_change
from workflows.sweep import fire_due_timers
from workflows.writepath import InputError, StepError

PROJECTS = ["鲁菜烹饪（九转大肠制作）", "鲁绣制作"]
RENEWAL = {  # 附件5 as the clerk enters it
    "contact_name": "张丽", "contact_title": "考务科科长", "phone": "0531-88112233", "email": "kaohe@qlpx.cn",
    "entity_changed": False, "entity_changes": "", "credit_good": True, "assessed": True,
    "first_assessment_on": "2027-01-15", "site_owned": False, "site_address": "济南市历城区工业北路 188 号",
    "projects": [{"name": name, "assessed": 210, "certified": 188} for name in PROJECTS],
    "staff": {"evaluators": 7, "supervisors": 2, "item_writers": 3, "workers": 4},
    "banks": [{"name": name, "paper_sets": 5, "questions": 150} for name in PROJECTS],
    "summary": "备案期内规范开展专项职业能力考核，按批次公示结果、上传证书数据。",
    "plan": "加强考评人员培训和内部质量督导。", "problems": "无"}
REVIEW_DOCS = ["renewal_application", "renewal_sheet", "group_feedback"]


def renew(institution_id: int, sheet: dict) -> None:
    """Apply for renewal now; the drawn expert group scores with the 002-renewal rubric."""
    start_renewal(institution_id, RENEWAL, "clerk3701")
    assert [w.task_name for w in items(institution_id)] == ["expert_scoring"] * 3
    score_all(institution_id, sheet)


@pytest.fixture
def shandong(db, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    ten_year_world(monkeypatch, tmp_path, "37", "3701", "370112")


def test_ten_years_of_shandong(shandong, capsys) -> None:  # type: ignore[no-untyped-def]
    a, b = file_by_selection("002-pass", "2026-11-02T09:00", "2026-11-20T09:00", {},
                             {"name": "济南市历城区泉城职业培训学校", "credit_code": "52370112MJD654321K"})
    inst = institution(a)
    code = inst.code
    assert (inst.valid_from, inst.valid_until) == (date(2026, 11, 20), date(2029, 10, 31))
    assert kinds(a) == ["approval"]

    # 2027: add one project and remove another (附件3); code and validity unchanged
    set_clock("2027-06-01T09:00")
    start_scope_change(a, [{"code": "ZX37-0103", "name": "鲁绣制作", "levels": []}], ["ZX37-0102"], "clerk3701")
    decision = next(w for w in items(a) if w.task_name == "scope_decision")
    assert decision.due_date > date(2027, 6, 1)
    do(a, "scope_decision", {"approved": True, "opinion": "同意调整"})
    inst = institution(a)
    assert (inst.code, inst.valid_from, inst.valid_until) == (code, date(2026, 11, 20), date(2029, 10, 31))
    assert filed_scope(a) == {"ZX37-0101", "ZX37-0103"}
    assert kinds(a) == ["approval", "scope_change"]
    assert events(a, "scope.changed")[0]["changes"] == [
        {"code": "ZX37-0103", "name": "鲁绣制作", "change": "新增项目"},
        {"code": "ZX37-0102", "name": "中式面点制作（煎饼制作）", "change": "删除项目"}]

    # 2029: renewal applications open six months before expiry (31 October), not earlier
    set_clock("2029-04-29T09:00")
    assert fire_due_timers().fired == 0
    with pytest.raises(StepError, match="续期申请自 2029年04月30日 起受理"):
        start_renewal(a, RENEWAL, "clerk3701")
    set_clock("2029-04-30T09:00")
    assert fire_due_timers().fired == 2  # both institutions hear that renewal is open
    partial = {k: v for k, v in RENEWAL.items() if k not in ("contact_title", "staff")}
    with pytest.raises(InputError, match="「联系人职务」为必填项") as refused:
        start_renewal(a, partial, "clerk3701")
    assert set(refused.value.errors) == {"contact_title", "staff"}
    assert not running(a, "renewal")
    renew(a, conforming_sheet("002-renewal"))
    inst = institution(a)
    assert (inst.code, inst.valid_from, inst.valid_until) == (code, date(2029, 11, 1), date(2032, 10, 31))
    assert kinds(a)[2:] == [*REVIEW_DOCS, "renewal_approval"]
    assert events(a, "renewal.reviewed")[0] == {"total": 100, "result": "合格"}
    assert len(running(a, "filing_period")) == 1

    # B applied for renewal too; staff revoke it for a 附件4 不合格项 while the experts are still out
    start_renewal(b, RENEWAL, "clerk3701")
    set_clock("2029-06-03T10:00")
    revoke(b, "X05", "reviewer3701", note="2029年5月考核批次泄露试题")
    assert institution(b).state == "revoked" and running(b) == [] and items(b) == []
    ended = events(b, "institution.revoked")[0]["ended"]
    assert sorted(e["process"] for e in ended) == ["filing_period", "renewal"]
    assert kinds(b)[-1] == "revocation" and kinds(b).count("revocation") == 1
    with pytest.raises(StepError, match="已撤销"):
        revoke(b, "X05", "reviewer3701")

    # A's old period was ended by the renewal: its 90/30-day reminders never fire
    set_clock("2029-10-01T09:00")
    assert fire_due_timers().fired == 0

    # 2032: renewal passes with 68 points (考核组织实施 all 不符合): ≥ 60
    set_clock("2032-04-30T09:00")
    assert fire_due_timers().fired == 1
    renew(a, conforming_sheet("002-renewal", zero_sections=("exam",)))
    assert events(a, "renewal.reviewed")[1] == {"total": 68, "result": "合格"}
    inst = institution(a)
    assert (inst.code, inst.valid_from, inst.valid_until) == (code, date(2032, 11, 1), date(2035, 10, 31))

    # 2035: a 不合格项 fails the renewal whatever the score; the city bureau's reviewers are told
    set_clock("2035-05-02T09:00")
    assert fire_due_timers().fired == 1
    renew(a, conforming_sheet("002-renewal", vetoes=["X09"]))
    assert events(a, "renewal.reviewed")[2]["result"] == "不合格"
    assert events(a, "renewal.disqualifier_reported")[0]["vetoes"] == ["X09"]
    assert "renewal.refused" in event_kinds(a) and institution(a).state == "filed"
    assert institution(a).valid_until == date(2035, 10, 31)

    # reminders 90 and 30 days before, then the filing lapses after 31 October
    set_clock("2035-08-02T09:00")
    assert fire_due_timers().fired == 1
    set_clock("2035-10-01T09:00")
    assert fire_due_timers().fired == 1
    assert [(r["reminder"], r["days"]) for r in events(a, "period.reminded")] == [
        ("window", 184), ("window", 184), ("window", 184), ("expiry", 90), ("expiry", 30)]
    set_clock("2035-10-31T23:59")
    assert fire_due_timers().fired == 0
    live = stored_state(a, only_running=True)
    set_clock("2035-11-01T00:00:01")
    assert fire_due_timers().fired == 1
    assert institution(a).state == "expired" and running(a) == []
    set_clock("2036-12-31T09:00")
    assert fire_due_timers().fired == 0

    assert kinds(a) == ["approval", "scope_change", *REVIEW_DOCS, "renewal_approval", *REVIEW_DOCS,
                        "renewal_approval", *REVIEW_DOCS]
    rows = deliver_all_once()
    reported = [r for r in rows if r.recipient == "role:reviewer@3701"]
    assert [r.subject for r in reported] == ["续期评估发现不合格项"] and "备案期限内未开展考核工作" in reported[0].body
    subjects = [r.subject for r in rows if r.institution_id == a and r.channel == "email"]
    assert subjects.count("续期通知") == 2 and subjects.count("不予续期通知") == 1
    assert subjects.count("备案到期失效通知") == 1 and subjects.count("备案范围调整通知") == 1
    assert [r.subject for r in rows if r.institution_id == b and r.channel == "email"][-1] == "撤销备案通知"
    with capsys.disabled():
        print(f"\n[ten years 002] institution {a}: live state before expiry {live} bytes; "
              f"all instances {stored_state(a)} bytes; outbox {len(rows)} messages")
