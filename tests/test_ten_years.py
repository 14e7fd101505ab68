"""Ten simulated years of Chongqing (004) institutions with the clock jumping: every grade, rectification
rectified and not, renewal with and without the 优秀 exemption, expiry and revocation."""

from __future__ import annotations

from datetime import date

import pytest
from conftest import set_clock
from lifecycle_scenario import (
    assess,
    import_004,
    running,
    stored_state,
    ten_year_world,
)
from scenario import do, event_kinds, institution, items, kinds
from sqlmodel import col, func, select

from workflows.campaigns import start_campaign
from workflows.db import read_session
from workflows.lifecycle import may_assess, start_renewal
from workflows.models import InboxMessage, Outbox
from workflows.notify import deliver_due
from workflows.sweep import fire_due_timers
from workflows.writepath import StepError

RENEWAL_FORM = {"contact_name": "冯娟", "entity_changed": False, "credit_good": True, "assessed": True,
                "summary": "三年来规范开展评价工作"}


def campaign(year: int, grades: dict[int, str]) -> None:
    """Start the year's campaign on 1 March and grade each institution; the notice closes 10 days later."""
    set_clock(f"{year}-03-01T09:00")
    fire_due_timers()
    report = start_campaign(year, "50", "clerk5001")
    assert sorted(report.started) == sorted(grades)
    for inst_id, grade in grades.items():
        assess(inst_id, grade)
    set_clock(f"{year}-03-11T23:59")
    assert fire_due_timers().fired == 0  # published 1 March, 10 days not counting that day: through 11 March
    set_clock(f"{year}-03-12T00:00:01")


@pytest.fixture
def chongqing(db, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    ten_year_world(monkeypatch, tmp_path, "50", "5001", "500101", start="2026-01-05T09:00")


def test_ten_years_of_chongqing(chongqing, capsys) -> None:  # type: ignore[no-untyped-def]
    a = import_004()
    b = import_004(code="S000050000002", credit_code="52500101MJQ000002X", name="重庆市万州区乙评价中心")
    c = import_004(code="S000050000003", credit_code="52500101MJQ000003X", name="重庆市万州区丙评价中心")
    assert institution(a).valid_until == date(2028, 2, 29)

    # 2026: 合格, 不合格 (revoked by the campaign), 合格
    campaign(2026, {a: "合格", b: "不合格", c: "合格"})
    fire_due_timers()
    assert institution(b).state == "revoked" and running(b) == []
    assert institution(a).last_grade == "合格" and institution(a).state == "filed"

    # 2027: 基本合格 → suspended, rectified in time → reinstated
    campaign(2027, {a: "基本合格", c: "合格"})
    fire_due_timers()
    assert institution(a).state == "rectifying" and not may_assess(institution(a))
    assert [w.task_name for w in items(a)] == ["record_rectification"]
    set_clock("2027-05-10T09:00")
    do(a, "record_rectification", {"received_on": "2027-05-10", "report": "完善考务管理制度"})
    do(a, "recheck_rectification", {"passed": True, "opinion": "复查合格"})
    assert institution(a).state == "filed" and may_assess(institution(a))

    # renewal applications open six months before expiry (2027-08-29), not earlier
    set_clock("2027-08-20T09:00")
    with pytest.raises(StepError, match="续期申请自 2027年08月29日 起受理"):
        start_renewal(a, RENEWAL_FORM, "clerk5001")
    set_clock("2027-09-01T09:00")
    assert fire_due_timers().fired == 2  # both remaining institutions hear that renewal is open
    start_renewal(a, RENEWAL_FORM, "clerk5001")  # 004 sets no renewal rubric and A is not 优秀: reviewer decides
    do(a, "renewal_decision", {"approved": True, "opinion": "同意续期"})
    inst = institution(a)
    assert (inst.valid_from, inst.valid_until, inst.code) == (date(2028, 3, 1), date(2031, 2, 28), "S000050000001")
    assert len(running(a, "filing_period")) == 1

    # C did not renew: reminders 90 and 30 days before, then it lapses after 2028-02-29
    set_clock("2028-03-01T00:00:01")
    fire_due_timers()
    assert institution(c).state == "expired" and running(c) == []
    assert [e for e in event_kinds(c) if e == "period.reminded"] == ["period.reminded"] * 3

    # 2028: 优秀 exempts the next renewal; 2029: 合格
    campaign(2028, {a: "优秀"})
    fire_due_timers()
    assert institution(a).renewal_exempt
    campaign(2029, {a: "合格"})
    fire_due_timers()

    # 2030: renewal without technical evaluation thanks to the 优秀
    set_clock("2030-09-01T09:00")
    fire_due_timers()
    start_renewal(a, RENEWAL_FORM, "clerk5001")
    inst = institution(a)
    assert (inst.valid_from, inst.valid_until, inst.renewal_exempt) == (date(2031, 3, 1), date(2034, 2, 28), False)
    assert "renewal.routed" in event_kinds(a)
    live = stored_state(a, only_running=True)

    # 2031: 基本合格 again; the deadline (three months) passes without rectification → revoked
    campaign(2031, {a: "基本合格"})
    fire_due_timers()
    assert institution(a).state == "rectifying"
    set_clock("2031-06-12T23:59")  # suspended on 12 March: three months, through 12 June
    assert fire_due_timers().fired == 0
    set_clock("2031-06-13T00:00:01")
    assert fire_due_timers().fired == 1
    assert institution(a).state == "revoked" and running(a) == []
    set_clock("2035-12-31T09:00")
    assert fire_due_timers().fired == 0

    assert kinds(a).count("grade_notice") == 5 and kinds(a).count("grade_notice_public") == 5
    assert kinds(a).count("rectification") == 2
    assert kinds(a)[-1] == "revocation_notice" and kinds(a).count("revocation_notice") == 1
    assert {"institution.suspended", "institution.reinstated", "deadline.paused", "institution.renewed",
            "institution.revoked", "process.ended"} <= set(event_kinds(a))

    assert deliver_due().failed == []
    assert deliver_due().sent == []
    with read_session() as session:
        queued = session.exec(select(func.count()).select_from(Outbox)).one()
        unsent = session.exec(select(func.count()).select_from(Outbox).where(col(Outbox.sent_at).is_(None))).one()
        inbox = session.exec(select(func.count()).select_from(InboxMessage)).one()
    assert queued > 30 and unsent == 0 and inbox == queued
    with capsys.disabled():
        print(f"\n[ten years] institution {a}: live state while filed {live} bytes; "
              f"all instances {stored_state(a)} bytes; outbox {queued} messages")
