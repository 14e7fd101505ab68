"""End to end in a real browser (Debian chromium via Playwright) against the board on a free port.

County clerk completes the completeness check, an expert scores, a city reviewer rules on an
objection, and the institution shows 已备案 with its code and a downloadable approval letter.
Screenshots of every page (1440×900) go to `$BEIAN_SCREENSHOTS` or the test's temporary folder.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from browser import chromium
from conftest import PASSWORD, make_staff, set_clock
from scenario import apply, institution, items, score_all

from workflows.cases import file_objection
from workflows.sweep import fire_due_timers

pytestmark = pytest.mark.browser


def test_filing_through_the_board(board: str, db: Path, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    make_staff("37", "3701", "370102", experts=3)
    set_clock("2026-09-21T09:00")
    inst_id = apply("002-pass", county="370102", filing_level="county")
    shots = Path(os.environ.get("BEIAN_SCREENSHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)

    with sync_playwright() as p:
        browser = chromium(p)
        page = browser.new_page(viewport={"width": 1440, "height": 900}, accept_downloads=True)
        page.set_default_timeout(90000)  # a loaded CI machine may take a while to finish a rerun

        def shot(name: str) -> None:
            page.wait_for_timeout(800)
            page.screenshot(path=str(shots / f"{name}.png"))

        def login(username: str) -> None:
            page.context.clear_cookies()
            page.goto(board)
            page.get_by_label("用户名").fill(username)
            page.get_by_label("密码").fill(PASSWORD)
            shot(f"login-{username}")
            page.get_by_role("button", name="登录").click()
            expect(page.get_by_text("退出登录")).to_be_visible(timeout=30000)

        def open_first_item(title: str) -> None:
            expect(page.get_by_text(title).first).to_be_visible(timeout=30000)
            page.get_by_role("button", name="办理").first.click()
            expect(page.get_by_role("heading", name=title)).to_be_visible(timeout=30000)

        # 1. county clerk: completeness check
        login("clerk370102")
        shot("inbox-clerk")
        open_first_item("完整性审查")
        shot("task-completeness")
        page.get_by_text("是", exact=True).first.click()
        page.get_by_role("button", name="提交").click()
        expect(page.get_by_text("「完整性审查」已提交")).to_be_visible(timeout=30000)
        page.reload()  # the session cookie keeps the user logged in
        expect(page.get_by_text("退出登录")).to_be_visible(timeout=30000)

        # 2. one drawn expert scores in the browser, the others through the write path
        set_clock("2026-11-02T09:00")
        expert = next(w.assignee for w in items(inst_id) if w.task_name == "expert_scoring")
        login(expert)
        open_first_item("专家评分")
        expect(page.get_by_role("radiogroup").first).to_be_visible(timeout=30000)
        for option in page.get_by_role("radiogroup").all():
            option.locator("label").first.click()
        shot("task-scoring")
        page.get_by_role("button", name="提交").click()
        expect(page.get_by_text("「专家评分」已提交")).to_be_visible(timeout=30000)
        from workflows.policy import get_pack, get_rubric
        rubric = get_rubric(get_pack("002").selection.rubric)
        score_all(inst_id, {"scores": {i.id: "符合" for s in rubric.sections for i in s.items}})
        assert institution(inst_id).state == "noticing"

        # 3. an objection arrives on paper; the city reviewer rules on it
        set_clock("2026-11-05T10:00")
        file_objection(inst_id, "张三", "13800000000", "场地面积不实", "", "clerk370102")
        login("reviewer3701")
        open_first_item("异议复核")
        shot("task-objection")
        page.get_by_text("否", exact=True).first.click()
        page.get_by_label("复核意见（将答复异议人）（必填）").fill("经现场核查，场地面积属实，异议不成立。")
        page.get_by_role("button", name="提交").click()
        expect(page.get_by_text("「异议复核」已提交")).to_be_visible(timeout=30000)

        # 4. the notice period ends; the institution is filed with its code and approval letter
        set_clock("2026-11-30T09:00")
        fire_due_timers()
        filed = institution(inst_id)
        assert filed.state == "filed" and filed.code
        for name, path in (("board", "board"), ("notices", "notices"), ("reports", "reports"),
                           ("campaigns", "campaigns")):
            page.goto(f"{board}/{path}")
            page.wait_for_timeout(1500)
            shot(name)
        page.goto(f"{board}/institution?id={inst_id}")
        expect(page.get_by_text("已备案").first).to_be_visible(timeout=30000)
        expect(page.get_by_text(filed.code).first).to_be_visible()
        page.wait_for_timeout(2500)
        shot("institution")
        page.get_by_role("tab", name="文书").click()
        shot("institution-documents")
        with page.expect_download() as download:
            page.get_by_role("button", name="下载 PDF").first.click()
        pdf = Path(download.value.path()).read_bytes()
        assert pdf.startswith(b"%PDF")
        browser.close()
