"""The board's entry point: login, then the pages the user's role may open (`streamlit run dashboard/app.py`)."""

from __future__ import annotations

import logging
import sys
from dataclasses import asdict
from pathlib import Path

import streamlit as st

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dashboard import session_cookie  # noqa: E402
from dashboard.auth import LoginError, login  # noqa: E402
from dashboard.ui import USER_KEY, current_user, safely  # noqa: E402
from workflows.calendar import WorkdayCalendar  # noqa: E402
from workflows.clock import load_clock  # noqa: E402
from workflows.db import read_session  # noqa: E402
from workflows.settings import var_dir  # noqa: E402
from workflows.states import ROLES  # noqa: E402

HERE = Path(__file__).resolve().parent

logging.basicConfig(filename=var_dir() / "board.log", level=logging.WARNING,
                    format="%(asctime)s %(levelname)s %(name)s %(message)s")


@safely
def login_page() -> None:
    st.title("职业技能等级评价机构备案管理系统")
    st.caption("请使用人社部门分配的账号登录")
    with st.form("login"):
        username = st.text_input("用户名")
        password = st.text_input("密码", type="password")
        submitted = st.form_submit_button("登录", icon=":material/login:", type="primary")
    if submitted:
        try:
            user, token = login(username, password)
        except LoginError as exc:
            st.error(str(exc), icon=":material/lock:")
            return
        st.session_state[USER_KEY] = asdict(user)
        session_cookie.remember(token)
        st.rerun()


def _page(file: str, title: str, icon: str, **kw: object) -> st.Page:
    return st.Page(HERE / "pages" / file, title=title, icon=f":material/{icon}:", **kw)


def pages_for(role: str) -> dict[str, list[st.Page]]:
    """The navigation a role sees (every page still checks the role and jurisdiction itself)."""
    inbox = _page("inbox.py", "我的待办", "inbox", url_path="inbox", default=role != "policy")
    board = _page("board.py", "机构总览", "apartment", url_path="board", default=role == "policy")
    detail = _page("detail.py", "机构详情", "description", url_path="institution", visibility="hidden")
    reports = _page("reports.py", "报表", "bar_chart", url_path="reports")
    if role == "expert":
        return {"评审": [inbox, board, detail]}
    if role == "policy":
        work = [board, detail, reports]
    else:
        work = [inbox, board, detail, _page("notices.py", "公示", "campaign", url_path="notices"),
                _page("campaigns.py", "评估活动", "fact_check", url_path="campaigns"), reports]
    if role in ("admin", "policy"):
        return {"业务": work, "系统": [_page("admin.py", "管理", "settings", url_path="admin"),
                                     _page("process_design.py", "流程设计", "account_tree", url_path="process-design")]}
    return {"业务": work}


def sidebar() -> None:
    user = current_user()
    with st.sidebar:
        st.markdown(f"**{user.display_name}**  \n{ROLES.get(user.role, user.role)} · 辖区 {user.jurisdiction}")
        if st.button("退出登录", icon=":material/logout:"):
            st.session_state.clear()
            session_cookie.forget()
            st.rerun()


def holiday_banner() -> None:
    """From November, warn when next year's holidays are not entered (deadlines would be uncomputable)."""
    with read_session() as session:
        on = load_clock(session).today()
        if WorkdayCalendar.load(session).next_year_missing(on):
            st.warning(f"{on.year + 1} 年的法定节假日安排尚未录入，跨年的办理时限将无法计算。"
                       "请管理员在「管理 → 节假日」中录入。", icon=":material/event_busy:")


def main() -> None:
    st.set_page_config(page_title="备案管理", page_icon=":material/verified:", layout="wide")
    if USER_KEY not in st.session_state:
        restored = session_cookie.restore()
        if restored is not None:
            st.session_state[USER_KEY] = asdict(restored)
    session_cookie.flush()
    if USER_KEY not in st.session_state:
        st.navigation([st.Page(login_page, title="登录", icon=":material/login:", url_path="login")],
                      position="hidden").run()
        return
    sidebar()
    holiday_banner()
    st.navigation(pages_for(current_user().role)).run()


main()
