"""Impact preview: replay stored score sheets and applications against a candidate pack; nothing written."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import make_staff, set_clock
from scenario import apply, do, score_all
from sqlmodel import func, select

from workflows.db import read_session
from workflows.impact import pack_impact
from workflows.models import AuditEvent, ScoreSheet
from workflows.policy import get_pack
from workflows.settings import BPMN_DIR


@pytest.fixture
def scored(db):  # type: ignore[no-untyped-def]
    """Two Zhejiang institutions; the first one scored by its panel (threshold 90 passed)."""
    make_staff("33", "3301", "330106")
    set_clock("2026-09-21T09:00")
    first = apply("003-pass")
    apply("003-pass", credit_code="52330106MJ9012346X")
    do(first, "completeness_check", {"complete": True})
    set_clock("2026-09-30T09:00")
    score_all(first)
    return first


def candidate(tmp_path: Path, *edits: tuple[str, str, str]) -> Path:
    folder = tmp_path / "candidate" / "003"
    shutil.copytree(BPMN_DIR / "003", folder)
    for file, old, new in edits:
        path = folder / file
        text = path.read_text("utf-8")
        assert old in text
        path.write_text(text.replace(old, new, 1), "utf-8")
    return folder


def counts() -> tuple[int, int]:
    with read_session() as session:
        return (session.exec(select(func.count()).select_from(ScoreSheet)).one(),
                session.exec(select(func.count()).select_from(AuditEvent)).one())


def test_unchanged_pack_changes_nothing(scored, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with read_session() as session:
        impact = pack_impact(session, candidate(tmp_path))
    assert impact.year == 2026 and impact.sheets_replayed == 3 and impact.applications_replayed == 2
    assert impact.changes == []


def test_stricter_threshold_and_rule_are_listed_and_nothing_is_written(scored, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    before = counts()
    folder = candidate(tmp_path, ("rubrics/003-selection.yaml", "min: 90", "min: 99"),
                       ("pack.yaml", 'value: "33"', 'value: "34"'))
    with read_session() as session:
        impact = pack_impact(session, folder)
    grade = [c for c in impact.changes if c.what == "grade"]
    eligibility = [c for c in impact.changes if c.what == "eligibility"]
    assert [c.institution_id for c in grade] == [scored]
    assert "通过" in grade[0].before and "未通过" in grade[0].after
    assert len(eligibility) == 2 and all(c.before == "符合" and "003-E02" in c.after for c in eligibility)
    assert impact.institutions_changed == 2
    assert counts() == before
    assert get_pack("003").rubrics["003-selection"].thresholds[0].min == 90  # the pack in force is untouched
