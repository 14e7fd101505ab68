"""流程设计 (policy owners): versions per pack, the modeler, drafts, checks, four-eyes publishing,
migration of running cases, and the impact preview of a changed pack."""

from __future__ import annotations

from pathlib import Path

import streamlit as st
from sqlmodel import col, select

from dashboard.modeler import bpmn_modeler
from dashboard.ui import (
    display_names,
    flash,
    fmt_date,
    fmt_time,
    require_role,
    safely,
    show_flash,
    state_label,
)
from workflows.clock import load_clock
from workflows.db import read_session, write_session
from workflows.diagram_diff import DiagramDiff, diff_diagrams
from workflows.dryrun import DryRunError, dry_run
from workflows.impact import pack_impact
from workflows.migration import migrate_cases, preview_cases, target_version
from workflows.models import ProcessDraft, ProcessVersion
from workflows.policy import PackError, list_packs
from workflows.policy.packs import packs_dir
from workflows.publishing import (
    LintFailed,
    PublishError,
    VersionRow,
    approve,
    draft_issues,
    list_versions,
    request_publication,
    save_draft,
    version_xml,
)
from workflows.specs import diagram_names
from workflows.states import STATES

IMPACT_KINDS = {"grade": "评估等次", "eligibility": "申报资格"}
BPMN_TYPES = {"userTask": "人工任务", "serviceTask": "系统任务", "scriptTask": "脚本任务", "manualTask": "线下任务",
              "businessRuleTask": "规则任务", "sendTask": "发送任务", "receiveTask": "接收任务",
              "sequenceFlow": "连线", "exclusiveGateway": "排他网关", "parallelGateway": "并行网关",
              "inclusiveGateway": "包容网关", "eventBasedGateway": "事件网关", "startEvent": "开始事件",
              "endEvent": "结束事件", "boundaryEvent": "边界事件", "intermediateCatchEvent": "中间捕获事件",
              "intermediateThrowEvent": "中间抛出事件", "subProcess": "子流程", "callActivity": "调用子流程",
              "lane": "泳道", "laneSet": "泳道组", "process": "流程", "timerEventDefinition": "定时器",
              "messageEventDefinition": "消息", "errorEventDefinition": "错误", "conditionExpression": "条件"}
INSTANCE_STATES = {"running": "未结束", "completed": "已结束", "ended": "已终止"}


def _versions_table(pack_id: str) -> list[VersionRow]:
    with read_session() as session:
        rows = list_versions(session, pack_id)
        titles = {r.id: diagram_names(session, session.get(ProcessVersion, r.id).spec_hash).process for r in rows}
        names = display_names(session, [n for r in rows for n in (r.published_by, r.approved_by) if n])
    st.dataframe([{"流程": f"{titles[r.id]}（{r.process_key}）", "版本": r.version, "发布人": names[r.published_by],
                   "审批人": names[r.approved_by] if r.approved_by else "—", "发布时间": fmt_time(r.published_at),
                   "生效日期": fmt_date(r.effective_from) if r.effective_from else "发布即生效",
                   "法律依据": r.basis_note or "—", "在办案件": r.running_cases} for r in rows],
                 hide_index=True, width="stretch")
    return rows


def _drafts(pack_id: str, process_key: str) -> list[ProcessDraft]:
    with read_session() as session:
        return list(session.exec(select(ProcessDraft).where(
            ProcessDraft.pack_id == pack_id, ProcessDraft.process_key == process_key,
            col(ProcessDraft.status).in_(["draft", "pending"])).order_by(col(ProcessDraft.id).desc())))


