"""CLI: `beian rubric list|show`, `beian score`, `beian check-eligibility`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
import yaml

from workflows.cli_util import UserError, emit_json
from workflows.clock import CHINA, load_clock
from workflows.db import read_session
from workflows.policy.eligibility import check_eligibility
from workflows.policy.packs import get_rubric, list_packs
from workflows.policy.rubrics import number
from workflows.policy.scoring import SheetError, score_sheets
from workflows.policy.yamlsrc import PackError


def _read_yaml(path: str) -> Any:
    try:
        return yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise UserError(f"无法读取 {path}：{exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise UserError(f"{path} 不是有效的 YAML：{exc}") from exc


@click.group("rubric")
def rubric_group() -> None:
    """评分表 (rubrics) of the policy packs."""


@rubric_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="JSON output.")
def rubric_list(as_json: bool) -> None:
    """Every rubric: id, pack, title, maximum total."""
    try:
        rows = [{"id": r.id, "pack": p.id, "title": r.title, "max": number(r.max)}
                for p in list_packs() for r in p.rubrics.values()]
    except PackError as exc:
        raise UserError(str(exc)) from exc
    if as_json:
        emit_json(rows)
        return
    for row in rows:
        click.echo(f"{row['id']:<16} {row['pack']}  {row['max']:>4}  {row['title']}")


@rubric_group.command("show")
@click.argument("rubric_id")
@click.option("--json", "as_json", is_flag=True, help="JSON output.")
def rubric_show(rubric_id: str, as_json: bool) -> None:
    """The whole tree of RUBRIC_ID."""
    try:
        tree = get_rubric(rubric_id).to_dict()
    except PackError as exc:
        raise UserError(str(exc)) from exc
    if as_json:
        emit_json(tree)
        return
    click.echo(f"{tree['id']}  {tree['title']}（满分 {tree['max']}）")
    for s in tree["sections"]:
        click.echo(f"  {s['id']} {s['title']}（{s['max']} 分）")
        for i in s["items"]:
            click.echo(f"    {i['id']:<14} {i['kind']:<9} {i['max']:>4}  {i['title']}")
    for b in tree["bonus"]:
        click.echo(f"  加分项 {b['id']}: {b['min']}–{b['max']}  {b['title']}")
    for t in tree["thresholds"]:
        click.echo(f"  门槛 {t['id']}: {'+'.join(t['sections'])} ≥ {t['min']}  {t['title']}")
    for b in tree["bands"]:
        click.echo(f"  等次 {b['name']} ≥ {b['min']}")
    for v in tree["vetoes"]:
        click.echo(f"  否定项 {v['id']} [{v['consequence']}] {v['title']}")


@click.command("score")
@click.argument("rubric_id")
@click.argument("sheet", type=click.Path(dir_okay=False))
@click.option("--combine", type=click.Choice(["mean", "trimmed_mean"]), help="Override the rubric's rule.")
@click.option("--divergence-share", type=float, help="Override the share of an item's maximum that flags divergence.")
@click.option("--json", "as_json", is_flag=True, help="JSON output.")
def score(rubric_id: str, sheet: str, combine: str | None, divergence_share: float | None, as_json: bool) -> None:
    """Score SHEET.yaml (a list of experts' sheets) on RUBRIC_ID."""
    data = _read_yaml(sheet)
    experts = data.get("experts") if isinstance(data, dict) else data
    if not isinstance(experts, list):
        raise UserError(f"{sheet}：须含 experts: 专家评分列表")
    try:
        result = score_sheets(rubric_id, experts, combine=combine, divergence_share=divergence_share).to_dict()
    except (SheetError, PackError) as exc:
        raise UserError(f"{sheet}：{exc}") from exc
    if as_json:
        emit_json(result)
        return
    click.echo(f"总分 {result['total']}  {'通过' if result['passed'] else '未通过'}"
               + (f"  等次 {result['grade']}" if result["grade"] else ""))
    for s in result["sections"]:
        click.echo(f"  {s['id']} {s['title']}: {s['score']} / {s['max']}")
    for reason in result["reasons"]:
        click.echo(f"  - {reason}")


@click.command("check-eligibility")
@click.argument("application", type=click.Path(dir_okay=False))
@click.option("--pack", "pack_id", help="Policy pack id (default: the file's `pack`).")
@click.option("--on", "on", type=click.DateTime(formats=["%Y-%m-%d"]), help="Check as of this date (default: today).")
@click.option("--json", "as_json", is_flag=True, help="JSON output.")
def check(application: str, pack_id: str | None, on: Any, as_json: bool) -> None:
    """Check APPLICATION.yaml against a pack's hard conditions."""
    data = _read_yaml(application)
    if not isinstance(data, dict):
        raise UserError(f"{application}：申请文件须为一个映射")
    pack_id = pack_id or data.get("pack")
    if not pack_id:
        raise UserError(f"{application}：未指定政策包（--pack 或文件中的 pack）")
    try:
        if on is None:
            with read_session() as session:
                on = load_clock(session).now()
            on_date = on.astimezone(CHINA).date()
        else:
            on_date = on.date()
        result = check_eligibility(str(pack_id), data, on_date).to_dict()
    except PackError as exc:
        raise UserError(str(exc)) from exc
    if as_json:
        emit_json(result)
        return
    click.echo("符合申报条件" if result["eligible"] else f"不符合申报条件（{len(result['failed'])} 项）")
    for failure in result["failed"]:
        click.echo(f"  {failure['id']}: {failure['message']}")


def register(group: click.Group) -> None:
    group.add_command(rubric_group)
    group.add_command(score)
    group.add_command(check)
