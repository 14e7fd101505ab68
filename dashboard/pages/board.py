"""机构总览: every institution in the user's area, counts per state, filters saved as views, paged in SQL."""

from __future__ import annotations

import pandas as pd
import streamlit as st
from sqlmodel import col, select

from dashboard.board_query import BoardFilters, grade_options, search, state_counts
from dashboard.excel import download_xlsx
from dashboard.ui import current_user, fmt_date, kind_label, safely, state_label
from workflows.clock import load_clock
from workflows.db import read_session, write_session
from workflows.models import SavedView
from workflows.states import KINDS, STATES

PAGE_SIZE = 50
FILTER_KEYS = {"states": "f_states", "kinds": "f_kinds", "occupation": "f_occupation", "area": "f_area",
               "grades": "f_grades", "overdue": "f_overdue"}


def _load_view(filters: dict) -> None:
    loaded = BoardFilters.from_dict(filters)
    for name, key in FILTER_KEYS.items():
        st.session_state[key] = getattr(loaded, name)
    st.session_state["board_page"] = 0


def _views(username: str, current: BoardFilters) -> None:
    with read_session() as session:
        views = session.exec(select(SavedView).where(SavedView.username == username)
                             .order_by(col(SavedView.name))).all()
    cols = st.columns([3, 3, 1])
    chosen = cols[0].selectbox("已保存的视图", [v.name for v in views], index=None, placeholder="选择视图以套用")
    if chosen and cols[0].button("套用视图", icon=":material/filter_alt:"):
        _load_view(next(v.filters for v in views if v.name == chosen))
        st.rerun()
    name = cols[1].text_input("将当前筛选保存为视图", placeholder="例如：西湖区逾期案件")
    if cols[2].button("保存", icon=":material/bookmark_add:") and name.strip():
        with write_session() as session:
            view = session.exec(select(SavedView).where(SavedView.username == username,
                                                        SavedView.name == name.strip())).first()
            view = view or SavedView(username=username, name=name.strip())
            view.filters = current.to_dict()
            session.add(view)
        st.success(f"视图「{name.strip()}」已保存", icon=":material/check:")


@safely
def main() -> None:
    user = current_user()
    st.title("机构总览")
    with read_session() as session:
        on = load_clock(session).today()
        grades = grade_options(session, user)
    with st.expander("筛选", icon=":material/tune:", expanded=True):
        c1, c2, c3 = st.columns(3)
        filters = BoardFilters(
            states=c1.multiselect("状态", list(STATES), format_func=state_label, key=FILTER_KEYS["states"],
                                  placeholder="全部状态"),
            kinds=c2.multiselect("机构类型", list(KINDS), format_func=kind_label, key=FILTER_KEYS["kinds"],
                                 placeholder="全部类型"),
            grades=c3.multiselect("最近评估等次", grades, key=FILTER_KEYS["grades"], placeholder="全部等次"),
            occupation=c1.text_input("职业（工种）名称或编码", key=FILTER_KEYS["occupation"]),
            area=c2.text_input("市/县区划代码", key=FILTER_KEYS["area"], placeholder="如 3301 或 330106"),
            overdue=c3.toggle("只看有逾期事项的", key=FILTER_KEYS["overdue"]),
        )
        _views(user.username, filters)
    with read_session() as session:
        counts = state_counts(session, user, filters, on)
        page = st.session_state.get("board_page", 0)
        rows, total = search(session, user, filters, on, page, PAGE_SIZE)
    metric_cols = st.columns(len(STATES))
    for column, (state, label) in zip(metric_cols, STATES.items(), strict=True):
        column.metric(label, counts.get(state, 0))
    pages = max(1, -(-total // PAGE_SIZE))
    if page >= pages:
        st.session_state["board_page"] = page = 0
    table = pd.DataFrame([{
        "编号": r["id"], "机构名称": r["name"], "状态": state_label(r["state"]), "备案编码": r["code"] or "—",
        "类型": kind_label(r["kind"]), "职业（工种）": r["occupations"], "所在县区": r["county"],
        "有效期": f"{fmt_date(r['valid_from'])}至{fmt_date(r['valid_until'])}" if r["valid_until"] else "—",
        "最近等次": r["grade"] or "—", "逾期": "是" if r["overdue"] else "",
    } for r in rows])
    st.caption(f"共 {total} 家机构，第 {page + 1}/{pages} 页。点击一行查看机构详情。")
    if table.empty:
        st.info("没有符合条件的机构。", icon=":material/search_off:")
        return
    picked = st.dataframe(table, hide_index=True, on_select="rerun", selection_mode="single-row", key="board_table")
    if picked and picked.selection.rows:
        st.switch_page("pages/detail.py", query_params={"id": str(rows[picked.selection.rows[0]]["id"])})
    nav = st.columns([2, 2, 4, 2])
    if nav[0].button("上一页", icon=":material/chevron_left:", disabled=page == 0):
        st.session_state["board_page"] = page - 1
        st.rerun()
    if nav[1].button("下一页", icon=":material/chevron_right:", disabled=page + 1 >= pages):
        st.session_state["board_page"] = page + 1
        st.rerun()
    with nav[3]:
        download_xlsx(table, "机构总览", "board")


main()
