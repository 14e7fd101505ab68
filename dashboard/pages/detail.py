"""机构详情: the record, the timeline of every event, the case's position on its diagram, scores, documents."""

from __future__ import annotations

import pandas as pd
import streamlit as st
from sqlmodel import col, select

from dashboard import documents
from dashboard.bpmn_viewer import bpmn_viewer
from dashboard.events import event_label, event_summary
from dashboard.scope import check_institution
from dashboard.ui import (
    NOTICE_STATES,
    current_user,
    display_names,
    fmt_date,
    fmt_time,
    kind_label,
    process_names,
    safely,
)
from letters.formats import level_label
from workflows.db import read_session
from workflows.models import AuditEvent, Instance, ProcessVersion, SpecBlob, Timer, WorkItem
from workflows.policy import PackError, get_pack, get_rubric
from workflows.policy.rubrics import Rubric
from workflows.specs import diagram_names
from workflows.views import institution_view

SCOPE_STATES = {"applied": "申请中", "filed": "已备案", "removed": "已取消"}
OBJECTION_STATES = {"pending": "待复核", "upheld": "异议成立", "dismissed": "异议不成立", "refused": "不予受理"}


def _diagram(institution_id: int) -> None:
    with read_session() as session:
        instances = session.exec(select(Instance).where(Instance.institution_id == institution_id)
                                 .order_by(col(Instance.id).desc())).all()
        if not instances:
            st.caption("尚未启动任何流程。")
            return
        versions = {i.id: session.get(ProcessVersion, i.process_version_id) for i in instances}
        labels = {f"{diagram_names(session, versions[i.id].spec_hash).process or '业务流程'} · "
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
        processes = process_names(session)
        names = display_names(session, [e["actor"] for e in view["events"]] + [s["expert"] for s in view["scores"]])
    st.title(view["name"])
    c = st.columns([1, 2, 2, 1])
    for column, label, value in ((c[0], "状态", view["state_label"]), (c[1], "备案编码", view["code"] or "—"),
                                 (c[2], "有效期至", fmt_date(view["valid_until"])),
                                 (c[3], "最近评估等次", view["last_grade"] or "—")):
        column.caption(label)
        column.markdown(f"### {value}")
    st.markdown(f"{kind_label(view['kind'])} · 统一社会信用代码 {view['credit_code']} · 所在县区 {view['county']} · "
                f"适用政策 {_pack_name(view['pack'])}"
                + (f" · 有效期 {fmt_date(view['valid_from'])}起" if view["valid_from"] else ""))
    tabs = st.tabs(["流程图", "时间线", "专家评分", "文书", "职业范围", "公示与异议"])
    with tabs[0]:
        _diagram(view["id"])
    with tabs[1]:
        st.dataframe(pd.DataFrame([{"时间": fmt_time(e["at"]), "事件": event_label(e["kind"]),
                                    "内容": event_summary(e["kind"], e["detail"], processes),
                                    "操作人": names[e["actor"]]} for e in view["events"]]),
                     hide_index=True, width="stretch", column_config={"内容": st.column_config.TextColumn(width="large")})
    with tabs[2]:
        _scores([s for s in view["scores"] if user.role != "expert" or s["expert"] == user.username], names)
    with tabs[3]:
        documents.download_list(files)
    with tabs[4]:
        _scope(view["scope"])
    with tabs[5]:
        _notices(view["notices"], view["objections"])


def _pack_name(pack_id: str) -> str:
    try:
        return get_pack(pack_id).name
    except PackError:
        return pack_id


def _scope(scope: list[dict]) -> None:
    if not scope:
        st.caption("尚未登记职业（工种）范围。")
        return
    st.dataframe(pd.DataFrame([{"职业编码": s["code"], "职业（工种）名称": s["name"], "等级": level_label(s["levels"]),
                                "状态": SCOPE_STATES.get(s["status"], "—")} for s in scope]),
                 hide_index=True, width="stretch")


def _notices(notices: list[dict], objections: list[dict]) -> None:
    st.markdown("**公示**")
    if notices:
        st.dataframe(pd.DataFrame([{"公示类型": "遴选结果" if n["kind"] == "selection" else "评估等次",
                                    "公示开始": fmt_date(n["published_on"]), "公示截止": fmt_date(n["closes_on"]),
                                    "状态": NOTICE_STATES.get(n["status"], "—")} for n in notices]),
                     hide_index=True, width="stretch")
    else:
        st.caption("尚未公示。")
    st.markdown("**异议**")
    if objections:
        st.dataframe(pd.DataFrame([{"收到时间": fmt_time(o["received_at"]), "异议人": o["name"], "理由": o["reason"],
                                    "状态": OBJECTION_STATES.get(o["status"], "—"), "复核意见": o["ruling"] or "—"}
                                   for o in objections]), hide_index=True, width="stretch")
    else:
        st.caption("未收到异议。")


def _rubric(rubric_id: str) -> Rubric | None:
    try:
        return get_rubric(rubric_id)
    except PackError:
        return None


def _score_text(value: object, rules: dict[str, str]) -> str:
    """One item's score as the expert gave it: 8 分, 符合, 基本符合（3 分）, 缺少：（制度名）, 制度齐全."""
    if isinstance(value, dict) and "missing" in value:
        missing = [rules.get(str(r), str(r)) for r in value["missing"]]
        return "缺少：" + "、".join(missing) if missing else "制度齐全"
    if isinstance(value, dict):
        return f"{value.get('value', '')}（{value.get('points', '—')} 分）"
    if isinstance(value, int | float):
        return f"{value:g} 分"
    return str(value)


def _scores(sheets: list[dict], names: dict[str, str]) -> None:
    if not sheets:
        st.caption("尚无专家评分。")
        return
    for sheet in sheets:
        rubric = _rubric(sheet["rubric"])
        items = {i.id: i for s in rubric.sections for i in s.items} if rubric else {}
        vetoes = {v.id: v.title for v in rubric.vetoes} if rubric else {}
        rules = {r.id: r.title for i in items.values() for r in i.rules}
        with st.container(border=True):
            st.markdown(f"**{names[sheet['expert']]}** · {rubric.title if rubric else '评分表'} · "
                        f"提交于 {fmt_time(sheet['submitted_at'])}")
            st.dataframe(pd.DataFrame([{"编号": k, "评分项": items[k].title if k in items else "—",
                                        "满分": f"{float(items[k].max):g}" if k in items else "—",
                                        "评分": _score_text(v, rules)} for k, v in sheet["scores"].items()]),
                         hide_index=True, width="stretch")
            if sheet["vetoes"]:
                st.error("否决项：" + "、".join(vetoes.get(v, v) for v in sheet["vetoes"]), icon=":material/block:")


main()
