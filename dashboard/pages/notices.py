"""公示: current and past public notices with their periods; record an objection received on paper."""

from __future__ import annotations

import pandas as pd
import streamlit as st
from sqlmodel import col, select

from dashboard.excel import download_xlsx
from dashboard.scope import check_institution, institution_filter
from dashboard.ui import NOTICE_STATES, current_user, fmt_date, require_role, safely
from workflows.cases import file_objection
from workflows.db import read_session
from workflows.models import Institution, Notice
from workflows.writepath import StepError


@safely
def main() -> None:
    user = require_role("clerk", "reviewer", "head", "admin")
    st.title("公示")
    with read_session() as session:
        rows = session.exec(select(Notice, Institution).join(Institution, Institution.id == Notice.institution_id)
                            .where(institution_filter(user)).order_by(col(Notice.published_on).desc())
                            .limit(1000)).all()
    current = [(n, i) for n, i in rows if n.status == "open"]
    st.subheader(f"正在公示（{len(current)}）")
    table = pd.DataFrame([{"机构": i.name, "公示类型": "遴选结果" if n.kind == "selection" else "评估等次",
                           "公示开始": fmt_date(n.published_on), "公示截止": fmt_date(n.closes_on),
                           "状态": NOTICE_STATES.get(n.status, n.status)} for n, i in rows])
    if current:
        st.dataframe(table[[n.status == "open" for n, _ in rows]], hide_index=True)
    else:
        st.caption("当前没有正在公示的机构。")
    st.subheader("登记书面异议")
    if current:
        _objection_form({f"{i.name}（公示至{fmt_date(n.closes_on)}）": i.id for n, i in current})
    st.subheader("历史公示")
    st.dataframe(table, hide_index=True)
    if not table.empty:
        download_xlsx(table, "公示记录", "notices")


def _objection_form(choices: dict[str, int]) -> None:
    with st.form("objection", clear_on_submit=False):
        target = st.selectbox("被异议机构", list(choices), index=None, placeholder="请选择正在公示的机构")
        name = st.text_input("异议人姓名（实名）")
        contact = st.text_input("联系方式")
        reason = st.text_area("异议理由")
        evidence = st.text_area("证据材料说明（选填）")
        if not st.form_submit_button("登记异议", icon=":material/post_add:", type="primary"):
            return
    if target is None:
        st.error("请选择被异议机构", icon=":material/error:")
        return
    user = current_user()
    with read_session() as session:
        check_institution(session, user, choices[target])
    try:
        file_objection(choices[target], name, contact, reason, evidence, user.username)
    except StepError as exc:
        st.error(str(exc), icon=":material/error:")
        return
    st.success("异议已登记，已转审核人复核。", icon=":material/check_circle:")


main()
