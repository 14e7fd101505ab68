"""One open work item: the institution, its documents, the steps so far, and the task's form."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st
from sqlmodel import Session, col, select

from dashboard import documents
from dashboard.events import event_label, event_summary
from dashboard.forms import render_form
from dashboard.scope import OutOfScope, check_work_item
from dashboard.ui import (
    current_user,
    deadline_signal,
    display_names,
    flash,
    fmt_time,
    kind_label,
    process_names,
    safely,
    state_label,
)
from workflows import specs, workitems
from workflows.calendar import WorkdayCalendar
from workflows.clock import load_clock
from workflows.db import read_session
from workflows.models import AuditEvent, Instance, Institution, Objection, ProcessVersion, WorkItem
from workflows.policy import PackError, get_pack, get_rubric
from workflows.policy.rubrics import Rubric
from workflows.writepath import ConflictError, InputError, StepError, complete_task


def _rubric(item: WorkItem, inst: Institution) -> Rubric | None:
    """The rubric an expert scores this case on (from the pack's section for the item's process)."""
    try:
        section = getattr(get_pack(inst.pack_id), item.process_key, None)
        rubric_id = getattr(section, "rubric", None)
        return get_rubric(rubric_id) if rubric_id else None
    except PackError:
        return None


def _schema(session: Session, item: WorkItem) -> dict[str, Any]:
    instance = session.get(Instance, item.instance_id)
    version = session.get(ProcessVersion, instance.process_version_id)
    return specs.load_form(version.source_path, item.form) if item.form else {"properties": {}}


@safely
def show(task_id: str, close: Callable[[], None]) -> None:
    """Draw the panel; `close` returns to the list."""
    user = current_user()
    if st.button("返回待办列表", icon=":material/arrow_back:"):
        close()
        st.rerun()
    try:
        with read_session() as session:
            item = check_work_item(session, user, task_id)
            inst = session.get(Institution, item.institution_id)
            instance = session.get(Instance, item.instance_id)
            schema = _schema(session, item)
            steps = session.exec(select(AuditEvent).where(AuditEvent.instance_id == item.instance_id)
                                 .order_by(col(AuditEvent.seq))).all()
            docs = documents.for_institution(session, inst.id)
            deadline = deadline_signal(item.due_date, load_clock(session).today(), WorkdayCalendar.load(session))[1]
            objections = session.exec(select(Objection).where(Objection.institution_id == inst.id,
                                                              Objection.status == "pending")).all()
            processes = process_names(session)
            names = display_names(session, [e.actor for e in steps])
    except OutOfScope:
        st.warning("该事项已办结或已由他人办理，请返回待办列表刷新。", icon=":material/info:")
        return
    version_key = f"version-{task_id}"
    st.session_state.setdefault(version_key, instance.row_version)
    st.title(item.title)
    st.markdown(f"**{inst.name}**　{kind_label(inst.kind)} · 统一社会信用代码 {inst.credit_code} · "
                f"当前状态 {state_label(inst.state)}　[查看机构详情](/institution?id={inst.id})")
    st.caption(f"办理时限：{deadline}")
    tabs = st.tabs(["办理", "已有步骤", "文书"])
    with tabs[1]:
        for event in steps:
            what = event_summary(event.kind, event.detail, processes)
            st.markdown(f"- {fmt_time(event.at)}　{event_label(event.kind)}　{what}　（{names[event.actor]}）")
    with tabs[2]:
        documents.download_list(docs)
    with tabs[0]:
        if item.claimed_by and item.claimed_by != user.username:
            st.warning(f"此事项已由 {item.claimed_by} 认领，请勿重复办理。", icon=":material/lock:")
            return
        for o in objections:
            st.info(f"**待复核的异议**（{fmt_time(o.received_at)} 收到）  \n异议人：{o.name}（{o.contact}）  \n"
                    f"理由：{o.reason}" + (f"  \n证据：{o.evidence}" if o.evidence else ""), icon=":material/campaign:")
        _form(item, inst, schema, st.session_state[version_key])
        if item.assignee == user.username and user.role == "expert":
            _conflict(item)


def _form(item: WorkItem, inst: Institution, schema: dict[str, Any], version: int) -> None:
    errors_key = f"errors-{item.task_id}"
    errors = st.session_state.get(errors_key, {})
    if errors:
        st.error("表单有误，请按提示修改后再提交", icon=":material/error:")
    with st.form(f"task-{item.task_id}"):
        collect = render_form(item.task_id, schema, errors, _rubric(item, inst))
        submitted = st.form_submit_button("提交", icon=":material/send:", type="primary")
    if not submitted:
        return
    try:
        complete_task(item.task_id, collect(), current_user().username, expected_version=version)
    except InputError as exc:
        st.session_state[errors_key] = exc.errors or {"": str(exc)}
        st.rerun()
    except ConflictError:
        st.error("提交未成功：此事项已被他人办理或案件已更新。您填写的内容未保存，请返回待办列表刷新后查看。",
                 icon=":material/sync_problem:")
        return
    st.session_state.pop(errors_key, None)
    st.session_state.pop("open_task", None)
    flash(f"「{item.title}」已提交")
    st.rerun()


def _conflict(item: WorkItem) -> None:
    with st.expander("声明回避（与该机构存在利害关系）", icon=":material/gavel:"), \
            st.form(f"conflict-{item.task_id}"):
            reason = st.text_area("回避理由")
            if st.form_submit_button("提交回避声明"):
                try:
                    workitems.declare_conflict(item.task_id, current_user().username, reason)
                except StepError as exc:
                    st.error(str(exc), icon=":material/error:")
                    return
                st.success("回避声明已登记，将通知经办人重新抽取专家。", icon=":material/check:")
