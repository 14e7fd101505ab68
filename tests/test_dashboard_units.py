"""Work-item claims and the BPMN auto-layout."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import PASSWORD, make_staff, set_clock
from lxml import etree
from scenario import apply, event_kinds, items

from workflows import workitems
from workflows.bpmn_layout import BPMNDI, add_di, layout_files, missing_shapes
from workflows.db import write_session
from workflows.settings import BPMN_DIR
from workflows.users import upsert_user
from workflows.writepath import ConflictError, PermissionDenied


@pytest.fixture
def case(db) -> int:  # type: ignore[no-untyped-def]
    make_staff("33", "3301", "330106")
    with write_session() as session:
        upsert_user(session, "clerk3301b", PASSWORD, "clerk", "3301")
    set_clock("2026-09-21T09:00")
    return apply("003-pass")


def test_claim_release_reassign_are_audited_and_checked(case: int) -> None:
    task = items(case)[0].task_id
    workitems.claim(task, "clerk3301")
    with pytest.raises(ConflictError, match="已由 clerk3301 认领"):
        workitems.claim(task, "clerk3301b")
    with pytest.raises(PermissionDenied, match="只有本人或上级"):
        workitems.release(task, "clerk3301b")
    with pytest.raises(PermissionDenied, match="不是"):
        workitems.reassign([task], "clerk3301b", "clerk3301")
    workitems.reassign([task], "clerk3301b", "reviewer3301")
    assert items(case)[0].claimed_by == "clerk3301b"
    with pytest.raises(PermissionDenied, match="不能转派给"):
        workitems.reassign([task], "reviewer3301", "reviewer3301")  # wrong role for a clerk's task
    workitems.release(task, "clerk3301b")
    assert items(case)[0].claimed_by is None
    assert {"workitem.claimed", "workitem.reassigned", "workitem.released"} <= set(event_kinds(case))


def test_other_jurisdiction_may_not_claim(case: int) -> None:
    with write_session() as session:
        upsert_user(session, "clerk3302", PASSWORD, "clerk", "3302")
    with pytest.raises(PermissionDenied, match="辖区"):
        workitems.claim(items(case)[0].task_id, "clerk3302")


def test_layout_draws_every_node_and_is_stable(tmp_path: Path) -> None:
    for source in sorted((BPMN_DIR / "common").glob("*.bpmn")):
        laid = add_di(source.read_bytes())
        assert missing_shapes(laid) == [], source.name
        assert add_di(laid) == laid  # deterministic, replaces its own DI
        root = etree.fromstring(laid)
        assert root.findall(f".//{{{BPMNDI}}}BPMNPlane")
    (tmp_path / "x.bpmn").write_bytes((BPMN_DIR / "common" / "selection.bpmn").read_bytes())
    if missing_shapes((tmp_path / "x.bpmn").read_bytes()):
        assert layout_files(tmp_path, check=True) == [tmp_path / "x.bpmn"]
    layout_files(tmp_path)
    assert layout_files(tmp_path, check=True) == []
