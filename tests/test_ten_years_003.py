"""Ten simulated years of Zhejiang (003) pilot organisations filed through the real selection process, with
a pilot end inside the simulation: the comprehensive evaluation passes (a regular period follows, renewed
once, then left to lapse) or fails (pilot cancelled, published, 试点资格取消公告 issued)."""

from __future__ import annotations

from datetime import date

import pytest
from conftest import set_clock
from lifecycle_scenario import (
    deliver_all_once,
    events,
    file_by_selection,
    running,
    stored_state,
    ten_year_world,
)
from scenario import do, event_kinds, institution, items, kinds, view

from workflows.lifecycle import start_renewal, start_scope_change
from workflows.sweep import fire_due_timers
from workflows.writepath import StepError

ADDED = [{"code": f"4-10-01-0{n}", "name": name, "levels": [4, 5]}
         for n, name in [(3, "保育师"), (4, "家政服务员"), (6, "育婴师"), (7, "母婴护理员")]]


@pytest.fixture
def zhejiang(db, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    ten_year_world(monkeypatch, tmp_path, "33", "3301", "330106", pilot_end="2028-12-31")


def test_ten_years_of_zhejiang_pilots(zhejiang, capsys) -> None:  # type: ignore[no-untyped-def]
    # notice published 30 September 2026: five working days (National Day holidays skipped) through 13 October
    a, b = file_by_selection("003-pass", "2026-09-30T09:00", "2026-10-14T00:00:01", {},
                             {"name": "杭州钱塘职业技能培训学校", "credit_code": "52330106MJ9054321X"})
    for inst_id in (a, b):
        inst = institution(inst_id)
        assert (inst.valid_from, inst.valid_until) == (date(2026, 10, 14), date(2028, 12, 31))  # the pilot's end
        assert sorted(kinds(inst_id)) == ["filing_receipt", "selection_notice"]
    assert events(a, "period.opened")[0]["pilot"] is True
    code = institution(a).code

    # 2027: at most three occupations may be added (§二): four are refused with the reason named
    set_clock("2027-04-06T09:00")
    start_scope_change(a, ADDED, [], "clerk3301")
    assert events(a, "scope.refused")[0]["reasons"] == ["新增职业（工种）4 个，超过上限 3 个"]
    assert items(a) == [] and kinds(a).count("scope_change") == 0

    # a pilot filing is not renewed (it is evaluated when the pilot ends) and has no window or reminders
    set_clock("2028-07-03T09:00")
    with pytest.raises(StepError, match="试点结束后进行综合评估"):
        start_renewal(a, {"contact_name": "陈晓燕"}, "clerk3301")
    set_clock("2028-12-31T23:59")
    assert fire_due_timers().fired == 0
    set_clock("2029-01-01T00:00:01")
    assert fire_due_timers().fired == 2
    assert [w.task_name for w in items(a)] == [w.task_name for w in items(b)] == ["pilot_evaluation"]
    assert {w.role for w in items(a) + items(b)} == {"reviewer"}

    # the comprehensive evaluation: A passes and continues with a regular three-year period
    set_clock("2029-01-15T10:00")
    do(a, "pilot_evaluation", {"passed": True, "opinion": "试点期间认定工作规范，综合评估合格"})
    inst = institution(a)
    assert (inst.state, inst.code, inst.valid_from, inst.valid_until) == (
        "filed", code, date(2029, 1, 1), date(2031, 12, 31))
    assert len(running(a, "filing_period")) == 1 and events(a, "period.opened")[1]["pilot"] is False

    # B fails: pilot cancelled, published as a notice, announcement issued, every process ended
    do(b, "pilot_evaluation", {"passed": False, "opinion": "考评人员配备不足，部分批次未按规定公示认定结果"})
    assert institution(b).state == "revoked" and running(b) == [] and items(b) == []
    cancelled = [n for n in view(b)["notices"] if n["kind"] == "pilot_cancelled"]
    assert len(cancelled) == 1 and cancelled[0]["published_on"] == date(2029, 1, 15)
    assert kinds(b)[-1] == "pilot_cancelled" and kinds(b).count("pilot_cancelled") == 1
    assert "pilot.cancelled" in event_kinds(b)

    # 2031: window opens six months before 31 December, reminders 90 days before; the reviewer renews
    set_clock("2031-06-30T09:00")
    assert fire_due_timers().fired == 1
    set_clock("2031-10-02T09:00")
    assert fire_due_timers().fired == 1
    start_renewal(a, {"contact_name": "陈晓燕", "summary": "试点转正后规范开展认定"}, "clerk3301")
    assert events(a, "renewal.routed")[0]["route"] == "review"
    do(a, "renewal_decision", {"approved": True, "opinion": "同意续期"})
    inst = institution(a)
    assert (inst.valid_from, inst.valid_until) == (date(2032, 1, 1), date(2034, 12, 31))
    set_clock("2031-12-01T09:00")
    assert fire_due_timers().fired == 0  # the old period's 30-day reminder went with it

    # 2034: no renewal; reminders at the window, 90 and 30 days; the filing lapses on 1 January 2035
    for when in ("2034-06-30T09:00", "2034-10-02T09:00", "2034-12-01T09:00"):
        set_clock(when)
        assert fire_due_timers().fired == 1
    assert [(r["reminder"], r["days"]) for r in events(a, "period.reminded")] == [
        ("window", 184), ("expiry", 90), ("window", 184), ("expiry", 90), ("expiry", 30)]
    live = stored_state(a, only_running=True)
    set_clock("2035-01-01T00:00:01")
    assert fire_due_timers().fired == 1
    assert institution(a).state == "expired" and running(a) == []
    set_clock("2036-12-31T09:00")
    assert fire_due_timers().fired == 0

    rows = deliver_all_once()
    mail = {inst_id: [r.subject for r in rows if r.institution_id == inst_id and r.channel == "email"]
            for inst_id in (a, b)}
    assert mail[a].count("试点综合评估结果") == 1 and mail[a].count("续期通知") == 1
    assert mail[a].count("备案到期失效通知") == 1 and mail[a].count("备案范围调整不予同意") == 1
    assert mail[b][-1] == "取消试点资格通知" and "续期通知" not in mail[b]
    with capsys.disabled():
        print(f"\n[ten years 003] institution {a}: live state before expiry {live} bytes; "
              f"all instances {stored_state(a)} bytes; outbox {len(rows)} messages")
