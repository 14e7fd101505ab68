"""`beian letter …`: preview any document kind, list an institution's issued documents, verify one."""

from __future__ import annotations

from pathlib import Path

import click

from letters.archive import document_pdf, list_documents, verify_document, versions
from letters.context import build_context
from letters.errors import LetterError
from letters.kinds import KINDS
from letters.render import render_pdf
from letters.samples import sample_context
from workflows.cli_util import UserError, emit_json
from workflows.clock import load_clock
from workflows.db import read_session


@click.group("letter")
def letter() -> None:
    """Official letters, forms and notices (文书): preview, list, verify."""


@letter.command("kinds")
@click.option("--json", "as_json", is_flag=True, help="JSON output")
def kinds_cmd(as_json: bool) -> None:
    """List the document kinds and the context keys each needs."""
    rows = [{"kind": k.id, "title": k.title, "seed": k.seed, "layout": k.layout, "keys": list(k.required)}
            for k in KINDS.values()]
    if as_json:
        emit_json(rows)
        return
    for row in rows:
        click.echo(f"{row['kind']:<20} {row['title']}（{row['seed']}）")


@letter.command("render")
@click.argument("kind")
@click.option("--institution", "institution_id", type=int, required=True, help="institution id")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="PDF file to write")
@click.option("--date", "on", type=click.DateTime(["%Y-%m-%d"]), help="issue date (default: today)")
def render_cmd(kind: str, institution_id: int, out: Path, on: object) -> None:
    """Preview KIND for an institution (sample data fills case details); nothing is numbered or stored."""
    try:
        with read_session() as session:
            issued_on = on.date() if on else load_clock(session).today()  # type: ignore[attr-defined]
            context = sample_context(kind, build_context(session, institution_id, issued_on))
        pdf = render_pdf(kind, context)
    except LetterError as exc:
        raise UserError(str(exc)) from exc
    out.write_bytes(pdf)
    click.echo(f"已生成预览 {out}（{len(pdf)} 字节）")


@letter.command("list")
@click.argument("institution_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="JSON output")
def list_cmd(institution_id: int, as_json: bool) -> None:
    """List the documents issued to an institution."""
    with read_session() as session:
        rows = [{"number": d.number, "version": d.version, "kind": d.kind, "title": d.title,
                 "issued_at": d.issued_at, "issued_by": d.issued_by, "sha256": d.sha256,
                 "template_version": d.template_version, "instance_id": d.instance_id}
                for d in list_documents(session, institution_id)]
    if as_json:
        emit_json(rows)
        return
    for r in rows:
        click.echo(f"{r['number']} v{r['version']} {r['kind']} {r['issued_at']:%Y-%m-%d} {r['sha256'][:16]}")


@letter.command("verify")
@click.argument("number")
def verify_cmd(number: str) -> None:
    """Re-hash every stored version of document NUMBER; exit 1 if any was altered."""
    try:
        with read_session() as session:
            ok = verify_document(session, number)
            lines = [f"{d.number} v{d.version} sha256={d.sha256}" for d in versions(session, number)]
    except LetterError as exc:
        raise UserError(str(exc)) from exc
    for line in lines:
        click.echo(line)
    if not ok:
        click.echo(f"校验失败：文书 {number} 的存档文件与签发时的 SHA-256 不一致", err=True)
        raise SystemExit(1)
    click.echo(f"校验通过：文书 {number} 共{len(lines)}个版本，内容未被改动")


@letter.command("get")
@click.argument("number")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--version", type=int, help="version (default: latest)")
def get_cmd(number: str, out: Path, version: int | None) -> None:
    """Write the stored PDF of an issued document (checked against its SHA-256)."""
    try:
        with read_session() as session:
            docs = versions(session, number)
            doc = next((d for d in docs if d.version == version), None) if version else docs[-1]
            if doc is None:
                raise LetterError(f"文号 {number} 没有第{version}版")
            pdf, version = document_pdf(session, doc), doc.version
    except LetterError as exc:
        raise UserError(str(exc)) from exc
    out.write_bytes(pdf)
    click.echo(f"已导出 {number} 第{version}版 到 {out}")


def register(group: click.Group) -> None:
    group.add_command(letter)
