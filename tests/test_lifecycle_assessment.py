"""Annual assessment campaigns (004) on the real diagrams: grades, the notice, rectification, revocation."""

from __future__ import annotations

from datetime import date

import pytest
from conftest import make_staff, set_clock
from lifecycle_scenario import assess, import_004, running
from scenario import do, event_kinds, institution, items, view

from workflows.campaigns import campaign_progress, start_campaign
from workflows.sweep import fire_due_timers


@pytest.fixture
def chongqing(db, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    make_staff("50", "5001", "500101")
    set_clock("2026-03-02T09:00")


def test_campaign_skips_institutions_filed_in_the_year(chongqing) -> None:  # type: ignore[no-untyped-def]
    old = import_004()
    new = import_004(code="S000050000002", valid_from=date(2026, 2, 1), credit_code="52500101MJQ000002X",
                     name="新设机构")
    report = start_campaign(2026, "50", "clerk5001")
    assert report.started == [old]
    assert report.skipped == [{"institution_id": new, "name": "新设机构", "reason": "当年备案新设，不参加评估（004 第八条）"}]
    assert campaign_progress(report.campaign_id)["status"] == {"running": 1}
    assert [w.task_name for w in items(old)] == ["self_assessment"]


def test_excellent_grade_exempts_next_renewal(chongqing) -> None:  # type: ignore[no-untyped-def]
    inst_id = import_004()
    start_campaign(2026, "50", "clerk5001")
    assess(inst_id, "优秀")
    notice = view(inst_id)["notices"][-1]
    assert notice["kind"] == "grade" and notice["closes_on"] == date(2026, 3, 12)
    set_clock("2026-03-13T00:00:01")
    assert fire_due_timers().fired == 1
    inst = institution(inst_id)
    assert inst.last_grade == "优秀" and inst.renewal_exempt and inst.state == "filed"
    assert not running(inst_id, "assessment")


def test_basic_pass_suspends_then_rectified(chongqing) -> None:  # type: ignore[no-untyped-def]
    inst_id = import_004()
    start_campaign(2026, "50", "clerk5001")
    assess(inst_id, "基本合格")
    set_clock("2026-03-13T09:00")
    fire_due_timers()
    assert institution(inst_id).state == "rectifying"
    assert "deadline.paused" in event_kinds(inst_id)
    do(inst_id, "record_rectification", {"received_on": "2026-05-06", "report": "已完成整改"})
    do(inst_id, "recheck_rectification", {"passed": True, "opinion": "复查合格"})
    assert institution(inst_id).state == "filed"
    assert "deadline.resumed" in event_kinds(inst_id)


def test_fail_grade_revokes_and_ends_open_processes(chongqing) -> None:  # type: ignore[no-untyped-def]
    inst_id = import_004()
    start_campaign(2026, "50", "clerk5001")
    assess(inst_id, "不合格")
    set_clock("2026-03-13T09:00")
    fire_due_timers()
    assert institution(inst_id).state == "revoked"
    assert running(inst_id) == []
    assert "institution.revoked" in event_kinds(inst_id)