def _editor(user: str, pack_id: str, process_key: str, base_id: int, draft: ProcessDraft | None) -> None:
    with read_session() as session:
        published = version_xml(session, base_id)
    xml = draft.bpmn_xml if draft else published
    diff = diff_diagrams(published, xml)
    key = f"modeler-{pack_id}-{process_key}-{draft.id if draft else 'new'}"
    saved = bpmn_modeler(xml, added=[c.element_id for c in diff.added], changed=[c.element_id for c in diff.changed],
                         key=key)
    # The component keeps returning its last value on every rerun: save each press of 保存草稿 once.
    fresh = saved and saved.get("saved_at") != st.session_state.get(f"{key}-handled")
    if fresh and saved.get("xml") and saved["xml"] != xml and (draft is None or draft.status == "draft"):
        st.session_state[f"{key}-handled"] = saved.get("saved_at")
        with write_session() as session:
            row = save_draft(session, pack_id, process_key, saved["xml"], user, load_clock(session).now(),
                             draft.id if draft else None)
        flash(f"草稿 {row.id} 已保存")
        st.rerun()
    upload = st.file_uploader("上传 .bpmn 文件作为草稿（Camunda Modeler 等 bpmn.io 工具均可）", type=["bpmn", "xml"])
    if upload is not None and st.button("保存上传的草稿", icon=":material/upload:"):
        with write_session() as session:
            row = save_draft(session, pack_id, process_key, upload.getvalue().decode("utf-8"), user,
                             load_clock(session).now(), draft.id if draft and draft.status == "draft" else None)
        flash(f"草稿 {row.id} 已保存")
        st.rerun()
    st.download_button("下载 .bpmn", xml.encode("utf-8"), file_name=f"{pack_id}-{process_key}.bpmn",
                       mime="application/xml", icon=":material/download:")
    if draft is not None:
        _draft_panel(user, draft, diff)


def _draft_panel(user: str, draft: ProcessDraft, diff: DiagramDiff) -> None:
    st.subheader(f"草稿 {draft.id}（{'待审批' if draft.status == 'pending' else '编辑中'}）")
    st.markdown("**与已发布版本的差异（按 BPMN 编号）**")
    rows = [{"变化": label, "编号": c.element_id, "类型": BPMN_TYPES.get(c.kind, c.kind), "名称": c.name, "说明": "；".join(c.details)}
            for label, items in (("新增", diff.added), ("删除", diff.removed), ("修改", diff.changed))
            for c in items]
    if rows:
        st.dataframe(rows, hide_index=True, width="stretch")
    else:
        st.caption("没有差异")
    issues = draft_issues(draft)
    if issues:
        st.error("发布前检查未通过：\n\n" + "\n".join(f"- **{i.element_id}**：{i.message}" for i in issues))
    else:
        st.success("发布前检查全部通过", icon=":material/task_alt:")
    if st.button("演练（用示例申报在临时数据库中运行）", icon=":material/play_circle:"):
        try:
            with st.spinner("演练中……"):
                cases = dry_run(draft.pack_id, draft.process_key, draft.bpmn_xml)
            st.dataframe([{"示例": c.fixture, "机构": c.institution, "结果": state_label(c.state), "流程": INSTANCE_STATES.get(c.status, c.status),
                           "工作日": c.working_days, "经过": " → ".join(c.steps), "问题": c.error or "—"} for c in cases],
                         hide_index=True, width="stretch")
        except DryRunError as exc:
            st.error(str(exc))
    if draft.status == "draft":
        with st.form(f"request-{draft.id}"):
            reason = st.text_input("修改理由")
            basis = st.text_input("法律依据（文件名称、文号、条款）")
            effective = st.date_input("生效日期")
            if st.form_submit_button("申请发布（须另一位政策管理员审批）", type="primary"):
                with write_session() as session:
                    request_publication(session, draft.id, user, load_clock(session).now(), reason=reason,
                                        basis_note=basis, effective_from=effective)
                flash("已提交发布申请，等待另一位政策管理员审批")
                st.rerun()
    else:
        st.info(f"{draft.requested_by} 申请发布：{draft.reason or '—'}（依据：{draft.basis_note or '—'}；"
                f"生效日期：{fmt_date(draft.effective_from) if draft.effective_from else '发布即生效'}）")
        if st.button("审批发布", type="primary", disabled=user == draft.requested_by,
                     help="申请人不能审批自己的申请（四眼原则）"):
            with write_session() as session:
                version = approve(session, draft.id, user, load_clock(session).now())
            flash(f"已发布为第 {version.version} 版")
            st.rerun()


