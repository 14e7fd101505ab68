"""Drafts and four-eyes publishing of process diagrams by policy owners (政策管理员).

A draft (`ProcessDraft`) holds the edited XML. Publishing is two steps by two different policy
owners: `request_publication` (the draft must pass every lint check; records why, the legal basis
and the effective date) and `approve` (registers the diagram as the next `ProcessVersion`, with
`published_by` the requester and `approved_by` the approver). New cases start on the newest version
effective on their start date (`specs.latest_version(on=…)`); running cases keep theirs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import func
from sqlmodel import Session, col, select

from workflows import audit, specs
from workflows.lint import LintIssue, lint_diagram
from workflows.models import Instance, ProcessDraft, ProcessVersion, SpecBlob, User
from workflows.settings import BPMN_DIR

POLICY_ROLES = ("policy", "admin")


class PublishError(ValueError):
    """A draft action was refused; `str()` says why in Chinese."""


class LintFailed(PublishError):
    """The draft does not pass the pre-publish checks; `issues` lists them."""

    def __init__(self, issues: list[LintIssue]) -> None:
        super().__init__("流程图未通过发布前检查：" + "；".join(str(i) for i in issues))
        self.issues = issues


@dataclass(frozen=True)
class VersionRow:
    """One published version for the 流程设计 list."""

    id: int
    pack_id: str
    process_key: str
    version: int
    published_by: str
    approved_by: str | None
    published_at: datetime | None
    effective_from: date | None
    basis_note: str
    running_cases: int


def policy_owner(session: Session, username: str) -> User:
    """The active policy owner `username`, or PublishError."""
    user = session.exec(select(User).where(User.username == username)).first()
    if user is None or not user.active:
        raise PublishError(f"用户 {username} 不存在或已停用")
    if user.role not in POLICY_ROLES:
        raise PublishError(f"用户 {username}（{user.role}）不是政策管理员，不能修改流程")
    return user


def list_versions(session: Session, pack_id: str | None = None) -> list[VersionRow]:
    """Every published version (newest first per process) with how many running cases use it."""
    counts = dict(session.exec(
        select(Instance.process_version_id, func.count()).where(Instance.status == "running")
        .group_by(Instance.process_version_id)).all())
    query = select(ProcessVersion).where(ProcessVersion.status == "published")
    if pack_id:
        query = query.where(ProcessVersion.pack_id == pack_id)
    rows = session.exec(query.order_by(ProcessVersion.pack_id, ProcessVersion.process_key,
                                       col(ProcessVersion.version).desc())).all()
    return [VersionRow(v.id, v.pack_id, v.process_key, v.version, v.published_by, v.approved_by, v.published_at,
                       v.effective_from, v.basis_note, counts.get(v.id, 0)) for v in rows]


def version_xml(session: Session, version_id: int) -> str:
    """The BPMN XML of a stored version."""
    version = session.get(ProcessVersion, version_id)
    if version is None:
        raise PublishError(f"流程版本 {version_id} 不存在")
    return session.get(SpecBlob, version.spec_hash).bpmn_xml


def save_draft(session: Session, pack_id: str, process_key: str, xml: str, author: str, now: datetime,
               draft_id: int | None = None) -> ProcessDraft:
    """Create a draft (based on the newest published version) or update one still in `draft`."""
    policy_owner(session, author)
    if draft_id is None:
        base = specs.latest_version(session, pack_id, process_key)
        draft = ProcessDraft(pack_id=pack_id, process_key=process_key, base_version_id=base.id if base else None,
                             bpmn_xml=xml, author=author, created_at=now)
    else:
        draft = get_draft(session, draft_id)
        if draft.status != "draft":
            raise PublishError(f"草稿 {draft_id} 状态为 {draft.status}，不能再修改")
        draft.bpmn_xml = xml
    draft.updated_at = now
    session.add(draft)
    session.flush()
    return draft


def get_draft(session: Session, draft_id: int) -> ProcessDraft:
    draft = session.get(ProcessDraft, draft_id)
    if draft is None:
        raise PublishError(f"草稿 {draft_id} 不存在")
    return draft


def draft_issues(draft: ProcessDraft) -> list[LintIssue]:
    """The lint issues of a draft; its forms are looked up in the pack's folder, then the common one."""
    forms = [BPMN_DIR / draft.pack_id / "forms", BPMN_DIR / specs.COMMON / "forms"]
    return lint_diagram(draft.bpmn_xml, f"{draft.pack_id}/{draft.process_key}（草稿 {draft.id}）",
                        [Path(f) for f in forms])


