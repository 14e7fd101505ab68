"""Audit events in a clerk's words: what happened (事件) and a one-line summary (内容), never raw keys or JSON.

Used by the institution's 时间线 and the task panel's 已有步骤. An event kind without an entry here
is shown as 「系统记录」 with an empty summary rather than its technical name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any

from dashboard.ui import fmt_date, state_label
from letters.kinds import KINDS as LETTER_KINDS

Detail = dict[str, Any]


def _day(value: Any) -> str:
    """A stored date or datetime (ISO text in JSON) as 2026年9月1日."""
    if isinstance(value, date | datetime):
        return fmt_date(value)
    try:
        return fmt_date(date.fromisoformat(str(value)[:10]))
    except ValueError:
        return "—"


def _yes(value: Any, yes: str, no: str) -> str:
    return yes if value else no


def _items(values: Iterable[Any] | None) -> str:
    return "、".join(str(v) for v in values or [])


LABELS: dict[str, str] = {
    "process.started": "启动流程", "process.completed": "流程结束", "process.ended": "流程终止",
    "process.spawned": "启动后续流程", "process.migrated": "迁移到新版流程",
    "task.completed": "完成步骤", "task.submitted": "提交表单", "task.reassigned": "转派",
    "state.changed": "状态变更", "timer.fired": "期限届满", "message.delivered": "收到消息",
    "case.opened": "受理申请", "case.rejected": "不予备案", "eligibility.checked": "资格条件审查",
    "supplement.expired": "逾期未补正", "deadline.paused": "办理时限暂停", "deadline.resumed": "办理时限恢复",
    "panel.drawn": "抽取评审专家", "review.combined": "汇总专家评分", "expert.conflict_declared": "专家声明回避",
    "notice.published": "发布公示", "notice.closed": "公示期满", "notice.withdrawn": "撤回公示",
    "objection.refused": "异议不予受理", "objection.ruled": "异议复核", "document.issued": "出具文书",
    "institution.filed": "赋码备案", "institution.expired": "备案到期失效", "institution.renewed": "备案续期",
    "institution.revoked": "撤销备案", "institution.suspended": "责令整改", "institution.reinstated": "整改合格恢复",
    "rectification.failed": "整改不合格", "period.opened": "进入备案有效期", "period.reminded": "到期提醒",
    "pilot.continued": "试点继续", "pilot.cancelled": "取消试点资格",
    "renewal.routed": "续期分流", "renewal.reviewed": "续期评审", "renewal.refused": "不予续期",
    "renewal.disqualifier_reported": "续期否决情形报告", "assessment.opened": "启动年度评估",
    "grade.proposed": "拟定评估等次", "grade.determined": "确定评估等次",
    "scope.checked": "备案范围调整审查", "scope.changed": "调整备案范围", "scope.refused": "不同意调整范围",
    "workitem.claimed": "认领待办", "workitem.released": "退回待办", "workitem.reassigned": "转派待办",
}

SUMMARIES: dict[str, Callable[[Detail], str]] = {
    "task.completed": lambda d: str(d.get("title") or ""),
    "task.submitted": lambda d: str(d.get("title") or ""),
    "state.changed": lambda d: f"{state_label(str(d.get('before', '')))} → {state_label(str(d.get('after', '')))}",
    "case.opened": lambda d: f"收到申请 {_day(d.get('received_on'))}，应于 {_day(d.get('due_on'))} 前办结",
    "case.rejected": lambda d: _items(d.get("reasons")),
    "eligibility.checked": lambda d: _yes(d.get("eligible"), "符合资格条件",
                                          "不符合：" + _items(d.get("failed"))),
    "deadline.paused": lambda d: f"{d.get('reason') or '暂停'}，自 {_day(d.get('since'))} 起"
                                 + (f"，补正期限至 {_day(d['supplement_deadline'])}" if d.get("supplement_deadline") else ""),
    "deadline.resumed": lambda d: f"{_day(d.get('resumed_on'))} 恢复计时，暂停 {d.get('paused_workdays', 0)} 个工作日"
                                  + (f"，新的办结期限 {_day(d['due_after'])}" if d.get("due_after") else ""),
    "panel.drawn": lambda d: f"从 {d.get('pool', 0)} 名专家中抽取 {len(d.get('experts') or [])} 名",
    "review.combined": lambda d: (f"总分 {d['total']}，" if d.get("total") is not None else "")
                                 + _yes(d.get("passed"), "通过", "未通过")
                                 + (f"，等次 {d['grade']}" if d.get("grade") else "")
                                 + ("，专家意见分歧较大" if d.get("divergent") else ""),
    "notice.published": lambda d: f"公示期 {_day(d.get('published_on'))}至{_day(d.get('closes_on'))}",
    "notice.closed": lambda d: f"公示于 {_day(d.get('closes_on'))} 期满",
    "objection.ruled": lambda d: _yes(d.get("upheld"), "异议成立", "异议不成立") + (f"：{d['ruling']}" if d.get("ruling") else ""),
    "objection.refused": lambda d: str(d.get("reason") or ""),
    "document.issued": lambda d: f"{LETTER_KINDS[d['document']].title if d.get('document') in LETTER_KINDS else '文书'}"
                                 f"（{d.get('number', '')}）",
    "institution.filed": lambda d: f"备案编码 {d.get('code', '')}，有效期 {_day(d.get('valid_from'))}至{_day(d.get('valid_until'))}",
    "institution.renewed": lambda d: f"有效期延至 {_day(d.get('valid_until'))}",
    "institution.expired": lambda d: f"有效期至 {_day(d.get('valid_until'))}",
    "institution.revoked": lambda d: str(d.get("finding") or ""),
    "institution.suspended": lambda d: f"{d.get('reason', '')}，整改期限 {_day(d.get('deadline'))}",
    "institution.reinstated": lambda d: str(d.get("opinion") or ""),
    "rectification.failed": lambda d: str(d.get("finding") or ""),
    "period.reminded": lambda d: f"距有效期届满 {d.get('days', '')} 天提醒（有效期至 {_day(d.get('valid_until'))}）",
    "pilot.continued": lambda d: str(d.get("opinion") or ""),
    "pilot.cancelled": lambda d: str(d.get("opinion") or ""),
    "renewal.routed": lambda d: str(d.get("reason") or ""),
    "renewal.reviewed": lambda d: str(d.get("result") or ""),
    "renewal.refused": lambda d: f"有效期至 {_day(d.get('valid_until'))}",
    "assessment.opened": lambda d: f"{d.get('year', '')} 年度",
    "grade.proposed": lambda d: f"拟定等次 {d.get('grade') or '—'}",
    "grade.determined": lambda d: f"{d.get('year', '')} 年度等次 {d.get('grade') or '—'}",
    "scope.checked": lambda d: _yes(d.get("ok"), "审查通过", "存在问题：" + _items(d.get("problems"))),
    "scope.changed": lambda d: "；".join(f"{c.get('change', '')} {c.get('name', '')}" for c in d.get("changes") or []),
    "scope.refused": lambda d: _items(d.get("reasons")),
    "workitem.reassigned": lambda d: f"转派给 {d.get('after', '')}",
    "message.delivered": lambda d: str(d.get("message") or d.get("title") or ""),
    "expert.conflict_declared": lambda d: str(d.get("reason") or ""),
}
PROCESS_KINDS = {"process.started", "process.completed", "process.ended", "process.spawned", "process.migrated"}


def event_label(kind: str) -> str:
    return LABELS.get(kind, "系统记录")


def event_summary(kind: str, detail: Detail, processes: dict[str, str]) -> str:
    """One readable line for an event; `processes` names process keys (评价机构遴选备案…)."""
    if kind in PROCESS_KINDS:
        name = processes.get(str(detail.get("process", "")), "")
        return name + (f"（第 {detail['after']} 版）" if kind == "process.migrated" else "")
    summary = SUMMARIES.get(kind)
    try:
        return summary(detail) if summary else ""
    except (KeyError, TypeError, AttributeError):
        return ""
