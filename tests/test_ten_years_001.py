"""Ten simulated years of a 巫溪县 (001) evaluation institution filed through the real selection process with
the 001-selection site checklist: a scope change refused then granted, staff revocation refused (001 lists no
disqualifying findings), a renewal granted by the reviewer, a second one refused, and the lapse at expiry."""

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
from scenario import do, event_kinds, institution, items, kinds

from workflows.lifecycle import revoke, start_renewal, start_scope_change
from workflows.policy import get_pack
from workflows.sweep import fire_due_timers
from workflows.writepath import StepError

RENEWAL = {"contact_name": "冉小琴", "summary": "备案期内规范开展职业技能等级认定，视频监控实时接入县管理系统。"}
NURSERY = {"code": "4-10-01-06", "name": "育婴师", "levels": [4, 5]}


@pytest.fixture
def wuxi(db, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    ten_year_world(monkeypatch, tmp_path, "50", "5002", "500238")  # 巫溪县 files its own: the county bureau decides


def test_ten_years_of_a_wuxi_institution(wuxi, capsys) -> None:  # type: ignore[no-untyped-def]
    (a,) = file_by_selection("001-pass", "2026-11-02T09:00", "2026-11-20T09:00")
    inst = institution(a)
    code = inst.code
    assert code.startswith("S000050") and inst.filing_level == "county"
    assert (inst.valid_from, inst.valid_until) == (date(2026, 11, 20), date(2029, 11, 19))
    assert kinds(a) == ["filing_receipt"]
    assert events(a, "review.combined")[0]["rubric"] == "001-selection"

    # 2027: adding an occupation already filed is refused with the reason named; a new one is granted
    set_clock("2027-04-06T09:00")
    start_scope_change(a, [{"code": "4-03-02-01", "name": "中式烹调师", "levels": [3]}], [], "clerk500238")
    assert events(a, "scope.refused")[0]["reasons"] == ["「中式烹调师」（4-03-02-01）已在备案范围内"]
    assert items(a) == []
    start_scope_change(a, [NURSERY], ["4-10-01-05"], "clerk500238")
    do(a, "scope_decision", {"approved": True, "opinion": "同意调整"})
    inst = institution(a)
    assert (inst.code, inst.valid_from, inst.valid_until) == (code, date(2026, 11, 20), date(2029, 11, 19))
    assert filed_scope(a) == {"4-03-02-01", "4-10-01-06"}

    # 2028: 001 lists no disqualifying findings (no rubric vetoes), so staff revocation is refused, clearly
    set_clock("2028-03-01T10:00")
    assert get_pack("001").disqualifying == []
    with pytest.raises(StepError, match=r"政策包 001 未列可随时撤销备案的情形，「X05」不能作为撤销依据"):
        revoke(a, "X05", "reviewer500238", note="题库未按年度更新")
    assert institution(a).state == "filed" and "institution.revoked" not in event_kinds(a)

    # 2029: the window opens on 19 May; the reviewer renews (001 has no renewal rubric)
    set_clock("2029-05-19T09:00")
    assert fire_due_timers().fired == 1
    start_renewal(a, RENEWAL, "clerk500238")
    assert events(a, "renewal.routed")[0]["route"] == "review"
    assert [(w.task_name, w.role, w.jurisdiction) for w in items(a)] == [("renewal_decision", "reviewer", "500238")]
    do(a, "renewal_decision", {"approved": True, "opinion": "同意续期"})
    inst = institution(a)
    assert (inst.code, inst.valid_from, inst.valid_until) == (code, date(2029, 11, 20), date(2032, 11, 19))

    # 2032: a second renewal is refused by the reviewer; reminders still come; the filing lapses
    set_clock("2032-05-19T09:00")
    assert fire_due_timers().fired == 1
    start_renewal(a, RENEWAL, "clerk500238")
    do(a, "renewal_decision", {"approved": False, "opinion": "题库未按年度动态更新，不予续期"})
    assert events(a, "renewal.refused")[0]["valid_until"] == "2032-11-19"
    assert institution(a).state == "filed" and running(a, "renewal") == []
    for when in ("2032-08-21T09:00", "2032-10-20T09:00"):
        set_clock(when)
        assert fire_due_timers().fired == 1
    assert [(r["reminder"], r["days"]) for r in events(a, "period.reminded")] == [
        ("window", 184), ("window", 184), ("expiry", 90), ("expiry", 30)]
    live = stored_state(a, only_running=True)
    set_clock("2032-11-20T00:00:01")
    assert fire_due_timers().fired == 1
    assert institution(a).state == "expired" and running(a) == [] and items(a) == []
    set_clock("2036-12-31T09:00")
    assert fire_due_timers().fired == 0

    assert kinds(a) == ["filing_receipt"]
    rows = deliver_all_once()
    mail = [r.subject for r in rows if r.institution_id == a and r.channel == "email"]
    assert mail.count("备案范围调整不予同意") == 1 and mail.count("备案范围调整通知") == 1
    assert mail.count("续期通知") == 1 and mail.count("不予续期通知") == 1 and mail.count("备案到期失效通知") == 1
    with capsys.disabled():
        print(f"\n[ten years 001] institution {a}: live state before expiry {live} bytes; "
              f"all instances {stored_state(a)} bytes; outbox {len(rows)} messages")
