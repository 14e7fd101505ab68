"""机构详情: the record, the timeline of every event, the case's position on its diagram, scores, documents."""

from __future__ import annotations

import pandas as pd
import streamlit as st
from sqlmodel import col, select

from dashboard import documents
from dashboard.bpmn_viewer import bpmn_viewer
from dashboard.scope import check_institution
from dashboard.ui import NOTICE_STATES, current_user, fmt_date, fmt_time, kind_label, safely, state_label
from workflows.db import read_session
from workflows.models import AuditEvent, Instance, ProcessVersion, SpecBlob, Timer, WorkItem
from workflows.specs import diagram_names
from workflows.views import institution_view

EVENT_LABELS = {
    "process.started": "启动流程", "process.completed": "流程结束", "process.ended": "流程终止",
    "task.completed": "完成步骤", "task.submitted": "提交表单", "state.changed": "状态变更",
    "timer.fired": "期限届满", "message.delivered": "收到消息", "institution.filed": "赋码备案",
    "case.rejected": "不予备案", "objection.refused": "异议不予受理", "workitem.claimed": "认领待办",
    "workitem.released": "退回待办", "workitem.reassigned": "转派待办", "expert.conflict_declared": "专家声明回避",
    "deadline.paused": "办理时限暂停", "deadline.resumed": "办理时限恢复",
}


def _summary(detail: dict) -> str:
    if "before" in detail and "after" in detail:
        return f"{state_label(str(detail['before']))} → {state_label(str(detail['after']))}"
    for key in ("title", "message", "reason", "process"):
        if detail.get(key):
            return str(detail[key])
    return ""


def _diagram(institution_id: int) -> None:
    with read_session() as session:
        instances = session.exec(select(Instance).where(Instance.institution_id == institution_id)
                                 .order_by(col(Instance.id).desc())).all()
        if not instances:
            st.caption("尚无流程。")
            return
        versions = {i.id: session.get(ProcessVersion, i.process_version_id) for i in instances}
        labels = {f"{diagram_names(session, versions[i.id].spec_hash).process or i.process_key} · "
                  f"{'办理中' if i.status == 'running' else '已结束'} · 启动于 {fmt_date(i.started_at)}": i.id
                  for i in instances}
        chosen = labels[st.selectbox("流程", list(labels))]
        version = versions[chosen]
        names = diagram_names(session, version.spec_hash)
        xml = session.get(SpecBlob, version.spec_hash).bpmn_xml
        current = [w.task_name for w in session.exec(select(WorkItem).where(WorkItem.instance_id == chosen))]
        current += [t.task_name for t in session.exec(select(Timer).where(Timer.instance_id == chosen,
                                                                            col(Timer.fired_at).is_(None)))]
        done = [str(e.detail.get("task")) for e in session.exec(select(AuditEvent).where(
            AuditEvent.instance_id == chosen, AuditEvent.kind == "task.completed"))]
    where = "、".join(names.element(c) for c in sorted(set(current))) or "无（流程已结束或在等待系统处理）"
    st.caption(f"当前位置：{where}")
    bpmn_viewer(xml, sorted(set(current)), sorted(set(done)), key=f"bpmn-{chosen}")


@safely
def main() -> None:
    user = current_user()
    raw = st.query_params.get("id", "")
    if not raw.isdigit():
        st.info("请从「机构总览」或「我的待办」选择一家机构。", icon=":material/info:")
        return
    with read_session() as session:
        check_institution(session, user, int(raw))
        view = institution_view(session, int(raw))
        files = documents.for_institution(session, int(raw))
    st.title(view["name"])
    c = st.columns([1, 2, 2, 1])
    for column, label, value in ((c[0], "状态", view["state_label"]), (c[1], "备案编码", view["code"] or "—"),
                                 (c[2], "有效期至", fmt_date(view["valid_until"])),
                                 (c[3], "最近评估等次", view["last_grade"] or "—")):
        column.caption(label)
        column.markdown(f"### {value}")
    st.markdown(f"{kind_label(view['kind'])} · 统一社会信用代码 {view['credit_code']} · 所在县区 {view['county']} · "
                f"政策包 {view['pack']}" + (f" · 有效期 {fmt_date(view['valid_from'])}起" if view["valid_from"] else ""))
    tabs = st.tabs(["流程图", "时间线", "专家评分", "文书", "职业范围", "公示与异议"])
    with tabs[0]:
        _diagram(view["id"])
    with tabs[1]:
        st.dataframe(pd.DataFrame([{"时间": fmt_time(e["at"]), "事件": EVENT_LABELS.get(e["kind"], e["kind"]),
                                    "内容": _summary(e["detail"]), "操作人": e["actor"]} for e in view["events"]]),
                     hide_index=True, use_container_width=True)
    with tabs[2]:
        _scores(view["scores"], user.role, user.username)
    with tabs[3]:
        documents.download_list(files)
    with tabs[4]:
        st.dataframe(pd.DataFrame([{"编码": s["code"], "名称": s["name"], "等级": "、".join(map(str, s["levels"])),
                                    "状态": {"applied": "申请中", "filed": "已备案", "removed": "已取消"}.get(
                                        s["status"], s["status"])} for s in view["scope"]]), hide_index=True)
    with tabs[5]:
        for n in view["notices"]:
            st.markdown(f"- 公示期 {fmt_date(n['published_on'])}至{fmt_date(n['closes_on'])}（{NOTICE_STATES.get(n['status'], n['status'])}）")
        for o in view["objections"]:
            st.markdown(f"- 异议：{o['name']}，{o['reason']}；处理：{o['ruling'] or '待复核'}")


def _scores(sheets: list[dict], role: str, username: str) -> None:
    visible = [s for s in sheets if role != "expert" or s["expert"] == username]
    if not visible:
        st.caption("尚无评分。")
        return
    for sheet in visible:
        with st.container(border=True):
            st.markdown(f"**{sheet['expert']}** · 评分表 {sheet['rubric']} · 提交于 {fmt_time(sheet['submitted_at'])}")
            st.dataframe(pd.DataFrame([{"评分项": k, "评分": str(v)} for k, v in sheet["scores"].items()]),
                         hide_index=True)
            if sheet["vetoes"]:
                st.error("否决项：" + "、".join(sheet["vetoes"]), icon=":material/block:")


main()
