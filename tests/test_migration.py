"""Moving running cases to a new process version: preview, bulk migration, rollback, timers kept.

Runs on SQLite and on a throwaway PostgreSQL database (skipped when no server answers).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from conftest import PASSWORD, make_staff, set_clock
from scenario import apply, do, institution, items, score_all
from sqlmodel import col, select
from test_postgres import throwaway_database

from workflows.clock import load_clock
from workflows.db import read_session, write_session
from workflows.migration import (
    CaseOutcome,
    MigrationError,
    migrate_case,
    migrate_cases,
    preview_cases,
    rollback,
)
from workflows.models import AuditEvent, Instance, ProcessVersion, Timer
from workflows.publishing import approve, request_publication, save_draft, version_xml
from workflows.specs import latest_version
from workflows.sweep import fire_due_timers
from workflows.users import upsert_user


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    if request.param == "postgres":
        with throwaway_database(monkeypatch, tmp_path):
            _staff()
            yield
    else:
        request.getfixturevalue("db")
        _staff()
        yield


def _staff() -> None:
    make_staff("33", "3301", "330106")
    set_clock("2026-09-21T09:00")
    with write_session() as session:
        upsert_user(session, "policy1", PASSWORD, "policy", "33")
        upsert_user(session, "policy2", PASSWORD, "policy", "33")


def publish(old: str, new: str) -> ProcessVersion:
    """Publish the current selection diagram of pack 003 with one text change, by two policy owners."""
    with write_session() as session:
        now = load_clock(session).now()
        xml = version_xml(session, latest_version(session, "003", "selection").id)
        assert old in xml
        draft = save_draft(session, "003", "selection", xml.replace(old, new), "policy1", now)
        request_publication(session, draft.id, "policy1", now, reason="调整", basis_note="003 第四条",
                            effective_from=date(2026, 9, 1))
        return approve(session, draft.id, "policy2", now)


def instance_of(inst_id: int) -> Instance:
    with read_session() as session:
        return session.exec(select(Instance).where(Instance.institution_id == inst_id,
                                                   Instance.process_key == "selection")).one()


def version_of(inst_id: int) -> int:
    with read_session() as session:
        return session.get(ProcessVersion, instance_of(inst_id).process_version_id).version


def open_timers(instance_id: int) -> list[tuple[str, str]]:
    with read_session() as session:
        rows = session.exec(select(Timer).where(Timer.instance_id == instance_id, col(Timer.fired_at).is_(None)))
        return [(t.task_name, t.due_at.isoformat()) for t in rows]


def two_cases() -> tuple[int, int]:
    """Case A waits at 完整性审查; case B is in its notice period (a timer waits for 公示期满)."""
    first = apply("003-pass")
    second = apply("003-pass", credit_code="52330106MJ9012346X")
    do(second, "completeness_check", {"complete": True})
    set_clock("2026-09-30T09:00")
    score_all(second)
    assert institution(second).state == "noticing"
    return first, second


def test_preview_bulk_migration_rollback_and_timers(store) -> None:  # type: ignore[no-untyped-def]
    a, b = two_cases()
    v2 = publish('name="赋码备案"', 'name="赋码备案并出具备案回执"')
    previews = {p.institution_id: p for p in preview_cases("003", "selection", 2, from_version=1)}
    assert set(previews) == {a, b} and all(p.movable for p in previews.values())
    assert previews[a].changed == ["file_institution"] and previews[a].current == ["completeness_check"]
    assert previews[b].current == ["notice_closes", "notice_withdrawn", "objection_received"]
    assert preview_cases("003", "selection", 2, state="noticing")[0].institution_id == b

    timers_before = open_timers(instance_of(b).id)
    assert timers_before == [("notice_closes", "2026-10-13T16:00:00+00:00")]
    task_ids = [w.task_id for w in items(a)]
    set_clock("2026-10-09T10:00")  # a re-anchored timer would move; a statutory one must not
    seen: list[tuple[int, int, CaseOutcome]] = []
    outcomes = migrate_cases([instance_of(a).id, instance_of(b).id], v2.id, "policy1",
                             progress=lambda done, total, outcome: seen.append((done, total, outcome)))
    assert [o.migrated for o in outcomes] == [True, True]
    assert [(d, t) for d, t, _ in seen] == [(1, 2), (2, 2)]
    assert version_of(a) == 2 and version_of(b) == 2
    assert open_timers(instance_of(b).id) == timers_before
    assert [w.task_id for w in items(a)] == task_ids
    with read_session() as session:
        event = session.exec(select(AuditEvent).where(AuditEvent.kind == "process.migrated",
                                                      AuditEvent.institution_id == b)).one()
    assert (event.detail["before"], event.detail["after"], event.actor) == (1, 2, "policy1")

    rollback(instance_of(a).id, "policy1")
    assert version_of(a) == 1 and [w.task_id for w in items(a)] == task_ids
    migrate_case(instance_of(a).id, v2.id, "policy1")
    do(a, "completeness_check", {"complete": True})
    with pytest.raises(MigrationError, match="已有办理记录"):
        rollback(instance_of(a).id, "policy1")
    assert version_of(a) == 2

    set_clock("2026-10-14T00:00:01")
    assert fire_due_timers().fired == 1
    assert institution(b).state == "filed" and instance_of(b).status == "completed"


def test_case_past_a_changed_element_is_refused(store) -> None:  # type: ignore[no-untyped-def]
    a, b = two_cases()
    v2 = publish('name="完整性审查"', 'name="材料完整性审查"')
    previews = {p.institution_id: p for p in preview_cases("003", "selection", 2)}
    assert previews[a].problems == ["已变更的环节 completeness_check（完整性审查）正在办理或等待中"]
    assert previews[b].problems == ["已变更的环节 completeness_check（完整性审查）已完成"]
    before = instance_of(b).row_version
    with pytest.raises(MigrationError, match="不能迁移"):
        migrate_case(instance_of(b).id, v2.id, "policy1")
    assert version_of(b) == 1 and instance_of(b).row_version == before
    outcomes = migrate_cases([instance_of(a).id], v2.id, "policy1")
    assert not outcomes[0].migrated and "正在办理或等待中" in outcomes[0].message
    with pytest.raises(MigrationError, match="没有可回退的迁移"):
        rollback(instance_of(a).id, "policy1")
