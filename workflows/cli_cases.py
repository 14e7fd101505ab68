"""CLI commands of the case lifecycle: init, apply, tasks, complete, object, tick, clock, calendar, registry."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import click
import yaml
from sqlmodel import col, select

from workflows.cli_util import UserError, emit_json
from workflows.db import read_session, write_session


def _load_data(value: str) -> Any:
    """JSON text, or a path to a JSON/YAML file."""
    path = Path(value)
    try:
        if path.exists():
            return yaml.safe_load(path.read_text("utf-8"))
        return json.loads(value)
    except (yaml.YAMLError, json.JSONDecodeError) as exc:
        raise UserError(f"无法解析数据 {value[:80]!r}：{exc}") from exc


def _step_errors(func: Any, *args: Any, **kwargs: Any) -> Any:
    """Run an action; refusals become clean CLI errors naming the problem."""
    from workflows.applications import ApplicationError
    from workflows.calendar import CalendarGapError
    from workflows.policy import PackError
    from workflows.writepath import InputError, StepError

    try:
        return func(*args, **kwargs)
    except InputError as exc:
        lines = [str(exc)] if not exc.errors else ["表单校验失败："] + [f"  {k}: {v}" for k, v in exc.errors.items()]
        raise UserError("\n".join(lines)) from exc
    except (StepError, ApplicationError, CalendarGapError, PackError) as exc:
        raise UserError(str(exc)) from exc


def _result_json(result: Any) -> dict[str, Any]:
    return {"institution_id": result.institution_id, "instance_id": result.instance_id, "state": result.state,
            "status": result.status, "completed": result.completed}


def register(group: click.Group) -> None:
    """Add the case commands to `beian`."""
    for command in (init, apply, tasks, complete, object_, tick, clock, calendar, institutions, show):
        group.add_command(command)


@click.command()
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出")
def init(as_json: bool) -> None:
    """Create or upgrade the database and register every diagram and pack."""
    from workflows.store import init_db

    report = _step_errors(init_db)
    if as_json:
        emit_json({"packs": report.packs, "versions": [
            {"pack": p, "process": k, "version": v} for p, k, v in report.registered]})
        return
    click.echo(f"数据库已就绪；政策包：{', '.join(report.packs)}")
    for pack, key, version in report.registered:
        click.echo(f"  {pack}/{key} v{version}")


@click.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--as", "actor", default="system", show_default=True, help="提交人")
@click.option("--json", "as_json", is_flag=True)
def apply(file: str, actor: str, as_json: bool) -> None:
    """Submit an application (YAML) and start its selection process."""
    from workflows.cases import submit_application

    data = _load_data(file)
    result = _step_errors(submit_application, data, actor)
    if as_json:
        emit_json(_result_json(result))
    else:
        click.echo(f"已受理：机构编号 {result.institution_id}，流程实例 {result.instance_id}，状态 {result.state}")


@click.command()
@click.option("--institution", type=int, help="机构编号")
@click.option("--role", help="角色：clerk / reviewer / head / expert")
@click.option("--assignee", help="指派给某用户的任务")
@click.option("--json", "as_json", is_flag=True)
def tasks(institution: int | None, role: str | None, assignee: str | None, as_json: bool) -> None:
    """Open work items (from the projection, never from instances)."""
    from workflows.models import WorkItem

    with read_session() as session:
        query = select(WorkItem).order_by(col(WorkItem.id))
        if institution is not None:
            query = query.where(WorkItem.institution_id == institution)
        if role:
            query = query.where(WorkItem.role == role)
        if assignee:
            query = query.where(WorkItem.assignee == assignee)
        items = session.exec(query).all()
    rows = [{"task_id": w.task_id, "institution_id": w.institution_id, "instance_id": w.instance_id,
             "task": w.task_name, "title": w.title, "role": w.role, "jurisdiction": w.jurisdiction,
             "assignee": w.assignee, "form": w.form, "due_date": w.due_date} for w in items]
    if as_json:
        emit_json(rows)
        return
    for r in rows:
        click.echo(f"{r['task_id']}  机构{r['institution_id']}  {r['title']}  [{r['role']}]"
                   f"{'  → ' + r['assignee'] if r['assignee'] else ''}  期限 {r['due_date'] or '-'}")


@click.command()
@click.argument("task_id")
@click.option("--data", "data", required=True, help="表单数据：JSON 文本或 JSON/YAML 文件路径")
@click.option("--as", "actor", required=True, help="办理人用户名")
@click.option("--json", "as_json", is_flag=True)
def complete(task_id: str, data: str, actor: str, as_json: bool) -> None:
    """Complete a task with form data (validated against its JSON Schema)."""
    from workflows.writepath import complete_task

    result = _step_errors(complete_task, task_id, _load_data(data), actor)
    if as_json:
        emit_json(_result_json(result))
    else:
        click.echo(f"已办理；机构 {result.institution_id} 当前状态 {result.state}")


@click.command("object")
@click.argument("institution", type=int)
@click.option("--name", required=True, help="异议人实名")
@click.option("--contact", required=True, help="联系方式")
@click.option("--reason", required=True, help="异议理由")
@click.option("--evidence", default="", help="佐证材料说明")
@click.option("--as", "actor", default="system", show_default=True)
@click.option("--json", "as_json", is_flag=True)
def object_(institution: int, name: str, contact: str, reason: str, evidence: str, actor: str,
            as_json: bool) -> None:
    """File a written objection to an institution's open public notice."""
    from workflows.cases import file_objection

    result = _step_errors(file_objection, institution, name, contact, reason, evidence, actor)
    if as_json:
        emit_json(_result_json(result))
    else:
        click.echo("异议已受理，已转审核人复核")


