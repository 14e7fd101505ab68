"""报表: institutions per state over time, grades per year, on-time rate per step, overdue list; Excel export."""

from __future__ import annotations

import pandas as pd
import streamlit as st
from sqlalchemy import func
from sqlmodel import col, select

from dashboard.excel import download_xlsx
from dashboard.scope import institution_filter
from dashboard.ui import display_names, fmt_date, require_role, safely, state_label
from workflows.clock import CHINA, load_clock
from workflows.db import read_session
from workflows.models import AuditEvent, Institution, WorkItem


@safely
def main() -> None:
    user = require_role("clerk", "reviewer", "head", "admin", "policy")
    st.title("报表")
    with read_session() as session:
        on = load_clock(session).today()
        scoped = select(Institution.id).where(institution_filter(user))
        changes = session.exec(select(AuditEvent.at, AuditEvent.detail).where(
            AuditEvent.kind == "state.changed", col(AuditEvent.institution_id).in_(scoped))).all()
        grades = session.exec(select(Institution.valid_from, Institution.last_grade, func.count()).where(
            institution_filter(user), col(Institution.last_grade).is_not(None))
            .group_by(Institution.valid_from, Institution.last_grade)).all()
        items = session.exec(select(WorkItem, Institution.name).join(Institution, Institution.id == WorkItem.institution_id)
                             .where(institution_filter(user))).all()
    st.subheader("各状态机构数（按月进入该状态的机构）")
    monthly = pd.DataFrame([{"月份": at.astimezone(CHINA).strftime("%Y年%m月"), "状态": state_label(d.get("after", ""))}
                            for at, d in changes])
    if monthly.empty:
        st.caption("暂无数据。")
    else:
        pivot = monthly.groupby(["月份", "状态"]).size().unstack(fill_value=0)
        st.bar_chart(pivot, x_label="月份", y_label="机构数")
        download_xlsx(pivot.reset_index(), "各状态机构数", "states")
    st.subheader("评估等次（按年度）")
    grade_table = pd.DataFrame([{"年度": f"{d.year}年" if d else "未知", "等次": g, "机构数": n} for d, g, n in grades])
    if grade_table.empty:
        st.caption("暂无评估等次。")
    else:
        st.bar_chart(grade_table.pivot_table(index="年度", columns="等次", values="机构数", aggfunc="sum", fill_value=0),
                     x_label="年度", y_label="机构数")
        download_xlsx(grade_table, "评估等次", "grades")
    st.subheader("在办事项按时率（按环节）")
    steps = pd.DataFrame([{"环节": w.title, "按时": w.due_date is None or w.due_date >= on} for w, _ in items])
    if steps.empty:
        st.caption("当前没有在办事项。")
    else:
        grouped = steps.groupby("环节")["按时"]
        rate = pd.DataFrame({"在办事项": grouped.size(), "按时率（%）": grouped.mean().mul(100).round(1)}).reset_index()
        st.dataframe(rate, hide_index=True, width="stretch", column_config={"按时率（%）": st.column_config.ProgressColumn(
            "按时率（%）", format="%.0f%%", min_value=0, max_value=100)})
        download_xlsx(rate, "按时率", "ontime")
    st.subheader("逾期清单")
    with read_session() as session:
        names = display_names(session, [w.claimed_by for w, _ in items if w.claimed_by])
    late = pd.DataFrame([{"机构": name, "事项": w.title, "应办结日期": fmt_date(w.due_date), "认领人": names.get(w.claimed_by or "", "—")}
                         for w, name in items if w.due_date and w.due_date < on])
    if late.empty:
        st.success("没有逾期事项。", icon=":material/task_alt:")
    else:
        st.dataframe(late, hide_index=True)
        download_xlsx(late, "逾期清单", "late")


main()
