"""评估活动: start an annual assessment campaign for a jurisdiction and year; its progress and funnel."""

from __future__ import annotations

import importlib
from typing import Any

import streamlit as st

from dashboard.ui import current_user, require_role, safely, today
from workflows.writepath import StepError


def _campaigns() -> Any | None:
    """The campaign machinery (`workflows.campaigns`), or None while it is not installed."""
    try:
        return importlib.import_module("workflows.campaigns")
    except ModuleNotFoundError:
        return None


@safely
def main() -> None:
    require_role("clerk", "reviewer", "head", "admin")
    st.title("评估活动")
    module = _campaigns()
    if module is None or not hasattr(module, "start_campaign"):
        st.info("评估活动功能尚未启用。", icon=":material/hourglass_empty:")
        return
    user = current_user()
    if user.role in ("reviewer", "head", "admin"):
        with st.form("campaign"):
            year = st.number_input("评估年度", min_value=2020, max_value=2100, value=today().year, step=1)
            area = st.text_input("辖区代码", value=user.jurisdiction)
            go = st.form_submit_button("发起年度评估", icon=":material/play_arrow:", type="primary")
        if go:
            if not area.startswith(user.jurisdiction):
                st.error(f"只能在本辖区（{user.jurisdiction}）内发起评估", icon=":material/block:")
            else:
                with st.spinner("正在为辖区内已备案机构启动评估……"):
                    try:
                        report = module.start_campaign(int(year), area, user.username)
                    except StepError as exc:
                        st.error(str(exc), icon=":material/error:")
                        return
                st.success(f"已发起：{report}", icon=":material/check_circle:")
    progress = getattr(module, "campaign_progress", None)
    if progress is None:
        return
    data = progress(today().year, user.jurisdiction)
    total = max(1, int(data.get("total", 0)))
    st.progress(min(1.0, data.get("done", 0) / total), text=f"已完成 {data.get('done', 0)}/{data.get('total', 0)}")
    st.bar_chart(data.get("funnel", {}), x_label="环节", y_label="机构数")


main()
