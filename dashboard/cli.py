"""CLI commands of the board: `beian board`, `beian user add`, `beian diagrams layout`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click

from workflows.cli_util import UserError, emit_json

APP = Path(__file__).resolve().parent / "app.py"


def board_command(port: int, address: str = "127.0.0.1") -> list[str]:
    """The command line that serves the board (also used by the end-to-end test)."""
    return [sys.executable, "-m", "streamlit", "run", str(APP), "--server.port", str(port),
            "--server.address", address, "--server.headless", "true", "--browser.gatherUsageStats", "false"]


@click.command("board")
@click.option("--port", default=8501, show_default=True, type=int, help="端口")
@click.option("--address", default="127.0.0.1", show_default=True, help="监听地址（默认仅本机）")
def board(port: int, address: str) -> None:
    """Start the board (Streamlit) alone."""
    root = APP.parent.parent
    raise SystemExit(subprocess.call(board_command(port, address), cwd=root, env=dict(os.environ)))


@click.group("user")
def user_group() -> None:
    """Board users."""


@user_group.command("add")
@click.argument("username")
@click.option("--role", required=True, help="clerk | reviewer | head | expert | policy | admin")
@click.option("--jurisdiction", required=True, help="行政区划代码：省 2 位、市 4 位、县 6 位")
@click.option("--name", "display_name", default="", help="显示姓名")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              help="密码（至少 8 位；不给出时交互输入）")
@click.option("--json", "as_json", is_flag=True)
def user_add(username: str, role: str, jurisdiction: str, display_name: str, password: str, as_json: bool) -> None:
    """Create a user (or update an existing one's role, jurisdiction and password)."""
    from workflows import audit
    from workflows.clock import load_clock
    from workflows.db import write_session
    from workflows.users import upsert_user

    try:
        with write_session() as session:
            user = upsert_user(session, username, password, role, jurisdiction, display_name)
            audit.append(session, at=load_clock(session).now(), actor="cli", kind="user.saved",
                         detail={"username": username, "role": role, "jurisdiction": jurisdiction})
            out = {"username": user.username, "role": user.role, "jurisdiction": user.jurisdiction}
    except ValueError as exc:
        raise UserError(str(exc)) from exc
    if as_json:
        emit_json(out)
    else:
        click.echo(f"用户 {out['username']} 已保存（{out['role']}，辖区 {out['jurisdiction']}）")


@click.group("diagrams")
def diagrams_group() -> None:
    """BPMN diagrams."""


@diagrams_group.command("layout")
@click.option("--check", is_flag=True, help="只检查：有图缺少完整的图形信息（DI）时退出码为 1")
@click.option("--dir", "folder", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="目录（默认 bpmn/）")
def diagrams_layout(check: bool, folder: Path | None) -> None:
    """Add diagram interchange (DI) to every .bpmn lacking it, so bpmn-js can draw it."""
    from workflows.bpmn_layout import layout_files
    from workflows.settings import BPMN_DIR

    stale = layout_files(folder or BPMN_DIR, check=check)
    for path in stale:
        click.echo(f"{'缺少图形信息' if check else '已排版'}：{path}")
    if check and stale:
        raise SystemExit(1)
    if not stale:
        click.echo("所有流程图均已有完整的图形信息")


def register(group: click.Group) -> None:
    for command in (board, user_group, diagrams_group):
        group.add_command(command)