@click.command()
@click.option("--json", "as_json", is_flag=True)
def tick(as_json: bool) -> None:
    """Fire every due timer, then deliver due notifications (the scheduler's fire-due-timers round)."""
    from workflows.tick import tick as run_tick

    report = run_tick()
    if as_json:
        emit_json(report)
        return
    problems = [f"{label} {len(report[key])} 个" for key, label in
                (("failed", "定时器失败"), ("busy", "定时器占用中"), ("undelivered", "通知发送失败")) if report[key]]
    click.echo(f"已触发 {report['fired']} 个定时器，已发送 {report['delivered']} 条通知"
               + (f"；{'，'.join(problems)}（下一轮重试）" if problems else ""))


@click.group()
def clock() -> None:
    """Show, set or advance the persisted clock (demos and tests)."""


@clock.command("show")
@click.option("--json", "as_json", is_flag=True)
def clock_show(as_json: bool) -> None:
    from workflows.clock import CHINA, load_clock

    with read_session() as session:
        current = load_clock(session)
    now = current.now()
    if as_json:
        emit_json({"mode": current.mode, "now": now.isoformat(), "today": current.today()})
    else:
        click.echo(f"{now.astimezone(CHINA).isoformat(timespec='seconds')}（{'实时' if current.mode == 'real' else '固定'}）")


@clock.command("set")
@click.argument("instant")
def clock_set(instant: str) -> None:
    """Set the clock to an ISO date/time (naive values are China time), or `real`."""
    from workflows.clock import Clock, parse_instant, save_clock

    try:
        new = Clock() if instant == "real" else Clock(parse_instant(instant))
    except ValueError as exc:
        raise UserError(str(exc)) from exc
    _save_clock(new, save_clock)


@clock.command("advance")
@click.argument("step")
def clock_advance(step: str) -> None:
    """Move the clock forward, e.g. `30d`, `12h`, `1y`."""
    from workflows.clock import Clock, load_clock, parse_step, save_clock

    try:
        delta = parse_step(step)
    except ValueError as exc:
        raise UserError(str(exc)) from exc
    with read_session() as session:
        current = load_clock(session)
    _save_clock(Clock(current.now() + delta), save_clock)


def _save_clock(new: Any, save: Any) -> None:
    from workflows import audit
    from workflows.clock import CHINA

    with write_session() as session:
        save(session, new)
        audit.append(session, at=new.now(), actor="cli", kind="clock.set", detail={"mode": new.mode,
                                                                                   "now": new.now().isoformat()})
    click.echo(new.now().astimezone(CHINA).isoformat(timespec="seconds"))


@click.group()
def calendar() -> None:
    """Working-day arithmetic and the bureau's holiday table."""


@calendar.command("add-workdays")
@click.argument("start")
@click.argument("count", type=int)
@click.option("--rule", type=click.Choice(["exclude_first", "include_first"]), default="exclude_first",
              show_default=True, help="起算规则：不含首日（民法典第二百零一条）或含首日")