def request_publication(session: Session, draft_id: int, requester: str, now: datetime, *, reason: str,
                        basis_note: str, effective_from: date) -> ProcessDraft:
    """Ask for publication: the draft must pass lint; a second policy owner must then approve it."""
    policy_owner(session, requester)
    draft = get_draft(session, draft_id)
    if draft.status != "draft":
        raise PublishError(f"草稿 {draft_id} 状态为 {draft.status}，不能申请发布")
    if not reason.strip() or not basis_note.strip():
        raise PublishError("申请发布须填写修改理由和法律依据")
    issues = draft_issues(draft)
    if issues:
        raise LintFailed(issues)
    latest = specs.latest_version(session, draft.pack_id, draft.process_key)
    parsed = specs.parse_diagram(draft.bpmn_xml, draft.process_key)
    if latest is not None and latest.spec_hash == parsed.hash:
        raise PublishError("草稿与当前已发布版本完全相同，无需发布")
    draft.status, draft.requested_by, draft.requested_at = "pending", requester, now
    draft.reason, draft.basis_note, draft.effective_from = reason.strip(), basis_note.strip(), effective_from
    session.add(draft)
    audit.append(session, at=now, actor=requester, kind="process.publication_requested",
                 detail={"draft": draft.id, "pack": draft.pack_id, "process": draft.process_key, "reason": reason,
                         "basis": basis_note, "effective_from": effective_from.isoformat()})
    return draft


def approve(session: Session, draft_id: int, approver: str, now: datetime) -> ProcessVersion:
    """The second policy owner approves: the draft becomes the next published version."""
    policy_owner(session, approver)
    draft = get_draft(session, draft_id)
    if draft.status != "pending":
        raise PublishError(f"草稿 {draft_id} 状态为 {draft.status}，没有待审批的发布申请")
    if approver == draft.requested_by:
        raise PublishError("发布须由另一位政策管理员审批（四眼原则），申请人不能审批自己的申请")
    latest = specs.latest_version(session, draft.pack_id, draft.process_key)
    if latest is not None and latest.id != draft.base_version_id:
        raise PublishError(f"草稿基于的版本已不是最新（当前最新为第 {latest.version} 版），请基于最新版本重新起草")
    issues = draft_issues(draft)
    if issues:
        raise LintFailed(issues)
    parsed = specs.parse_diagram(draft.bpmn_xml, draft.process_key)
    version = specs.register(session, draft.pack_id, draft.process_key, parsed, now=now,
                             source=_source_path(draft), published_by=draft.requested_by,
                             effective_from=draft.effective_from, basis_note=draft.basis_note)
    version.approved_by = approver
    session.add(version)
    draft.status, draft.approved_by, draft.approved_at, draft.published_version_id = "published", approver, now, version.id
    session.add(draft)
    audit.append(session, at=now, actor=approver, kind="process.published",
                 detail={"draft": draft.id, "pack": draft.pack_id, "process": draft.process_key,
                         "version": version.version, "requested_by": draft.requested_by, "reason": draft.reason,
                         "basis": draft.basis_note, "effective_from": draft.effective_from.isoformat()})
    return version


def withdraw(session: Session, draft_id: int, actor: str, now: datetime) -> ProcessDraft:
    """Drop a draft or a pending request without publishing it."""
    policy_owner(session, actor)
    draft = get_draft(session, draft_id)
    if draft.status not in ("draft", "pending"):
        raise PublishError(f"草稿 {draft_id} 状态为 {draft.status}，不能撤回")
    draft.status, draft.updated_at = "withdrawn", now
    session.add(draft)
    return draft


def _source_path(draft: ProcessDraft) -> str:
    """Where forms of the published version are looked up (the pack's folder if it has forms)."""
    own = BPMN_DIR / draft.pack_id / f"{draft.process_key}.bpmn"
    return str(own.relative_to(BPMN_DIR)) if own.exists() else f"{specs.COMMON}/{draft.process_key}.bpmn"
