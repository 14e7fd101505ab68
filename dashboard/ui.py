"""Shared page helpers: the logged-in user, Chinese dates, deadline signals, and the error boundary."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable
from datetime import date, datetime
from functools import wraps
from typing import Any

import streamlit as st
from sqlmodel import Session, col, select

from dashboard.auth import Identity
from dashboard.scope import OutOfScope
from workflows.calendar import CalendarGapError, WorkdayCalendar
from workflows.clock import CHINA, load_clock
from workflows.db import read_session
from workflows.models import ProcessVersion, User
from workflows.specs import diagram_names
from workflows.states import KINDS, ROLES, STATES
from workflows.writepath import StepError

log = logging.getLogger("beian.board")
USER_KEY = "user"
NOTICE_STATES = {"open": "公示中", "closed": "已期满", "withdrawn": "已撤回"}


def flash(message: str, kind: str = "success") -> None:
    """Show a message after the next rerun (actions rerun the page to show fresh data)."""
    st.session_state.setdefault("_flash", []).append((kind, message))


def show_flash() -> None:
    for kind, message in st.session_state.pop("_flash", []):
        icon = ":material/check_circle:" if kind == "success" else ":material/error:"
        (st.success if kind == "success" else st.error)(message, icon=icon)


def current_user() -> Identity:
    """The logged-in user (the app routes to the login page before any other page runs)."""
    return Identity(**st.session_state[USER_KEY])


def require_role(*roles: str) -> Identity:
    """The user, if their role is one of `roles`; otherwise the page stops with a message."""
    user = current_user()
    if user.role not in roles:
        st.error(f"您的角色（{ROLES.get(user.role, user.role)}）无权使用本页面", icon=":material/block:")
        st.stop()
    return user


def fmt_date(value: date | datetime | None) -> str:
    """2026年11月21日; a datetime is shown in China time."""
    if value is None:
        return "—"
    if isinstance(value, datetime):
        value = value.astimezone(CHINA).date()
    return f"{value.year}年{value.month}月{value.day}日"


def fmt_time(value: datetime | None) -> str:
    """2026年11月21日 09:30 (China time)."""
    if value is None:
        return "—"
    local = value.astimezone(CHINA)
    return f"{fmt_date(local.date())} {local:%H:%M}"


def process_names(session: Session) -> dict[str, str]:
    """Every process key's Chinese name, from its newest registered diagram (selection → 评价机构遴选备案)."""
    names: dict[str, str] = {}
    for version in session.exec(select(ProcessVersion).order_by(col(ProcessVersion.id))):
        names[version.process_key] = diagram_names(session, version.spec_hash).process or "业务流程"
    return names


def display_names(session: Session, usernames: Iterable[str]) -> dict[str, str]:
    """How people are shown: a user's 姓名, 「系统」 for the engine, any other name as is."""
    wanted = set(usernames)
    found = {u.username: u.display_name or u.username
             for u in session.exec(select(User).where(col(User.username).in_(wanted)))}
    return {name: found.get(name) or ("系统" if name in ("system", "") else name) for name in wanted}


def state_label(state: str) -> str:
    return STATES.get(state, state)


def kind_label(kind: str) -> str:
    return KINDS.get(kind, kind)


def today() -> date:
    """Today in China by the persisted (possibly demo) clock."""
    with read_session() as session:
        return load_clock(session).today()


def deadline_signal(due: date | None, on: date, calendar: WorkdayCalendar) -> tuple[str, str]:
    """(colour, text) for a due date: red when overdue, amber within 3 working days, green otherwise."""
    if due is None:
        return "gray", "无时限"
    if due < on:
        return "red", f"已逾期（应于{fmt_date(due)}前办结）"
    try:
        left = calendar.workdays_between(on, due)
    except CalendarGapError:
        return "orange", f"{fmt_date(due)}到期（节假日未录入，无法计算剩余工作日）"
    colour = "orange" if left <= 3 else "green"
    return colour, f"剩余 {left} 个工作日（{fmt_date(due)}）"


def safely(page: Callable[[], Any]) -> Callable[[], Any]:
    """Run a page so that no stack trace reaches the screen: refusals are shown, crashes are logged."""
    @wraps(page)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return page(*args, **kwargs)
        except (StepError, OutOfScope, CalendarGapError, ValueError) as exc:
            st.error(str(exc), icon=":material/error:")
        except Exception as exc:
            if type(exc).__module__.startswith("streamlit"):  # st.stop / st.rerun control flow
                raise
            ref = uuid.uuid4().hex[:8]
            log.exception("board page error %s", ref)
            st.error(f"系统处理出错，操作未完成。请稍后重试；如仍有问题，请将错误编号 {ref} 告知管理员。",
                     icon=":material/report:")
        return None
    return run
