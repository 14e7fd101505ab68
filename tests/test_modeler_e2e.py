"""The 流程设计 page in a real browser: load a diagram, rename a task through bpmn-js's API, save, see the diff."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from browser import chromium
from conftest import PASSWORD
from sqlmodel import select

from workflows.db import read_session, write_session
from workflows.models import ProcessDraft
from workflows.users import upsert_user

pytestmark = pytest.mark.browser


def test_rename_a_task_in_the_modeler_and_see_the_diff(board: str, db: Path, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    with write_session() as session:
        upsert_user(session, "owner33", PASSWORD, "policy", "33")
    shots = Path(os.environ.get("BEIAN_SCREENSHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = chromium(p)
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        page.set_default_timeout(90000)  # a loaded CI machine may take a while to finish a rerun
        page.goto(board)
        page.get_by_label("用户名").fill("owner33")
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        expect(page.get_by_text("退出登录")).to_be_visible(timeout=30000)
        page.goto(f"{board}/process-design")
        expect(page.get_by_role("heading", name="流程设计")).to_be_visible(timeout=30000)
        page.wait_for_timeout(2000)
        page.screenshot(path=str(shots / "process-design.png"))
        page.get_by_label("流程", exact=True).click()
        page.get_by_role("option", name="selection").click()
        page.wait_for_timeout(3000)  # let the rerun replace the previous process's modeler
        expect(page.locator("iframe[title*='bpmn_modeler']")).to_have_count(1, timeout=30000)
        frame = page.frame_locator("iframe[title*='bpmn_modeler'] >> nth=-1")
        expect(frame.locator(".djs-container")).to_be_visible(timeout=60000)
        modeler = [f for f in page.frames if "bpmn_modeler" in (f.url or "")][-1]
        modeler.wait_for_function("window.beianRendered === true", timeout=60000)
        modeler.evaluate("""() => {
            const m = window.beianModeler;
            const task = m.get('elementRegistry').get('completeness_check');
            m.get('modeling').updateLabel(task, '材料完整性审查');
        }""")
        expect(frame.locator("text=材料完整性审查")).to_be_visible()
        page.screenshot(path=str(shots / "process-design-edited.png"))
        frame.locator("#save").click()
        expect(page.get_by_text("已保存").first).to_be_visible(timeout=30000)
        with read_session() as session:
            draft = session.exec(select(ProcessDraft)).one()
        assert "材料完整性审查" in draft.bpmn_xml
        page.wait_for_timeout(3000)
        expect(page.get_by_role("combobox", name="打开")).to_have_count(1, timeout=30000)
        page.get_by_role("combobox", name="打开").click()
        page.get_by_role("option", name=f"草稿 {draft.id}").click()
        expect(page.get_by_text("与已发布版本的差异（按 BPMN 编号）")).to_be_visible(timeout=30000)
        diff_table = page.locator("[data-testid='stDataFrame']").first
        expect(diff_table).to_be_visible()
        page.wait_for_timeout(1500)
        page.screenshot(path=str(shots / "process-design-diff.png"))
        assert "completeness_check" in diff_table.inner_text() or page.get_by_text("completeness_check").count()
        browser.close()
