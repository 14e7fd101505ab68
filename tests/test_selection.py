"""Engine-level scenarios of the selection process on the real diagrams, for packs 003 and 002."""

from __future__ import annotations

from datetime import date

import pytest
from conftest import make_staff, set_clock
from scenario import apply, do, event_kinds, institution, items, kinds, score_all, view
from sqlmodel import select

from workflows.cases import file_objection
from workflows.db import read_session
from workflows.models import Objection, Timer
from workflows.sweep import fire_due_timers
from workflows.writepath import StepError


@pytest.fixture
def zhejiang(db):  # type: ignore[no-untyped-def]
    make_staff("33", "3301", "330106")
    set_clock("2026-09-21T09:00")


@pytest.fixture
def shandong(db):  # type: ignore[no-untyped-def]
    make_staff("37", "3701", "370102")
    set_clock("2026-09-21T09:00")


def to_notice(inst_id: int, publish_on: str = "2026-09-30T09:00") -> None:
    do(inst_id, "completeness_check", {"complete": True})
    set_clock(publish_on)
    score_all(inst_id)


def test_happy_path_zhejiang_to_filed(zhejiang) -> None:  # type: ignore[no-untyped-def]
    inst_id = apply("003-pass")
    assert institution(inst_id).state == "applying"
    to_notice(inst_id)
    assert institution(inst_id).state == "noticing"
    notice = view(inst_id)["notices"][0]
    # published Wed 2026-09-30: 10-01..07 holidays, Sat 10-10 a working day → closes end of 10-13
    assert notice["published_on"] == date(2026, 9, 30) and notice["closes_on"] == date(2026, 10, 13)
    set_clock("2026-10-13T23:59")
    assert fire_due_timers().fired == 0
    set_clock("2026-10-14T00:00:01")
    assert fire_due_timers().fired == 1
    inst = institution(inst_id)
    assert inst.state == "filed"
    assert inst.code == "S000033000001"
    assert inst.valid_from == date(2026, 10, 14)
    assert inst.valid_until == date(2029, 10, 13)
    assert "institution.filed" in event_kinds(inst_id)
    assert items(inst_id) == []
    assert sorted(kinds(inst_id)) == ["filing_receipt", "selection_notice"]
    assert "process.spawned" in event_kinds(inst_id)  # the filing period starts at filing


def test_shandong_validity_runs_through_month_before_anniversary(shandong) -> None:  # type: ignore[no-untyped-def]
    inst_id = apply("002-pass")
    do(inst_id, "completeness_check", {"complete": True})
    set_clock("2026-11-02T09:00")
    from workflows.policy import get_pack, get_rubric

    rubric = get_rubric(get_pack("002").selection.rubric)
    sheet = {"scores": {item.id: "符合" for section in rubric.sections for item in section.items}}
    score_all(inst_id, sheet)
    set_clock("2026-11-20T09:00")
    fire_due_timers()
    inst = institution(inst_id)
    assert inst.state == "filed"
    assert inst.code is not None and inst.code[5:7] == "37" and len(inst.code) == 13
    assert inst.valid_from == date(2026, 11, 20) and inst.valid_until == date(2029, 10, 31)
    assert kinds(inst_id) == ["approval"]


def test_ineligible_application_is_rejected_with_reasons(zhejiang) -> None:  # type: ignore[no-untyped-def]
    inst_id = apply("003-pass", kind="government")
    do(inst_id, "completeness_check", {"complete": True})
    inst = institution(inst_id)
    assert inst.state == "rejected" and inst.code is None
    reasons = next(e for e in view(inst_id)["events"] if e["kind"] == "case.rejected")["detail"]["reasons"]
    assert any("003-E01" in r for r in reasons)
    assert kinds(inst_id) == ["rejection"]


def test_low_scores_reject(zhejiang) -> None:  # type: ignore[no-untyped-def]
    inst_id = apply("003-pass")
    do(inst_id, "completeness_check", {"complete": True})
    poor = {"scores": {"s1.1": 10, "s1.2": 10, "s2.1": {"missing": []}, "s2.2": {"missing": []}, "s3.1": 20,
                       "s3.2": 5, "s4.1": 5}}
    score_all(inst_id, poor)
    assert institution(inst_id).state == "rejected"


def test_supplement_pauses_the_processing_deadline(zhejiang) -> None:  # type: ignore[no-untyped-def]
    inst_id = apply("003-pass")
    due_before = items(inst_id)[0].due_date
    do(inst_id, "completeness_check", {"complete": False, "missing": ["租赁合同"]})
    assert institution(inst_id).state == "supplementing"
    with read_session() as session:
        timer = session.exec(select(Timer)).one()
    assert timer.task_name == "supplement_expired"
    set_clock("2026-09-28T09:00")  # 22, 23, 24 and 28 September: the 25th is the Mid-Autumn holiday
    do(inst_id, "record_supplement", {"received_on": "2026-09-28", "materials": "租赁合同"})
    resumed = next(e for e in view(inst_id)["events"] if e["kind"] == "deadline.resumed")["detail"]
    assert resumed["paused_workdays"] == 4
    assert items(inst_id)[0].due_date > due_before
    assert "deadline.paused" in event_kinds(inst_id)
    do(inst_id, "recheck", {"complete": True})
    assert institution(inst_id).state == "reviewing"


