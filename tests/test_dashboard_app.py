"""Board page logic with Streamlit's AppTest: login, role gating, form validation, conflicts, jurisdiction."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import PASSWORD, make_staff, set_clock
from scenario import apply, do, items
from streamlit.testing.v1 import AppTest

from workflows.db import write_session
from workflows.users import upsert_user
from workflows.writepath import complete_task

APP = str(Path(__file__).resolve().parent.parent / "dashboard" / "app.py")


@pytest.fixture
def case(db) -> int:  # type: ignore[no-untyped-def]
    """A county-filed Shandong application waiting for its completeness check."""
    make_staff("37", "3701", "370102")
    with write_session() as session:
        upsert_user(session, "clerk370103", PASSWORD, "clerk", "370103")
        upsert_user(session, "admin37", PASSWORD, "admin", "37")
    set_clock("2026-09-21T09:00")
    return apply("002-pass", county="370102", filing_level="county")


def login(username: str, password: str = PASSWORD) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.text_input[0].input(username)
    at.text_input[1].input(password)
    at.button[0].click()
    return at.run()


def click(at: AppTest, label: str) -> AppTest:
    next(b for b in at.button if b.label == label).click()
    return at.run()


def texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [e.value for e in at.error] + [w.value for w in at.warning]
    return "\n".join(parts + [s.value for s in at.success] + [i.value for i in at.info] + [t.value for t in at.title])


def test_login_wrong_password_then_lockout(case: int) -> None:
    at = login("clerk370102", "wrong-password")
    assert "用户名或密码错误（还可尝试 4 次）" in texts(at)
    for _ in range(4):
        at = login("clerk370102", "wrong-password")
    assert "账号已锁定" in texts(at)
    at = login("clerk370102")  # the right password is refused while locked
    assert "账号已锁定" in texts(at) and "我的待办" not in texts(at)


def test_county_clerk_sees_and_completes_check_with_field_errors(case: int) -> None:
    at = login("clerk370102")
    assert not at.exception
    assert "**完整性审查**" in texts(at)
    next(b for b in at.button if b.key and b.key.startswith("open-")).click()
    at.run()
    at = click(at, "提交")
    assert "「申报材料是否齐全」为必填项" in texts(at)
    at.radio[0].set_value("是")
    at = click(at, "提交")
    assert "「完整性审查」已提交" in texts(at)
    assert [w.task_name for w in items(case)][:1] == ["expert_scoring"]


def test_other_county_sees_nothing_and_is_denied_the_record(case: int) -> None:
    at = login("clerk370103")
    assert "目前没有需要您办理的事项" in texts(at)
    at.query_params["id"] = str(case)
    at.switch_page("pages/detail.py")
    at.run()
    assert "不在您的辖区" in texts(at)


def test_admin_page_is_gated_by_role(case: int) -> None:
    at = login("clerk370102")
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("pages/admin.py")  # not even routable for a clerk
    with write_session() as session:
        upsert_user(session, "policy37", PASSWORD, "policy", "37")
    at = login("policy37")
    at.switch_page("pages/admin.py")
    at.run()
    assert [t.label for t in at.tabs] == ["节假日"]  # no user management, no demo clock
    at = login("admin37")
    at.switch_page("pages/admin.py")
    at.run()
    assert [t.label for t in at.tabs] == ["用户与角色", "节假日", "演示时钟"]
    assert not at.exception


def test_conflict_is_a_message_not_a_crash(case: int) -> None:
    at = login("clerk370102")
    next(b for b in at.button if b.key and b.key.startswith("open-")).click()
    at.run()
    complete_task(items(case)[0].task_id, {"complete": True}, "clerk370102")  # a colleague, in another tab
    at.radio[0].set_value("是")
    at = click(at, "提交")
    assert "已被他人办理" in texts(at) or "已办结或已由他人办理" in texts(at)
    assert not at.exception


def test_expert_sees_only_cases_drawn_for(case: int) -> None:
    do(case, "completeness_check", {"complete": True})
    drawn = [w.assignee for w in items(case) if w.task_name == "expert_scoring"]
    with write_session() as session:
        upsert_user(session, "expert37_x", PASSWORD, "expert", "37")
    at = login(drawn[0])
    assert "**专家评分**" in texts(at)
    at = login("expert37_x")
    assert "目前没有需要您办理的事项" in texts(at)
    at.query_params["id"] = str(case)
    at.switch_page("pages/detail.py")
    at.run()
    assert "不在您的辖区/评审范围内" in texts(at)


def test_board_lists_institutions_with_counts(case: int) -> None:
    at = login("admin37")
    at.switch_page("pages/board.py")
    at.run()
    assert not at.exception
    assert any(m.label == "申请中" and m.value == "1" for m in at.metric)
    assert "共 1 家机构" in "\n".join(c.value for c in at.caption)


def test_campaign_page_starts_a_campaign_and_shows_its_progress(case: int) -> None:
    at = login("admin37")
    at.switch_page("pages/campaigns.py")
    at.run()
    assert not at.exception and "本辖区尚未发起年度评估" in texts(at)
    at = click(at, "发起年度评估")
    assert not at.exception
    assert "已发起 2026 年度评估：参评 0 家，跳过 0 家" in texts(at)  # the only case is still an application
    assert any("2026 年度评估 · 辖区 37" in s.value for s in at.subheader)
