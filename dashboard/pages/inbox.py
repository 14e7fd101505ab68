"""我的待办: the work items the user may act on; claim, release, reassign, open and submit."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st
from sqlmodel import col, select

from dashboard import task_panel
from dashboard.scope import inbox_filter
from dashboard.ui import current_user, deadline_signal, flash, fmt_date, process_names, safely, show_flash
from workflows import workitems
from workflows.calendar import WorkdayCalendar
from workflows.clock import load_clock
from workflows.db import read_session
from workflows.models import Institution, User, WorkItem
from workflows.writepath import StepError

OPEN = "open_task"
BADGE = {"red": ":material/error:", "orange": ":material/schedule:", "green": ":material/check_circle:",
         "gray": ":material/remove:"}


def _act(action: str, func: Callable[..., object], *args: object) -> None:
    try:
        func(*args)
        flash(action + "成功")
    except StepError as exc:
        flash(str(exc), "error")
    st.rerun()


@safely
def main() -> None:
    user = current_user()
    if st.session_state.get(OPEN):
        task_panel.show(st.session_state[OPEN], close=lambda: st.session_state.pop(OPEN, None))
        return
    st.title("我的待办")
    show_flash()
    with read_session() as session:
        rows = session.exec(select(WorkItem, Institution).join(Institution, Institution.id == WorkItem.institution_id)
                            .where(inbox_filter(user)).order_by(col(WorkItem.due_date), col(WorkItem.id))
                            .limit(500)).all()
        calendar, on = WorkdayCalendar.load(session), load_clock(session).today()
        processes = process_names(session)
        colleagues = session.exec(select(User).where(col(User.jurisdiction).startswith(user.jurisdiction),
                                                     User.active == True)).all()  # noqa: E712
    if not rows:
        st.info("目前没有需要您办理的事项。", icon=":material/task_alt:")
        return
    signals = [deadline_signal(item.due_date, on, calendar) for item, _ in rows]
    overdue = sum(1 for colour, _ in signals if colour == "red")
    st.caption(f"共 {len(rows)} 项待办，其中已逾期 {overdue} 项。今天是 {fmt_date(on)}。")
    for (item, inst), (colour, text) in zip(rows, signals, strict=True):
        with st.container(border=True):
            left, mid, right = st.columns([5, 4, 2])
            left.markdown(f"**{item.title}** · {inst.name}")
            left.caption(f"办件编号 {inst.id} · {processes.get(item.process_key, '业务流程')}")
            mid.badge(text, icon=BADGE[colour], color=colour)
            mid.caption(f"认领人：{item.claimed_by}" if item.claimed_by else "尚未认领")
            if right.button("办理", key=f"open-{item.task_id}", icon=":material/edit_note:", type="primary"):
                st.session_state[OPEN] = item.task_id
                st.rerun()
            if item.claimed_by is None and not item.assignee:
                if right.button("认领", key=f"claim-{item.task_id}", icon=":material/back_hand:"):
                    _act("认领", workitems.claim, item.task_id, user.username)
            elif item.claimed_by and right.button("退回", key=f"release-{item.task_id}", icon=":material/undo:"):
                _act("退回", workitems.release, item.task_id, user.username)
    if user.role in workitems.SUPERVISOR_ROLES:
        _bulk_reassign([item for item, _ in rows if not item.assignee], colleagues)


def _bulk_reassign(items: list[WorkItem], colleagues: list[User]) -> None:
    st.subheader("批量转派")
    if not items:
        st.caption("没有可转派的事项（专家评分等由流程指定的事项不能转派）。")
        return
    labels = {f"{w.title}（办件 {w.institution_id}）": w.task_id for w in items}
    people = {f"{u.display_name}（{u.username}）": u.username for u in colleagues if u.role != "expert"}
    with st.form("reassign"):
        picked = st.multiselect("选择待办", list(labels), placeholder="可多选")
        target = st.selectbox("转派给", list(people), index=None, placeholder="请选择同事")
        if st.form_submit_button("转派", icon=":material/forward:"):
            if not picked or target is None:
                st.error("请选择待办和接收人", icon=":material/error:")
                return
            try:
                done = workitems.reassign([labels[p] for p in picked], people[target], current_user().username)
            except StepError as exc:
                st.error(str(exc), icon=":material/error:")
                return
            st.success(f"已转派 {len(done)} 项给 {target}", icon=":material/check:")


main()