def test_supplement_deadline_passing_withdraws(zhejiang) -> None:  # type: ignore[no-untyped-def]
    inst_id = apply("003-pass")
    do(inst_id, "completeness_check", {"complete": False, "missing": ["财务审计报告"]})
    set_clock("2026-12-31T09:00")
    assert fire_due_timers().fired == 1
    assert institution(inst_id).state == "rejected"


def test_objection_dismissed_notice_continues(zhejiang) -> None:  # type: ignore[no-untyped-def]
    inst_id = apply("003-pass")
    to_notice(inst_id)
    set_clock("2026-10-09T10:00")
    file_objection(inst_id, "张三", "13800000000", "场地面积不实", "现场照片", "public")
    assert [w.task_name for w in items(inst_id)] == ["rule_objection"]
    do(inst_id, "rule_objection", {"upheld": False, "ruling": "经现场核查，场地面积属实"})
    assert institution(inst_id).state == "noticing"
    set_clock("2026-10-14T08:00")
    fire_due_timers()
    assert institution(inst_id).state == "filed"
    with read_session() as session:
        objection = session.exec(select(Objection)).one()
    assert objection.status == "dismissed" and objection.ruled_by == "reviewer3301"
    assert {"objection_received", "objection_ruling", "filing_receipt"} <= set(kinds(inst_id))


def test_objection_upheld_goes_back_to_review(zhejiang) -> None:  # type: ignore[no-untyped-def]
    inst_id = apply("003-pass")
    to_notice(inst_id)
    file_objection(inst_id, "李四", "lisi@example.cn", "评价人员证书造假", "", "public")
    do(inst_id, "rule_objection", {"upheld": True, "ruling": "经核查异议成立，重新评审"})
    assert institution(inst_id).state == "reviewing"
    assert view(inst_id)["notices"][0]["status"] == "withdrawn"
    assert len([w for w in items(inst_id) if w.task_name == "expert_scoring"]) == 3
    score_all(inst_id)
    assert institution(inst_id).state == "noticing"
    assert len(view(inst_id)["notices"]) == 2


def test_objection_after_close_is_refused_and_recorded(zhejiang) -> None:  # type: ignore[no-untyped-def]
    inst_id = apply("003-pass")
    to_notice(inst_id)
    set_clock("2026-10-14T00:00:01")
    fire_due_timers()
    with pytest.raises(StepError, match="不予受理"):
        file_objection(inst_id, "王五", "13900000000", "迟到的异议", "", "public")
    with read_session() as session:
        objection = session.exec(select(Objection)).one()
    assert objection.status == "refused"
    assert "objection.refused" in event_kinds(inst_id)
    assert institution(inst_id).state == "filed"


def test_expert_recusal_draws_a_replacement(zhejiang) -> None:  # type: ignore[no-untyped-def]
    from workflows.workitems import declare_conflict

    inst_id = apply("003-pass")
    do(inst_id, "completeness_check", {"complete": True})
    drawn = {w.assignee for w in items(inst_id) if w.task_name == "expert_scoring"}
    recusing = sorted(drawn)[0]
    item = next(w for w in items(inst_id) if w.assignee == recusing)
    declare_conflict(item.task_id, recusing, "曾在该机构兼职")
    now_assigned = {w.assignee for w in items(inst_id) if w.task_name == "expert_scoring"}
    assert recusing not in now_assigned and len(now_assigned) == 3
    assert "task.reassigned" in event_kinds(inst_id)
    newcomer = (now_assigned - drawn).pop()
    second = next(w for w in items(inst_id) if w.assignee == newcomer)
    with pytest.raises(StepError, match="少于所需"):
        declare_conflict(second.task_id, newcomer, "近亲属任职")
    score_all(inst_id)
    assert institution(inst_id).state == "noticing"


def test_a_claimed_task_is_only_completed_by_its_claimant(zhejiang) -> None:  # type: ignore[no-untyped-def]
    from conftest import PASSWORD

    from workflows.db import write_session
    from workflows.users import upsert_user
    from workflows.workitems import claim
    from workflows.writepath import PermissionDenied, complete_task

    with write_session() as session:
        upsert_user(session, "clerk3301b", PASSWORD, "clerk", "3301")
    inst_id = apply("003-pass")
    item = items(inst_id)[0]
    claim(item.task_id, "clerk3301b")
    with pytest.raises(PermissionDenied, match="认领"):
        complete_task(item.task_id, {"complete": True}, "clerk3301")
    complete_task(item.task_id, {"complete": True}, "clerk3301b")
