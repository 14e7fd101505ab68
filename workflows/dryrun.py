"""Dry run of a draft diagram: run it against the pack's demo applications with a simulated clock.

`dry_run` starts a child process on a throwaway SQLite database (its own `BEIAN_VAR`), so nothing
touches the real database and no environment of the running app changes. The child registers the
draft as the pack's newest version, submits the pack's demo applications
(`tests/fixtures/applications/<pack>-pass.yaml` and `-fail.yaml`), completes every open task with
default form data (full marks on score sheets), advances the clock to each next timer, and reports
where each case ends up and after how many working days.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from sqlmodel import col, select

from workflows.settings import ROOT

APPLICATIONS = ROOT / "tests" / "fixtures" / "applications"
START = "2026-09-21T09:00+08:00"
MAX_STEPS = 60
SUPPORTED = ("selection",)


class DryRunError(RuntimeError):
    """The dry run could not be carried out; `str()` says why in Chinese."""


@dataclass(frozen=True)
class DryRunCase:
    """Where one demo application ended up under the draft."""

    fixture: str
    institution: str
    state: str
    status: str
    working_days: int
    steps: list[str]
    error: str = ""


def dry_run(pack_id: str, process_key: str, xml: str, start: str = START, timeout: int = 300) -> list[DryRunCase]:
    """Run the draft in a child process on a throwaway database; nothing real is written."""
    if process_key not in SUPPORTED:
        raise DryRunError(f"演练目前只支持由申报启动的流程（{'、'.join(SUPPORTED)}），不支持 {process_key}")
    with tempfile.TemporaryDirectory(prefix="beian-dryrun-") as tmp:
        draft = Path(tmp) / "draft.bpmn"
        draft.write_text(xml, "utf-8")
        env = {**os.environ, "BEIAN_VAR": tmp}
        env.pop("BEIAN_DATABASE_URL", None)
        proc = subprocess.run(  # noqa: S603 - our own module, fixed arguments
            [sys.executable, "-m", "workflows.dryrun", pack_id, process_key, str(draft), start],
            env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False)
    if proc.returncode != 0:
        raise DryRunError(f"演练失败：{proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else proc.returncode}")
    return [DryRunCase(**c) for c in json.loads(proc.stdout)]


# --- the child process ----------------------------------------------------------------------------

def _default(schema: dict[str, Any]) -> Any:
    """Minimal valid data for a JSON Schema: required properties only, first enum value, true, 0, 演练."""
    if "default" in schema:
        return schema["default"]
    if "enum" in schema:
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    kind = schema.get("type")
    if kind == "object":
        props = schema.get("properties", {})
        return {k: _default(props.get(k, {})) for k in schema.get("required", [])}
    return {"boolean": True, "integer": schema.get("minimum", 0), "number": schema.get("minimum", 0),
            "array": [], "string": "演练"}.get(kind, "演练")


def _full_marks(pack_id: str) -> dict[str, Any]:
    from workflows.policy import get_pack, get_rubric

    rubric = get_rubric(get_pack(pack_id).selection.rubric)
    scores: dict[str, Any] = {}
    for item_id, item in rubric.items().items():
        scores[item_id] = ({"missing": []} if item.kind == "deduction"
                           else float(item.max) if item.kind == "points" else "符合")
    return {"scores": scores}


def _prepare(pack_id: str, process_key: str, draft: Path, start: datetime, province: str) -> None:
    from workflows import specs
    from workflows.clock import Clock, save_clock
    from workflows.db import write_session
    from workflows.store import init_db
    from workflows.users import upsert_user

    init_db()
    with write_session() as session:
        save_clock(session, Clock(start))
        parsed = specs.parse_diagram(draft.read_bytes(), "draft.bpmn")
        specs.register(session, pack_id, process_key, parsed, now=start, source=f"common/{process_key}.bpmn",
                       published_by="dry-run")
        for role in ("clerk", "reviewer", "head"):
            upsert_user(session, f"dry_{role}", "dry-run-only", role, province)
        for i in range(1, 6):
            upsert_user(session, f"dry_expert{i}", "dry-run-only", "expert", province)


def _drive(institution_id: int, pack_id: str) -> tuple[list[str], str]:
    from workflows.clock import Clock, save_clock
    from workflows.db import read_session, write_session
    from workflows.models import Instance, Timer, WorkItem
    from workflows.specs import load_form
    from workflows.sweep import fire_due_timers
    from workflows.writepath import StepError, complete_task

    steps: list[str] = []
    for _ in range(MAX_STEPS):
        with read_session() as session:
            item = session.exec(select(WorkItem).where(WorkItem.institution_id == institution_id)
                                .order_by(col(WorkItem.id))).first()
            timer = session.exec(select(Timer).join(Instance, col(Instance.id) == col(Timer.instance_id))
                                 .where(Instance.institution_id == institution_id, col(Timer.fired_at).is_(None))
                                 .order_by(col(Timer.due_at))).first()
            version = session.get(Instance, item.instance_id).process_version_id if item else None
        try:
            if item is not None:
                data = _full_marks(pack_id) if item.task_name == "expert_scoring" else (
                    _default(_form(version, item.form, load_form)) if item.form else {})
                complete_task(item.task_id, data, item.assignee or f"dry_{item.role}")
                steps.append(item.title)
            elif timer is not None:
                with write_session() as session:
                    save_clock(session, Clock(timer.due_at))
                fire_due_timers()
                steps.append(f"定时器 {timer.task_name} 到期")
            else:
                return steps, ""
        except StepError as exc:
            return steps, str(exc)
    return steps, f"超过 {MAX_STEPS} 步仍未结束"


def _form(version_id: int | None, form: str, load_form: Any) -> dict[str, Any]:
    from workflows.db import read_session
    from workflows.models import ProcessVersion

    with read_session() as session:
        return load_form(session.get(ProcessVersion, version_id).source_path, form)


def _child(pack_id: str, process_key: str, draft: Path, start_text: str) -> list[dict[str, Any]]:
    from workflows.applications import ApplicationError
    from workflows.calendar import WorkdayCalendar
    from workflows.cases import submit_application
    from workflows.clock import CHINA, load_clock
    from workflows.db import read_session
    from workflows.models import Instance, Institution
    from workflows.states import state_label

    start = datetime.fromisoformat(start_text)
    fixtures = [p for p in (APPLICATIONS / f"{pack_id}-pass.yaml", APPLICATIONS / f"{pack_id}-fail.yaml") if p.exists()]
    if not fixtures:
        raise DryRunError(f"政策包 {pack_id} 没有演练用的示例申报（{APPLICATIONS}/{pack_id}-pass.yaml）")
    province = yaml.safe_load(fixtures[0].read_text("utf-8"))["institution"]["province"]
    _prepare(pack_id, process_key, draft, start, province)
    cases = []
    for path in fixtures:
        data = yaml.safe_load(path.read_text("utf-8"))
        try:
            institution_id = submit_application(data, "system").institution_id
        except ApplicationError as exc:
            cases.append(DryRunCase(path.stem, data["institution"]["name"], "拒收", "-", 0, [], str(exc)))
            continue
        steps, error = _drive(institution_id, pack_id)
        with read_session() as session:
            inst = session.get(Institution, institution_id)
            instance = session.exec(select(Instance).where(Instance.institution_id == institution_id)
                                    .order_by(col(Instance.id))).first()
            days = WorkdayCalendar.load(session).workdays_between(start.astimezone(CHINA).date(),
                                                                  load_clock(session).today())
            cases.append(DryRunCase(path.stem, inst.name, state_label(inst.state), instance.status, days, steps, error))
    return [asdict(c) for c in cases]


if __name__ == "__main__":
    print(json.dumps(_child(sys.argv[1], sys.argv[2], Path(sys.argv[3]), sys.argv[4]), ensure_ascii=False))
