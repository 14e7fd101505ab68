"""What a clerk reads on the board: Chinese process and event names, readable dates, no technical strings."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import make_staff, set_clock
from scenario import apply, do, items
from streamlit.testing.v1 import AppTest
from test_dashboard_app import login, texts

from dashboard.events import event_label, event_summary

APP = str(Path(__file__).resolve().parent.parent / "dashboard" / "app.py")
# what must never reach a clerk's screen: Python values, process keys, event kinds, ISO timestamps
TECHNICAL = re.compile(r"\bNone\b|\bTrue\b|\bFalse\b|\bselection\b|\bapplying\b|[a-z_]+\.[a-z_]+|\+00:00|\d{4}-\d\d-\d\dT")


@pytest.fixture
def reviewed(db) -> int:  # type: ignore[no-untyped-def]
    """A Shandong case past its completeness check, waiting for its drawn experts' scores."""
    make_staff("37", "3701", "370102", experts=3)
    set_clock("2026-09-21T09:00")
    inst = apply("002-pass", county="370102", filing_level="county")
    do(inst, "completeness_check", {"complete": True})
    return inst


def _screen(at: AppTest) -> str:
    """Every text on the page, including the cells of every table."""
    cells = [str(v) for df in at.dataframe for v in df.value.astype(str).to_numpy().ravel()]
    headers = [str(c) for df in at.dataframe for c in df.value.columns]
    captions = [c.value for c in at.caption]
    return "\n".join([texts(at), *captions, *cells, *headers, *(s.value for s in at.selectbox)])


def test_detail_page_speaks_chinese(reviewed: int) -> None:
    at = login("clerk3701")
    at.query_params["id"] = str(reviewed)
    at.switch_page("pages/detail.py")
    at.run()
    assert not at.exception and len(at.dataframe) >= 2  # timeline and occupations are tables
    screen = _screen(at)
    assert "评价机构遴选备案" in screen  # the process by its diagram's name, not `selection`
    assert "受理申请" in screen and "完成步骤" in screen  # event kinds in words
    assert "当前位置：专家评分" in screen  # the position by the task's name
    assert not TECHNICAL.search(screen), TECHNICAL.search(screen)


def test_inbox_names_the_process_in_chinese(reviewed: int) -> None:
    expert = next(w.assignee for w in items(reviewed) if w.task_name == "expert_scoring")
    at = login(expert)
    assert not at.exception
    captions = "\n".join(c.value for c in at.caption)
    assert "评价机构遴选备案" in captions and "selection" not in captions


def test_out_of_jurisdiction_and_bad_ids_are_explained(reviewed: int) -> None:
    at = login("clerk3701")
    for raw in ("abc", "99999"):
        at.query_params["id"] = raw
        at.switch_page("pages/detail.py")
        at.run()
        assert not at.exception
        assert "请从「机构总览」" in texts(at) or "不在您的辖区" in texts(at)


def test_every_event_has_words() -> None:
    assert event_label("case.opened") == "受理申请"
    assert event_label("something.new") == "系统记录"  # an unknown kind is never shown raw
    assert event_summary("case.opened", {"received_on": "2026-09-01", "due_on": "2026-09-29"}, {}) == \
        "收到申请 2026年9月1日，应于 2026年9月29日 前办结"
    assert event_summary("process.started", {"process": "selection"}, {"selection": "评价机构遴选备案"}) == "评价机构遴选备案"
    assert event_summary("state.changed", {"before": "applying", "after": "reviewing"}, {}) == "申请中 → 评审中"
    assert event_summary("review.combined", {"total": 86, "passed": True}, {}) == "总分 86，通过"
    assert event_summary("case.opened", {"received_on": None}, {}).startswith("收到申请 —")
