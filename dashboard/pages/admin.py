"""管理: users and roles, holiday calendar overrides, and the demo clock (demo mode only)."""

from __future__ import annotations

from datetime import date, datetime, time

import pandas as pd
import streamlit as st
from sqlmodel import col, select

from dashboard.ui import current_user, fmt_date, fmt_time, require_role, safely, today
from workflows import audit
from workflows.calendar import WorkdayCalendar, enter_year
from workflows.clock import CHINA, Clock, load_clock, save_clock
from workflows.db import read_session, write_session
from workflows.models import CalendarDay, User
from workflows.settings import demo_mode
from workflows.states import ROLES
from workflows.users import upsert_user


def _users() -> None:
    user = current_user()
    with read_session() as session:
        users = session.exec(select(User).where(col(User.jurisdiction).startswith(user.jurisdiction))
                             .order_by(col(User.username))).all()
    st.dataframe(pd.DataFrame([{"用户名": u.username, "姓名": u.display_name, "角色": ROLES.get(u.role, u.role),
                                "辖区": u.jurisdiction, "状态": "启用" if u.active else "停用",
                                "锁定至": fmt_time(u.locked_until)} for u in users]),
                 hide_index=True)
    with st.form("add-user"):
        st.markdown("**新增或修改用户**（同名用户将更新角色、辖区和密码）")
        c = st.columns(2)
        username = c[0].text_input("用户名")
        display = c[1].text_input("姓名")
        role = c[0].selectbox("角色", list(ROLES), format_func=lambda r: ROLES[r])
        area = c[1].text_input("辖区代码", value=user.jurisdiction)
        password = st.text_input("初始密码（至少 8 位）", type="password")
        if not st.form_submit_button("保存用户", icon=":material/person_add:"):
            return
    if not area.startswith(user.jurisdiction):
        st.error(f"只能管理本辖区（{user.jurisdiction}）内的用户", icon=":material/block:")
        return
    try:
        with write_session() as session:
            upsert_user(session, username.strip(), password, role, area.strip(), display.strip())
            audit.append(session, at=load_clock(session).now(), actor=user.username, kind="user.saved",
                         detail={"username": username.strip(), "role": role, "jurisdiction": area.strip()})
    except ValueError as exc:
        st.error(str(exc), icon=":material/error:")
        return
    st.success(f"用户 {username} 已保存", icon=":material/check_circle:")


def _holidays() -> None:
    on = today()
    with read_session() as session:
        calendar = WorkdayCalendar.load(session)
        days = session.exec(select(CalendarDay).order_by(col(CalendarDay.day))).all()
    for year in (on.year, on.year + 1):
        state = "已录入/内置" if calendar.covers(year) else "未录入"
        st.markdown(f"- {year} 年节假日安排：**{state}**")
    if days:
        st.dataframe(pd.DataFrame([{"日期": fmt_date(d.day), "类型": "调休上班" if d.is_workday else "放假",
                                    "说明": d.note, "录入人": d.entered_by} for d in days]), hide_index=True)
    with st.form("holidays"):
        st.markdown("**录入一年的节假日安排**：每行一个日期，放假日写 `2027-01-01 放假`，调休上班写 `2027-02-07 上班`")
        year = st.number_input("年度", min_value=2020, max_value=2100, value=on.year + 1, step=1)
        text = st.text_area("日期清单", height=160)
        note = st.text_input("依据（如国务院办公厅通知文号）")
        if not st.form_submit_button("保存该年度安排", icon=":material/event_available:"):
            return
    try:
        parsed = _parse_days(text)
        with write_session() as session:
            enter_year(session, int(year), parsed, current_user().username, note)
            audit.append(session, at=load_clock(session).now(), actor=current_user().username,
                         kind="calendar.entered", detail={"year": int(year), "days": len(parsed), "note": note})
    except ValueError as exc:
        st.error(str(exc), icon=":material/error:")
        return
    st.success(f"{int(year)} 年节假日安排已保存（{len(parsed)} 天）", icon=":material/check_circle:")


def _parse_days(text: str) -> dict[date, bool]:
    days = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = line.split()
        if len(parts) != 2 or parts[1] not in ("放假", "上班"):
            raise ValueError(f"第 {number} 行格式不正确：「{line.strip()}」（应为“2027-01-01 放假”或“2027-02-07 上班”）")
        try:
            days[date.fromisoformat(parts[0])] = parts[1] == "上班"
        except ValueError as exc:
            raise ValueError(f"第 {number} 行日期不正确：「{parts[0]}」") from exc
    return days


def _clock() -> None:
    with read_session() as session:
        clock = load_clock(session)
    st.markdown(f"当前系统时间：**{fmt_time(clock.now())}**（{'演示时钟' if clock.mode == 'fixed' else '真实时间'}）")
    with st.form("clock"):
        day = st.date_input("设置演示日期", value=clock.today(), format="YYYY-MM-DD")
        at = st.time_input("时间", value=time(9, 0))
        c = st.columns(2)
        fix = c[0].form_submit_button("设置演示时间", icon=":material/schedule:")
        real = c[1].form_submit_button("恢复真实时间", icon=":material/update:")
    if fix or real:
        new = Clock() if real else Clock(datetime.combine(day, at, tzinfo=CHINA))
        with write_session() as session:
            save_clock(session, new)
            audit.append(session, at=new.now(), actor=current_user().username, kind="clock.set",
                         detail={"mode": new.mode, "now": new.now().isoformat()})
        st.rerun()


@safely
def main() -> None:
    user = require_role("admin", "policy")
    st.title("管理")
    sections = (["用户与角色"] if user.role == "admin" else []) + ["节假日"] + \
        (["演示时钟"] if demo_mode() and user.role == "admin" else [])
    tabs = st.tabs(sections)
    for tab, name in zip(tabs, sections, strict=True):
        with tab:
            {"用户与角色": _users, "节假日": _holidays, "演示时钟": _clock}[name]()


main()
