"""Failure injection: a failing service task, invalid form data and a repeated completion change nothing.

The probe diagram (tests/fixtures/bpmn/probe.bpmn) has a clerk's task, then the service task
`test.probe`, which writes an audit event and an outbox row and then raises when the form said
`explode`. Every table is dumped before and after the failed step and compared.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import make_staff, set_clock
from sqlalchemy import select as sa_select
from sqlmodel import Session, SQLModel, select

import tasks
from workflows import specs
from workflows.clock import load_clock
from workflows.context import StepContext
from workflows.db import read_session, write_session
from workflows.models import Failure, Institution, WorkItem
from workflows.writepath import ConflictError, InputError, StepResult, complete_task, start_process

FIXTURE_BPMN = Path(__file__).parent / "fixtures" / "bpmn"
PACK = "003"
CLERK = "clerk3301"


@tasks.service("test.probe")
def _probe(ctx: StepContext, task: Any) -> dict[str, Any]:
    """Writes inside the step, then fails on request (test-only handler)."""
    ctx.event("probe.ran")
    ctx.notify("inbox", CLERK, "探针", "探针服务任务已执行")
    ctx.session.flush()
    if task.data.get("explode"):
        raise RuntimeError("探针服务任务按要求失败")
    return {"ok": True}


def register_fixture(name: str, pack_id: str = PACK, xml: bytes | None = None) -> None:
    """Parse and register a test diagram (or its changed `xml`) as process `name` of a pack."""
    path = FIXTURE_BPMN / f"{name}.bpmn"
    parsed = specs.parse_diagram(xml if xml is not None else path.read_bytes(), path.name)
    with write_session() as session:
        specs.register(session, pack_id, name, parsed, now=load_clock(session).now(), source=str(path))


def new_institution(session: Session, n: int = 1, pack_id: str = PACK) -> Institution:
    """A bare institution in Hangzhou (registry row only; its cases are started through the write path)."""
    institution = Institution(name=f"测试评价机构{n}", kind="enterprise", credit_code=f"91330100TEST{n:06d}",
                              pack_id=pack_id, province="33", city="3301", county="330106")
    session.add(institution)
    session.flush()
    return institution


def dump() -> dict[str, list[tuple]]:
    """Every row of every table, in a stable order."""
    with read_session() as session:
        return {table.name: sorted(tuple(map(repr, row)) for row in session.execute(sa_select(table)))
                for table in SQLModel.metadata.sorted_tables}


def start_probe() -> tuple[int, WorkItem]:
    """Start the probe process for a new institution; returns it and its open work item."""
    with write_session() as session:
        institution_id = new_institution(session).id
    start_process(institution_id, "probe", {})
    with read_session() as session:
        item = session.exec(select(WorkItem).where(WorkItem.institution_id == institution_id)).one()
    return institution_id, item


@pytest.fixture
def probe(db):  # type: ignore[no-untyped-def]
    make_staff("33", "3301", "330106")
    set_clock("2026-09-21T09:00")
    register_fixture("probe")
    return start_probe()


def failures() -> list[Failure]:
    with read_session() as session:
        return list(session.exec(select(Failure)))


def test_failing_service_task_changes_nothing_and_is_recorded(probe) -> None:  # type: ignore[no-untyped-def]
    _, item = probe
    before = dump()
    with pytest.raises(Exception, match="探针服务任务按要求失败"):
        complete_task(item.task_id, {"choice": "yes", "explode": True}, CLERK)
    after = dump()
    (failure,) = failures()
    assert "RuntimeError: 探针服务任务按要求失败" in failure.error
    assert failure.action == {"action": "complete", "task_id": item.task_id,
                              "data": {"choice": "yes", "explode": True}}
    assert failure.actor == CLERK
    assert {k: v for k, v in after.items() if k != "failure"} == {k: v for k, v in before.items() if k != "failure"}
    assert before["failure"] == [] and len(after["failure"]) == 1
    # the same task still completes once the cause is gone
    result = complete_task(item.task_id, {"choice": "yes"}, CLERK)
    assert isinstance(result, StepResult) and result.state == "noticing"


def test_invalid_form_is_refused_naming_the_field(probe) -> None:  # type: ignore[no-untyped-def]
    _, item = probe
    before = dump()
    with pytest.raises(InputError) as refused:
        complete_task(item.task_id, {"explode": "yes"}, CLERK)
    assert "「是否继续」为必填项" in str(refused.value)
    assert set(refused.value.errors) == {"choice", "explode"}
    with pytest.raises(InputError, match="choice"):
        complete_task(item.task_id, {"choice": "maybe"}, CLERK)
    after = dump()
    assert {k: v for k, v in after.items() if k != "failure"} == {k: v for k, v in before.items() if k != "failure"}
    assert len(after["failure"]) == 2


def test_completing_a_completed_task_again_conflicts(probe) -> None:  # type: ignore[no-untyped-def]
    _, item = probe
    complete_task(item.task_id, {"choice": "no"}, CLERK)
    before = dump()
    with pytest.raises(ConflictError, match="已被办理"):
        complete_task(item.task_id, {"choice": "no"}, CLERK)
    after = dump()
    assert {k: v for k, v in after.items() if k != "failure"} == {k: v for k, v in before.items() if k != "failure"}