def _migration(user: str, pack_id: str, process_key: str, versions: list[VersionRow]) -> None:
    st.subheader("迁移在办案件")
    numbers = sorted({r.version for r in versions if r.process_key == process_key}, reverse=True)
    if len(numbers) < 2:
        st.caption("只有一个版本，无需迁移")
        return
    cols = st.columns(4)
    to = cols[0].selectbox("目标版本", numbers)
    source = cols[1].selectbox("原版本", [None, *numbers[1:]], format_func=lambda v: "全部" if v is None else str(v))
    state = cols[2].selectbox("机构状态", [None, *STATES], format_func=lambda s: "全部" if s is None else STATES[s])
    jurisdiction = cols[3].text_input("辖区代码前缀", placeholder="如 3301") or None
    previews = preview_cases(pack_id, process_key, to, from_version=source, state=state, jurisdiction=jurisdiction)
    if not previews:
        st.caption("没有符合条件的在办案件。")
        return
    st.dataframe([{"机构": p.institution_name, "机构状态": state_label(p.state), "原版本": p.from_version,
                   "目标版本": p.to_version, "当前位置": "、".join(p.current) or "—",
                   "新增节点": "、".join(p.added) or "—", "删除节点": "、".join(p.removed) or "—",
                   "修改节点": "、".join(p.changed) or "—", "可迁移": "是" if p.movable else "否",
                   "不能迁移的原因": "；".join(p.problems) or "—"} for p in previews], hide_index=True, width="stretch")
    movable = [p.instance_id for p in previews if p.movable]
    if movable and st.button(f"迁移 {len(movable)} 件到第 {to} 版", type="primary"):
        with read_session() as session:
            target = target_version(session, pack_id, process_key, to)
        bar = st.progress(0.0, "迁移中……")
        outcomes = migrate_cases(movable, target.id, user,
                                 progress=lambda done, total, _: bar.progress(done / total, f"{done}/{total}"))
        flash(f"已迁移 {sum(o.migrated for o in outcomes)} 件，未迁移 {sum(not o.migrated for o in outcomes)} 件")
        st.rerun()


def _impact(pack_id: str) -> None:
    st.subheader("政策包变更影响预览")
    folder = st.text_input("候选政策包目录（含 pack.yaml 与 rubrics/）", value=str(packs_dir() / pack_id))
    if st.button("重放上一评估年度的评分表与申报", icon=":material/analytics:"):
        try:
            with read_session() as session:
                impact = pack_impact(session, Path(folder))
        except PackError as exc:
            st.error(str(exc))
            return
        st.metric("等级或资格会变化的机构", impact.institutions_changed)
        st.caption(f"年度 {impact.year or '—'}：重放评分表 {impact.sheets_replayed} 份、申报 {impact.applications_replayed} 份；不写入任何数据")
        if impact.changes:
            st.dataframe([{"机构": c.name, "变化": IMPACT_KINDS.get(c.what, "其他"), "现行政策包": c.before,
                           "候选政策包": c.after} for c in impact.changes], hide_index=True, width="stretch")
        else:
            st.success("候选政策包不会改变任何机构的等次或资格。", icon=":material/task_alt:")


@safely
def page() -> None:
    user = require_role("policy", "admin")
    st.title("流程设计")
    show_flash()
    pack_id = st.selectbox("政策包", [p.id for p in list_packs()],
                           format_func=lambda i: next(f"{p.id} {p.name}" for p in list_packs() if p.id == i))
    versions = _versions_table(pack_id)
    processes = sorted({r.process_key for r in versions})
    if not processes:
        return
    with read_session() as session:
        titles = {r.process_key: diagram_names(session, session.get(ProcessVersion, r.id).spec_hash).process
                  for r in versions}
    process_key = st.selectbox("流程", processes, format_func=lambda k: f"{titles.get(k) or k}（{k}）")
    newest = max((r for r in versions if r.process_key == process_key), key=lambda r: r.version)
    drafts = _drafts(pack_id, process_key)
    choice = st.selectbox("打开", [None, *[d.id for d in drafts]],
                          format_func=lambda d: f"已发布第 {newest.version} 版（新建草稿）" if d is None
                          else f"草稿 {d}")
    draft = next((d for d in drafts if d.id == choice), None)
    try:
        _editor(user.username, pack_id, process_key, draft.base_version_id if draft else newest.id, draft)
    except LintFailed as exc:
        st.error(str(exc))
    except PublishError as exc:
        st.error(str(exc))
    _migration(user.username, pack_id, process_key, versions)
    _impact(pack_id)


page()