@click.option("--json", "as_json", is_flag=True)
def add_workdays(start: str, count: int, rule: str, as_json: bool) -> None:
    """The end date of COUNT working days from START."""
    from workflows.calendar import CalendarGapError, WorkdayCalendar

    try:
        day = date.fromisoformat(start)
    except ValueError as exc:
        raise UserError(f"日期格式不正确：{start!r}（应为 YYYY-MM-DD）") from exc
    with read_session() as session:
        cal = WorkdayCalendar.load(session)
    try:
        end = cal.add_workdays(day, count, rule)
    except (CalendarGapError, ValueError) as exc:
        raise UserError(str(exc)) from exc
    if as_json:
        emit_json({"end": end.isoformat()})
    else:
        click.echo(end.isoformat())


@calendar.command("enter-year")
@click.argument("year", type=int)
@click.option("--holiday", "holidays", multiple=True, help="法定节假日（可多次，YYYY-MM-DD 或 起..止）")
@click.option("--workday", "workdays", multiple=True, help="调休上班日（可多次）")
@click.option("--as", "actor", default="admin", show_default=True)
def enter_year(year: int, holidays: tuple[str, ...], workdays: tuple[str, ...], actor: str) -> None:
    """Enter a year's holiday table as published by the State Council."""
    from workflows import audit
    from workflows.calendar import enter_year as enter
    from workflows.clock import load_clock

    try:
        days = {d: False for spec in holidays for d in _days(spec)} | {d: True for spec in workdays for d in _days(spec)}
        with write_session() as session:
            enter(session, year, days, actor)
            audit.append(session, at=load_clock(session).now(), actor=actor, kind="calendar.year_entered",
                         detail={"year": year, "holidays": len(holidays), "workdays": len(workdays)})
    except ValueError as exc:
        raise UserError(str(exc)) from exc
    click.echo(f"{year} 年节假日安排已录入：节假日 {sum(not v for v in days.values())} 天，调休上班 {sum(days.values())} 天")


def _days(spec: str) -> list[date]:
    from datetime import timedelta

    first, _, last = spec.partition("..")
    start, end = date.fromisoformat(first), date.fromisoformat(last or first)
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


@click.command()
@click.option("--state", help="状态代码，如 filed")
@click.option("--pack", help="政策包，如 003")
@click.option("--json", "as_json", is_flag=True)
def institutions(state: str | None, pack: str | None, as_json: bool) -> None:
    """Institutions in the registry: id, name, pack, state, code."""
    from workflows.models import Institution
    from workflows.states import state_label

    with read_session() as session:
        query = select(Institution).order_by(col(Institution.id))
        if state:
            query = query.where(Institution.state == state)
        if pack:
            query = query.where(Institution.pack_id == pack)
        rows = [{"id": i.id, "name": i.name, "pack": i.pack_id, "state": i.state, "state_label": state_label(i.state),
                 "code": i.code} for i in session.exec(query)]
    if as_json:
        emit_json(rows)
        return
    for r in rows:
        click.echo(f"{r['id']:>5}  {r['pack']}  {r['state_label']:<6}  {r['code'] or '-':<13}  {r['name']}")


@click.command()
@click.argument("institution", type=int)
@click.option("--json", "as_json", is_flag=True)
def show(institution: int, as_json: bool) -> None:
    """One institution: state, code, validity, open tasks, notices, audit events."""
    from workflows.views import institution_view

    with read_session() as session:
        view = institution_view(session, institution)
    if view is None:
        raise UserError(f"机构 {institution} 不存在")
    if as_json:
        emit_json(view)
        return
    click.echo(f"{view['name']}（{view['state_label']}）代码 {view['code'] or '-'}  "
               f"有效期 {view['valid_from'] or '-'} 至 {view['valid_until'] or '-'}")
    for t in view["tasks"]:
        click.echo(f"  待办：{t['title']} [{t['role']}] {t['task_id']}")
    for n in view["notices"]:
        click.echo(f"  公示：{n['published_on']} 至 {n['closes_on']}（{n['status']}）")
    for e in view["events"]:
        click.echo(f"  {e['at']}  {e['actor']}  {e['kind']}")
