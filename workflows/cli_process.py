"""`beian process …` and `beian pack impact`: policy owners change processes and packs."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from pathlib import Path

import click

from workflows.cli_util import UserError, emit_json
from workflows.clock import load_clock
from workflows.db import read_session, write_session
from workflows.diagram_diff import diff_diagrams
from workflows.dryrun import DryRunError, dry_run
from workflows.impact import pack_impact
from workflows.lint import lint_file
from workflows.migration import MigrationError, migrate_cases, preview_cases, rollback, target_version
from workflows.policy import PackError
from workflows.publishing import (
    LintFailed,
    PublishError,
    approve,
    get_draft,
    list_versions,
    request_publication,
    save_draft,
    version_xml,
)
from workflows.specs import latest_version

_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


def _fail(exc: Exception) -> UserError:
    return UserError(str(exc))


@click.group("process")
def process_group() -> None:
    """流程设计：版本、检查、草稿、四眼发布、差异、迁移、演练。"""


@process_group.command("list")
@click.option("--pack", "pack_id", default=None, help="只列出这个政策包")
def list_cmd(pack_id: str | None) -> None:
    """已发布的流程版本及各版本的在办案件数。"""
    with read_session() as session:
        emit_json([asdict(r) for r in list_versions(session, pack_id)])


@process_group.command("lint")
@click.argument("file", type=_FILE)
def lint_cmd(file: Path) -> None:
    """发布前检查一个 .bpmn 文件；有问题时退出码为 1。"""
    issues = lint_file(file)
    emit_json([asdict(i) for i in issues])
    if issues:
        raise SystemExit(1)


@process_group.command("draft")
@click.option("--pack", "pack_id", required=True)
@click.option("--process", "process_key", required=True)
@click.option("--file", "file", type=_FILE, default=None, help="草稿内容（默认：当前已发布版本）")
@click.option("--by", "author", required=True, help="起草的政策管理员")
def draft_cmd(pack_id: str, process_key: str, file: Path | None, author: str) -> None:
    """保存一份草稿。"""
    try:
        with write_session() as session:
            if file is not None:
                xml = file.read_text("utf-8")
            else:
                base = latest_version(session, pack_id, process_key)
                if base is None:
                    raise PublishError(f"政策包 {pack_id} 没有已发布的流程 {process_key}")
                xml = version_xml(session, base.id)
            draft = save_draft(session, pack_id, process_key, xml, author, load_clock(session).now())
            emit_json({"draft": draft.id, "base_version_id": draft.base_version_id})
    except PublishError as exc:
        raise _fail(exc) from exc


@process_group.command("publish")
@click.argument("draft_id", type=int)
@click.option("--by", "requester", required=True)
@click.option("--reason", required=True, help="修改理由")
@click.option("--basis", required=True, help="法律依据")
@click.option("--effective", type=click.DateTime(["%Y-%m-%d"]), required=True, help="生效日期")
def publish_cmd(draft_id: int, requester: str, reason: str, basis: str, effective: datetime) -> None:
    """申请发布草稿（须另一位政策管理员 approve）。"""
    try:
        with write_session() as session:
            draft = request_publication(session, draft_id, requester, load_clock(session).now(), reason=reason,
                                        basis_note=basis, effective_from=effective.date())
            emit_json({"draft": draft.id, "status": draft.status})
    except LintFailed as exc:
        emit_json([asdict(i) for i in exc.issues])
        raise _fail(exc) from exc
    except PublishError as exc:
        raise _fail(exc) from exc


@process_group.command("approve")
@click.argument("draft_id", type=int)
@click.option("--by", "approver", required=True)
def approve_cmd(draft_id: int, approver: str) -> None:
    """第二位政策管理员审批发布。"""
    try:
        with write_session() as session:
            version = approve(session, draft_id, approver, load_clock(session).now())
            emit_json({"pack": version.pack_id, "process": version.process_key, "version": version.version,
                       "effective_from": version.effective_from})
    except PublishError as exc:
        raise _fail(exc) from exc


@process_group.command("diff")
@click.argument("draft_id", type=int)
def diff_cmd(draft_id: int) -> None:
    """草稿与其所基于的已发布版本的差异（按 BPMN id）。"""
    try:
        with read_session() as session:
            draft = get_draft(session, draft_id)
            base = version_xml(session, draft.base_version_id) if draft.base_version_id else "<x/>"
            emit_json(diff_diagrams(base, draft.bpmn_xml).to_dict())
    except PublishError as exc:
        raise _fail(exc) from exc


@process_group.command("migrate")
@click.option("--pack", "pack_id", required=True)
@click.option("--process", "process_key", required=True)
@click.option("--to", "version", type=int, required=True, help="目标版本号")
@click.option("--from-version", type=int, default=None)
@click.option("--state", default=None, help="机构状态，如 noticing")
@click.option("--jurisdiction", default=None, help="辖区代码前缀")
@click.option("--preview", is_flag=True, help="只预览，不迁移")
@click.option("--by", "actor", default="system")
def migrate_cmd(pack_id: str, process_key: str, version: int, from_version: int | None, state: str | None,
                jurisdiction: str | None, preview: bool, actor: str) -> None:
    """预览或批量迁移在办案件到目标版本（每件一个事务）。"""
    try:
        previews = preview_cases(pack_id, process_key, version, from_version=from_version, state=state,
                                 jurisdiction=jurisdiction)
        if preview:
            emit_json([asdict(p) | {"movable": p.movable} for p in previews])
            return
        with read_session() as session:
            target = target_version(session, pack_id, process_key, version)
        with click.progressbar(length=len(previews), label="迁移中") as bar:
            outcomes = migrate_cases([p.instance_id for p in previews], target.id, actor,
                                     progress=lambda *_: bar.update(1))
        emit_json([asdict(o) for o in outcomes])
    except MigrationError as exc:
        raise _fail(exc) from exc


@process_group.command("rollback")
@click.argument("instance_id", type=int)
@click.option("--by", "actor", default="system")
def rollback_cmd(instance_id: int, actor: str) -> None:
    """把刚迁移的案件退回原版本（迁移后尚无办理记录时）。"""
    try:
        record = rollback(instance_id, actor)
        emit_json({"instance": instance_id, "version_id": record.from_version_id})
    except MigrationError as exc:
        raise _fail(exc) from exc


@process_group.command("dry-run")
@click.option("--pack", "pack_id", required=True)
@click.option("--process", "process_key", required=True)
@click.argument("file", type=_FILE)
def dry_run_cmd(pack_id: str, process_key: str, file: Path) -> None:
    """用政策包的示例申报在临时数据库中演练草稿。"""
    try:
        emit_json([asdict(c) for c in dry_run(pack_id, process_key, file.read_text("utf-8"))])
    except DryRunError as exc:
        raise _fail(exc) from exc


@click.group("pack")
def pack_group() -> None:
    """政策包。"""


@pack_group.command("impact")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--year", type=int, default=None, help="评估年度（默认：最近一年）")
def impact_cmd(folder: Path, year: int | None) -> None:
    """候选政策包的影响预览：重放评分表与申报，列出等级或资格会变化的机构（不写入任何数据）。"""
    try:
        with read_session() as session:
            impact = pack_impact(session, folder, year)
        emit_json(asdict(impact) | {"institutions_changed": impact.institutions_changed})
    except PackError as exc:
        raise _fail(exc) from exc


def register(group: click.Group) -> None:
    group.add_command(process_group)
    existing = group.commands.get("pack")
    if isinstance(existing, click.Group):
        existing.add_command(impact_cmd)
    else:
        group.add_command(pack_group)
