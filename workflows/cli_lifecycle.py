"""CLI of the after-filing lifecycle: start, campaigns, renewal, scope change, revocation, notifications, watch."""

from __future__ import annotations

import click

from workflows.cli_cases import _load_data, _result_json, _step_errors
from workflows.cli_util import emit_json


def register(group: click.Group) -> None:
    """Add the lifecycle commands to `beian`."""
    for command in (start, campaign, renew, scope, revoke, notify, watch):
        group.add_command(command)


@click.command()
@click.option("--port", default=4200, show_default=True, help="Prefect 服务端口")
@click.option("--board-port", default=8501, show_default=True, help="看板端口")
def start(port: int, board_port: int) -> None:
    """Start the Prefect server (SQLite under var/), the scheduled flows and the board; Ctrl-C stops all."""
    from workflows.serve import run

    raise SystemExit(run(port, board_port))


@click.group()
def campaign() -> None:
    """Annual assessment campaigns (004)."""


@campaign.command("start")
@click.option("--year", type=int, required=True)
@click.option("--jurisdiction", required=True, help="辖区代码，如 50 或 5001")
@click.option("--as", "actor", default="system", show_default=True)
@click.option("--json", "as_json", is_flag=True)
def campaign_start(year: int, jurisdiction: str, actor: str, as_json: bool) -> None:
    """Start the year's assessment for every eligible institution of the jurisdiction."""
    from workflows.campaigns import start_campaign

    report = _step_errors(start_campaign, year, jurisdiction, actor)
    result = {"campaign_id": report.campaign_id, "started": report.started, "skipped": report.skipped,
              "skip_reasons": report.skip_reasons}
    if as_json:
        emit_json(result)
        return
    click.echo(f"{year} 年度评估已启动：{len(report.started)} 家；跳过 {len(report.skipped)} 家")
    for reason, count in report.skip_reasons.items():
        click.echo(f"  {reason}：{count} 家")


@click.command()
@click.argument("institution", type=int)
@click.argument("application", type=str)
@click.option("--as", "actor", default="system", show_default=True)
def renew(institution: int, application: str, actor: str) -> None:
    """Accept a renewal application (附件5 data: JSON or a YAML/JSON file)."""
    from workflows.lifecycle import start_renewal

    emit_json(_result_json(_step_errors(start_renewal, institution, _load_data(application), actor)))


@click.command()
@click.argument("institution", type=int)
@click.option("--add", "additions", multiple=True, help="新增：代码:名称[:等级,等级]")
@click.option("--remove", "removals", multiple=True, help="删除：代码")
@click.option("--as", "actor", default="system", show_default=True)
def scope(institution: int, additions: tuple[str, ...], removals: tuple[str, ...], actor: str) -> None:
    """Apply to add or remove occupations/projects (002 附件3)."""
    from workflows.lifecycle import start_scope_change

    add = []
    for spec in additions:
        code, _, rest = spec.partition(":")
        name, _, levels = rest.partition(":")
        add.append({"code": code, "name": name, "levels": [int(x) for x in levels.split(",") if x]})
    emit_json(_result_json(_step_errors(start_scope_change, institution, add, list(removals), actor)))


@click.command()
@click.argument("institution", type=int)
@click.option("--finding", required=True, help="政策包所列撤销情形的编号，如 X03 或 V02")
@click.option("--note", default="", help="补充说明")
@click.option("--as", "actor", default="system", show_default=True)
def revoke(institution: int, finding: str, note: str, actor: str) -> None:
    """Revoke a filing for a finding on the pack's disqualifying list."""
    from workflows.lifecycle import revoke as revoke_filing

    emit_json(_result_json(_step_errors(revoke_filing, institution, finding, actor, note)))


@click.group()
def notify() -> None:
    """Notification outbox."""


@notify.command("deliver")
@click.option("--json", "as_json", is_flag=True)
def notify_deliver(as_json: bool) -> None:
    """Deliver due notifications (inbox; e-mail when BEIAN_SMTP_URL is set)."""
    from workflows.notify import deliver_due

    report = deliver_due()
    if as_json:
        emit_json({"sent": report.sent, "failed": report.failed})
    else:
        click.echo(f"已投递 {len(report.sent)} 条" + (f"；失败 {len(report.failed)} 条（稍后重试）" if report.failed else ""))


@click.command()
def watch() -> None:
    """The daily expiry watch (what the Prefect deployment runs)."""
    from workflows.tick import expiry_watch

    emit_json(expiry_watch())
