"""Ten simulated years of an institution filed under the national technical standard (000) through the real
selection process: the code takes the institution's province, a scope change, a renewal decided by the
reviewer (000 has no renewal rubric), reminders, and expiry without a second renewal."""

from __future__ import annotations

from datetime import date

import pytest
from conftest import set_clock
from lifecycle_scenario import (
    deliver_all_once,
    events,
    file_by_selection,
    filed_scope,
    running,
    stored_state,
    ten_year_world,
)
from scenario import do, institution, items, kinds

from workflows.lifecycle import start_renewal, start_scope_change
from workflows.sweep import fire_due_timers
from workflows.writepath import StepError

RENEWAL = {"contact_name": "钱敏", "summary": "备案期内按国家职业技能标准开展等级认定，结果按时公示。"}


@pytest.fixture
def jiangsu(db, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    ten_year_world(monkeypatch, tmp_path, "32", "3201", "320102")


def test_ten_years_under_the_national_standard(jiangsu, capsys) -> None:  # type: ignore[no-untyped-def]
    (a,) = file_by_selection("000-pass", "2026-11-02T09:00", "2026-11-20T09:00")
    inst = institution(a)
    code = inst.code
    assert code.startswith("S000032")  # 000 has no province of its own: 江苏 (32) from the institution
    assert (inst.valid_from, inst.valid_until) == (date(2026, 11, 20), date(2029, 11, 19))
    assert kinds(a) == ["filing_receipt"]
    assert events(a, "review.combined")[0]["rubric"] == "000-technical"
    assert len(running(a, "filing_period")) == 1

    # 2027: one occupation added, one removed; the reviewer decides; code and validity unchanged
    set_clock("2027-06-01T09:00")
    start_scope_change(a, [{"code": "4-03-02-03", "name": "西式烹调师", "levels": [3, 4]}], ["4-03-02-02"],
                       "clerk32")
    do(a, "scope_decision", {"approved": True, "opinion": "同意调整"})
    inst = institution(a)
    assert (inst.code, inst.valid_from, inst.valid_until) == (code, date(2026, 11, 20), date(2029, 11, 19))
    assert filed_scope(a) == {"4-03-02-01", "4-03-02-03"}
    assert kinds(a) == ["filing_receipt"]  # 000 names no scope-change letter

    # 2029: the renewal window opens six months before 19 November, not earlier; the reviewer renews
    set_clock("2029-05-18T09:00")
    assert fire_due_timers().fired == 0
    with pytest.raises(StepError, match="续期申请自 2029年05月19日 起受理"):
        start_renewal(a, RENEWAL, "clerk32")
    set_clock("2029-05-19T09:00")
    assert fire_due_timers().fired == 1
    start_renewal(a, RENEWAL, "clerk32")
    assert events(a, "renewal.routed")[0]["route"] == "review"
    assert [w.task_name for w in items(a)] == ["renewal_decision"] and items(a)[0].role == "reviewer"
    do(a, "renewal_decision", {"approved": True, "opinion": "同意续期"})
    inst = institution(a)
    assert (inst.state, inst.code, inst.valid_from, inst.valid_until) == (
        "filed", code, date(2029, 11, 20), date(2032, 11, 19))
    assert len(running(a, "filing_period")) == 1 and running(a, "renewal") == []
    set_clock("2029-10-20T09:00")
    assert fire_due_timers().fired == 0  # the old period's reminders went with it

    # 2032: no renewal; the window, 90 and 30 days before; the filing lapses on 20 November
    for when in ("2032-05-19T09:00", "2032-08-21T09:00", "2032-10-20T09:00"):
        set_clock(when)
        assert fire_due_timers().fired == 1
    assert [(r["reminder"], r["days"]) for r in events(a, "period.reminded")] == [
        ("window", 184), ("window", 184), ("expiry", 90), ("expiry", 30)]
    set_clock("2032-11-19T23:59")
    assert fire_due_timers().fired == 0
    live = stored_state(a, only_running=True)
    set_clock("2032-11-20T00:00:01")
    assert fire_due_timers().fired == 1
    assert institution(a).state == "expired" and running(a) == [] and items(a) == []
    with pytest.raises(StepError, match="已过期"):
        start_renewal(a, RENEWAL, "clerk32")
    set_clock("2036-12-31T09:00")
    assert fire_due_timers().fired == 0

    assert kinds(a) == ["filing_receipt"]
    rows = deliver_all_once()
    mail = [r.subject for r in rows if r.institution_id == a and r.channel == "email"]
    assert mail.count("备案范围调整通知") == 1 and mail.count("续期通知") == 1
    assert mail.count("备案到期失效通知") == 1 and "不予续期通知" not in mail
    with capsys.disabled():
        print(f"\n[ten years 000] institution {a}: live state before expiry {live} bytes; "
              f"all instances {stored_state(a)} bytes; outbox {len(rows)} messages")
