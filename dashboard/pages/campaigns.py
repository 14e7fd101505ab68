"""评估活动: start an annual assessment campaign for a jurisdiction and year; its progress and funnel."""

from __future__ import annotations

import streamlit as st

from dashboard.ui import current_user, display_names, fmt_time, require_role, safely, today
from workflows.campaigns import campaign_progress, campaigns_within, start_campaign
from workflows.db import read_session
from workflows.writepath import StepError


@safely
def main() -> None:
    require_role("clerk", "reviewer", "head", "admin")
    st.title("评估活动")
    user = current_user()
    if user.role in ("reviewer", "head", "admin"):
        with st.form("campaign"):
            year = st.number_input("评估年度", min_value=2020, max_value=2100, value=today().year, step=1)
            area = st.text_input("辖区代码", value=user.jurisdiction)
            go = st.form_submit_button("发起年度评估", icon=":material/play_arrow:", type="primary")
        if go:
            area = area.strip()
            if not area.isdigit() or not area.startswith(user.jurisdiction):
                st.error(f"辖区代码应为本辖区（{user.jurisdiction}）或其下级区划的数字代码，如 {user.jurisdiction}01",
                         icon=":material/block:")
            else:
                with st.spinner("正在为辖区内已备案机构启动评估……"):
                    try:
                        report = start_campaign(int(year), area, user.username)
                    except StepError as exc:
                        st.error(str(exc), icon=":material/error:")
                        return
                reasons = "；".join(f"{r} {n} 家" for r, n in report.skip_reasons.items())
                st.success(f"已发起 {report.year} 年度评估：参评 {len(report.started)} 家，跳过 {len(report.skipped)} 家"
                           + (f"（{reasons}）" if reasons else ""), icon=":material/check_circle:")
    campaigns = campaigns_within(user.jurisdiction)
    if not campaigns:
        st.info("本辖区尚未发起年度评估。", icon=":material/event_busy:")
        return
    with read_session() as session:
        starters = display_names(session, [c.started_by for c in campaigns])
    for campaign in campaigns:
        data = campaign_progress(campaign.id)
        done = data["status"].get("completed", 0) + data["status"].get("ended", 0)
        with st.container(border=True):
            st.subheader(f"{campaign.year} 年度评估 · 辖区 {campaign.jurisdiction}")
            st.caption(f"{fmt_time(campaign.started_at)} 由 {starters[campaign.started_by]} 发起；参评 {data['started']} 家，"
                       f"跳过 {len(data['skipped'])} 家")
            st.progress(done / max(1, data["started"]), text=f"已完成 {done}/{data['started']}")
            left, right = st.columns(2)
            if data["funnel"]:
                left.markdown("**进行中的环节**")
                left.bar_chart({"机构数": data["funnel"]}, x_label="环节", y_label="机构数", horizontal=True)
            if data["grades"]:
                right.markdown("**已确定等次**")
                right.bar_chart({"机构数": data["grades"]}, x_label="等次", y_label="机构数")
            if data["skipped"]:
                st.dataframe([{"机构": s["name"], "跳过原因": s["reason"]} for s in data["skipped"]],
                             hide_index=True, width="stretch")


main()
