"""End to end in a real browser (Debian chromium via Playwright) against the board on a free port.

County clerk completes the completeness check, an expert scores, a city reviewer rules on an
objection, and the institution shows 已备案 with its code and a downloadable approval letter.
Screenshots of every page (1440×900) go to `$BEIAN_SCREENSHOTS` or the test's temporary folder.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import PASSWORD, make_staff, set_clock
from scenario import apply, institution, items, score_all

from dashboard.cli import board_command
from workflows.cases import file_objection
from workflows.sweep import fire_due_timers

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def board(db: Path) -> Iterator[str]:  # type: ignore[no-untyped-def]
    port = _free_port()
    env = {**os.environ, "BEIAN_VAR": str(db), "BEIAN_BOARD_SECRET": "e2e-secret"}
    proc = subprocess.Popen(board_command(port), cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(120):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            time.sleep(0.25)
    yield url
    proc.terminate()
    proc.wait(timeout=20)


def test_filing_through_the_board(board: str, db: Path, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    make_staff("37", "3701", "370102", experts=3)
    set_clock("2026-09-21T09:00")
    inst_id = apply("002-pass", county="370102", filing_level="county")
    shots = Path(os.environ.get("BEIAN_SCREENSHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium",
                                    args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        page = browser.new_page(viewport={"width": 1440, "height": 900}, accept_downloads=True)

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
