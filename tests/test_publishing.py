"""Four-eyes publishing of process drafts: lint gate, second approval, effective dates."""

from __future__ import annotations

from datetime import date

import pytest
from conftest import PASSWORD, make_staff, set_clock
from scenario import apply

from workflows.clock import load_clock
from workflows.db import read_session, write_session
from workflows.models import AuditEvent, Instance, ProcessVersion
from workflows.publishing import (
    LintFailed,
    PublishError,
    approve,
    list_versions,
    request_publication,
    save_draft,
    version_xml,
)
from workflows.specs import latest_version
from workflows.users import upsert_user

RENAMED = ('name="完整性审查"', 'name="材料完整性审查"')


@pytest.fixture
def owners(db):  # type: ignore[no-untyped-def]
    make_staff("33", "3301", "330106")
    set_clock("2026-09-21T09:00")
    with write_session() as session:
        upsert_user(session, "policy1", PASSWORD, "policy", "33")
        upsert_user(session, "policy2", PASSWORD, "policy", "33")


def draft_of(change: tuple[str, str], author: str = "policy1") -> int:
    with write_session() as session:
        base = latest_version(session, "003", "selection")
        xml = version_xml(session, base.id)
        assert change[0] in xml
        return save_draft(session, "003", "selection", xml.replace(*change), author, load_clock(session).now()).id


def request(draft_id: int, effective: date = date(2026, 10, 1), by: str = "policy1") -> None:
    with write_session() as session:
        request_publication(session, draft_id, by, load_clock(session).now(), reason="更名以对应 003 第四条",
                            basis_note="浙人社发〔2026〕1号 第四条", effective_from=effective)


def do_approve(draft_id: int, by: str) -> ProcessVersion:
    with write_session() as session:
        return approve(session, draft_id, by, load_clock(session).now())


def version_of_new_case(n: int) -> int:
    inst_id = apply("003-pass", credit_code=f"52330106MJ901234{n}X")
    with read_session() as session:
        instance = session.exec(Instance.__table__.select().where(Instance.institution_id == inst_id)).first()
        return session.get(ProcessVersion, instance.process_version_id).version


def test_publish_needs_a_second_policy_owner(owners) -> None:  # type: ignore[no-untyped-def]
    draft_id = draft_of(RENAMED)
    request(draft_id)
    with pytest.raises(PublishError, match="四眼原则"):
        do_approve(draft_id, "policy1")
    with pytest.raises(PublishError, match="不是政策管理员"):
        do_approve(draft_id, "reviewer3301")
    with read_session() as session:
        assert latest_version(session, "003", "selection").version == 1  # nothing published yet
    version = do_approve(draft_id, "policy2")
    assert (version.version, version.published_by, version.approved_by) == (2, "policy1", "policy2")
    assert version.effective_from == date(2026, 10, 1) and version.basis_note == "浙人社发〔2026〕1号 第四条"
    with read_session() as session:
        kinds = [e.kind for e in session.exec(AuditEvent.__table__.select()).all()]
        rows = {r.version: r for r in list_versions(session, "003") if r.process_key == "selection"}
    assert "process.publication_requested" in kinds and "process.published" in kinds
    assert rows[2].approved_by == "policy2" and rows[1].running_cases == 0
    with pytest.raises(PublishError, match="状态为 published"):
        do_approve(draft_id, "policy2")


def test_new_cases_start_on_newest_effective_version_running_cases_keep_theirs(owners) -> None:  # type: ignore[no-untyped-def]
    assert version_of_new_case(1) == 1
    draft_id = draft_of(RENAMED)
    request(draft_id, effective=date(2026, 10, 8))
    do_approve(draft_id, "policy2")
    assert version_of_new_case(2) == 1  # not yet effective on 2026-09-21
    set_clock("2026-10-08T09:00")
    assert version_of_new_case(3) == 2
    with read_session() as session:
        counts = {r.version: r.running_cases for r in list_versions(session, "003") if r.process_key == "selection"}
    assert counts == {1: 2, 2: 1}


def test_lint_failures_block_the_request(owners) -> None:  # type: ignore[no-untyped-def]
    draft_id = draft_of(('id="case.open"', 'id="case.reopen"'))
    with pytest.raises(LintFailed) as caught:
        request(draft_id)
    assert [(i.element_id, "case.reopen" in i.message) for i in caught.value.issues] == [("open_case", True)]


def test_request_needs_reason_and_change(owners) -> None:  # type: ignore[no-untyped-def]
    draft_id = draft_of(("", ""))
    with pytest.raises(PublishError, match="完全相同"):
        request(draft_id)
    with pytest.raises(PublishError, match="不是政策管理员"):
        draft_of(RENAMED, author="clerk3301")
