"""The database tables (SQLModel). Migrations live in `workflows/migrations` (Alembic).

Jurisdictions are GB/T 2260 codes: a province "33", a city "3301", a county "330106". A user whose
jurisdiction is a prefix of an institution's `county` code (or equal to its `city`/`province`) sees it.
All times are timezone-aware UTC in Python (`UTCDateTime`).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Index, LargeBinary, Text, TypeDecorator, UniqueConstraint
from sqlmodel import Field, SQLModel


class UTCDateTime(TypeDecorator):
    """Stores instants as UTC and always returns timezone-aware UTC datetimes (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: Beian stores only timezone-aware instants")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _json(**kw: Any) -> Any:
    return Field(default_factory=dict, sa_column=Column(JSON, nullable=False), **kw)


def _jsonlist(**kw: Any) -> Any:
    return Field(default_factory=list, sa_column=Column(JSON, nullable=False), **kw)


def _ts(nullable: bool = True, index: bool = False) -> Any:
    return Field(default=None, sa_column=Column(UTCDateTime(), nullable=nullable, index=index))


# --- registry ---------------------------------------------------------------------------------

class Institution(SQLModel, table=True):
    """The long-lived subject: one evaluation institution and its filing record."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True)
    kind: str = Field(index=True)  # enterprise | school | technician_college | industry_association | social_training | special_ability
    credit_code: str = Field(index=True)  # 统一社会信用代码
    pack_id: str = Field(index=True)
    province: str = Field(index=True)
    city: str = Field(index=True)
    county: str = Field(index=True)
    filing_level: str = "city"  # province | city | county: which tier of bureau files it
    address: str = ""
    head: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    email: str = ""
    state: str = Field(default="applying", index=True)  # see workflows.states
    code: str | None = Field(default=None, unique=True)
    valid_from: date | None = None
    valid_until: date | None = Field(default=None, index=True)
    last_grade: str | None = Field(default=None, index=True)
    renewal_exempt: bool = False
    application: dict = _json()  # the application as submitted (facts eligibility reads)
    created_at: datetime | None = _ts()
    updated_at: datetime | None = _ts()
    row_version: int = 1


class OccupationScope(SQLModel, table=True):
    """One occupation (or special-ability project) at given levels in an institution's scope."""

    id: int | None = Field(default=None, primary_key=True)
    institution_id: int = Field(foreign_key="institution.id", index=True)
    code: str = Field(index=True)
    name: str = Field(index=True)
    levels: list = _jsonlist()
    kind: str = "occupation"  # occupation | project
    status: str = Field(default="applied", index=True)  # applied | filed | removed
    changed_at: datetime | None = _ts()


# --- specs and instances ----------------------------------------------------------------------

class SpecBlob(SQLModel, table=True):
    """A parsed BPMN diagram, stored once by the SHA-256 of its XML."""

    hash: str = Field(primary_key=True)
    bpmn_xml: str = Field(sa_column=Column(Text, nullable=False))
    spec_json: str = Field(sa_column=Column(Text, nullable=False))
    library_version: str
    created_at: datetime | None = _ts()


class ProcessVersion(SQLModel, table=True):
    """A published version of one process of one policy pack."""

    __table_args__ = (UniqueConstraint("pack_id", "process_key", "version"),)
    id: int | None = Field(default=None, primary_key=True)
    pack_id: str = Field(index=True)
    process_key: str = Field(index=True)  # selection | filing_period | assessment | ...
    bpmn_id: str  # the executable process id inside the diagram
    version: int
    spec_hash: str = Field(foreign_key="specblob.hash")
    source_path: str = ""
    published_by: str = "system"
    approved_by: str | None = None
    published_at: datetime | None = _ts()
    effective_from: date | None = None
    basis_note: str = ""
    status: str = "published"  # draft | published


class Instance(SQLModel, table=True):
    """One running (or finished) process instance; its state excludes the spec."""

    id: int | None = Field(default=None, primary_key=True)
    institution_id: int = Field(foreign_key="institution.id", index=True)
    process_version_id: int = Field(foreign_key="processversion.id", index=True)
    process_key: str = Field(index=True)
    business_key: str = Field(index=True)
    status: str = Field(default="running", index=True)  # running | completed | ended
    state_json: str = Field(sa_column=Column(Text, nullable=False))
    serializer_version: str
    library_version: str
    row_version: int = 1
    started_at: datetime | None = _ts()
    updated_at: datetime | None = _ts()
    ended_at: datetime | None = _ts()
    paused_since: datetime | None = _ts()  # set while the case's deadlines are paused (补正, 暂停)


class WorkItem(SQLModel, table=True):
    """Projection: a READY user task someone may act on."""

    id: int | None = Field(default=None, primary_key=True)
    instance_id: int = Field(foreign_key="instance.id", index=True)
    institution_id: int = Field(foreign_key="institution.id", index=True)
    task_id: str = Field(unique=True)  # SpiffWorkflow task UUID
    task_name: str  # BPMN element id
    title: str
    process_key: str
    role: str = Field(index=True)
    jurisdiction: str = Field(index=True)
    assignee: str | None = Field(default=None, index=True)  # fixed by the diagram (e.g. the drawn expert)
    claimed_by: str | None = Field(default=None, index=True)
    form: str | None = None  # JSON Schema file name beside the diagram
    due_date: date | None = Field(default=None, index=True)
    created_at: datetime | None = _ts()


class Timer(SQLModel, table=True):
    """Projection: a waiting timer event and when it is due."""

    __table_args__ = (Index("ix_timer_due_open", "fired_at", "due_at"),)
    id: int | None = Field(default=None, primary_key=True)
    instance_id: int = Field(foreign_key="instance.id", index=True)
    task_id: str = Field(index=True)
    task_name: str
    due_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))
    fired_at: datetime | None = _ts()


# --- notices, reviews --------------------------------------------------------------------------

class Notice(SQLModel, table=True):
    """A public notice (公示) and its period."""

    id: int | None = Field(default=None, primary_key=True)
    institution_id: int = Field(foreign_key="institution.id", index=True)
    instance_id: int = Field(foreign_key="instance.id", index=True)
    kind: str = "selection"  # selection | grade
    title: str = ""
    published_on: date
    closes_on: date
    status: str = Field(default="open", index=True)  # open | closed | withdrawn
    content: dict = _json()


class Objection(SQLModel, table=True):
    """A written objection to a notice, and its ruling."""

    id: int | None = Field(default=None, primary_key=True)
    notice_id: int | None = Field(default=None, foreign_key="notice.id", index=True)
    institution_id: int = Field(foreign_key="institution.id", index=True)
    name: str
    contact: str
    reason: str
    evidence: str = ""
    received_at: datetime | None = _ts()
    status: str = "pending"  # pending | upheld | dismissed | refused
    ruling: str = ""
    ruled_by: str | None = None
    ruled_at: datetime | None = _ts()


class Expert(SQLModel, table=True):
    """An evaluation expert in the pool (评估专家库)."""

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(unique=True)
    name: str
    province: str = Field(index=True)
    specialties: list = _jsonlist()
    active: bool = True


class ConflictDeclaration(SQLModel, table=True):
    """An expert's declared conflict of interest with an institution."""

    id: int | None = Field(default=None, primary_key=True)
    expert_username: str = Field(index=True)
    institution_id: int = Field(foreign_key="institution.id", index=True)
    reason: str = ""
    declared_at: datetime | None = _ts()


class ScoreSheet(SQLModel, table=True):
    """One expert's scores on one rubric for one case."""

    id: int | None = Field(default=None, primary_key=True)
    instance_id: int = Field(foreign_key="instance.id", index=True)
    institution_id: int = Field(foreign_key="institution.id", index=True)
    rubric_id: str = Field(index=True)
    rubric_hash: str = ""
    expert: str = Field(index=True)
    scores: dict = _json()
    vetoes: list = _jsonlist()
    bonus: dict = _json()
    comment: str = ""
    submitted_at: datetime | None = _ts()


# --- audit, outbox, failures -------------------------------------------------------------------

class AuditEvent(SQLModel, table=True):
    """Append-only audit trail; each row carries the hash of the previous row of its chain."""

    id: int | None = Field(default=None, primary_key=True)
    chain: str = Field(index=True)  # "institution:<id>" or "system"
    seq: int
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))
    actor: str
    kind: str = Field(index=True)
    institution_id: int | None = Field(default=None, index=True)
    instance_id: int | None = Field(default=None, index=True)
    detail: dict = _json()
    prev_hash: str
    hash: str


class AuditChainHead(SQLModel, table=True):
    """The newest hash and sequence of each audit chain; locked while appending."""

    chain: str = Field(primary_key=True)
    seq: int = 0
    last_hash: str = ""


class Outbox(SQLModel, table=True):
    """A message to deliver, queued in the same transaction as the change that caused it."""

    id: int | None = Field(default=None, primary_key=True)
    idempotency_key: str = Field(unique=True)
    channel: str = Field(index=True)  # inbox | email
    recipient: str
    subject: str
    body: str = Field(sa_column=Column(Text, nullable=False))
    institution_id: int | None = Field(default=None, index=True)
    created_at: datetime | None = _ts()
    attempts: int = 0
    next_attempt_at: datetime | None = _ts(index=True)
    sent_at: datetime | None = _ts(index=True)
    last_error: str = ""


class InboxMessage(SQLModel, table=True):
    """An in-app notification delivered to a user or to a role within a jurisdiction."""

    id: int | None = Field(default=None, primary_key=True)
    message_id: str = Field(unique=True)  # the outbox idempotency key
    recipient: str = Field(index=True)
    subject: str
    body: str = Field(sa_column=Column(Text, nullable=False))
    institution_id: int | None = Field(default=None, index=True)
    created_at: datetime | None = _ts()
    read_at: datetime | None = _ts()


class Failure(SQLModel, table=True):
    """A write-path action that failed and was rolled back."""

    id: int | None = Field(default=None, primary_key=True)
    at: datetime | None = _ts()
    actor: str = ""
    instance_id: int | None = Field(default=None, index=True)
    action: dict = _json()
    error: str = Field(sa_column=Column(Text, nullable=False))


# --- calendar, clock, codes, users -------------------------------------------------------------

class CalendarYear(SQLModel, table=True):
    """A year whose holiday table the bureau has entered (overrides cover the whole year)."""

    year: int = Field(primary_key=True)
    entered_by: str = ""
    entered_at: datetime | None = _ts()
    note: str = ""


class CalendarDay(SQLModel, table=True):
    """A bureau-entered day: a holiday (is_workday False) or an adjusted working day (调休)."""

    day: date = Field(primary_key=True)
    is_workday: bool
    note: str = ""
    entered_by: str = ""


class Setting(SQLModel, table=True):
    """Small persisted settings, e.g. the demo clock."""

    key: str = Field(primary_key=True)
    value: dict = _json()


class CodeSequence(SQLModel, table=True):
    """The last institution sequence number handed out per province; codes are never reused."""

    province: str = Field(primary_key=True)
    last: int = 0


class User(SQLModel, table=True):
    """A person who logs in to the board."""

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(unique=True)
    display_name: str = ""
    password_hash: str = ""
    role: str = Field(index=True)  # clerk | reviewer | head | expert | policy | admin
    jurisdiction: str = Field(index=True)
    active: bool = True
    failed_logins: int = 0
    locked_until: datetime | None = _ts()


class SavedView(SQLModel, table=True):
    """A saved set of board filters."""

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(index=True)
    name: str
    filters: dict = _json()


class StoredFile(SQLModel, table=True):
    """Bytes kept in the database (issued PDFs), addressed by SHA-256."""

    sha256: str = Field(primary_key=True)
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


# --- lifecycle: assessment campaigns (workflows/campaigns.py) ----------------------------------

class Campaign(SQLModel, table=True):
    """An annual assessment campaign (004) for one year and jurisdiction: who was started, who skipped and why."""

    __table_args__ = (UniqueConstraint("year", "jurisdiction"),)
    id: int | None = Field(default=None, primary_key=True)
    year: int = Field(index=True)
    jurisdiction: str = Field(index=True)
    started_by: str = ""
    started_at: datetime | None = _ts()
    instance_ids: list = _jsonlist()  # the assessment instances it started
    skipped: list = _jsonlist()  # [{institution_id, name, reason}]


# --- process design: drafts, four-eyes publishing, case migration (issue 7) ---------------------

class ProcessDraft(SQLModel, table=True):
    """A policy owner's draft of a process diagram, until a second policy owner approves it.

    status: draft (editable) → pending (publication requested, waiting for approval) → published
    (became `published_version_id`); `withdrawn` ends a draft without publishing it.
    """

    id: int | None = Field(default=None, primary_key=True)
    pack_id: str = Field(index=True)
    process_key: str = Field(index=True)
    base_version_id: int | None = Field(default=None, foreign_key="processversion.id")
    bpmn_xml: str = Field(sa_column=Column(Text, nullable=False))
    author: str
    created_at: datetime | None = _ts()
    updated_at: datetime | None = _ts()
    status: str = Field(default="draft", index=True)  # draft | pending | published | withdrawn
    requested_by: str | None = None
    requested_at: datetime | None = _ts()
    reason: str = ""
    basis_note: str = ""
    effective_from: date | None = None
    approved_by: str | None = None
    approved_at: datetime | None = _ts()
    published_version_id: int | None = Field(default=None, foreign_key="processversion.id")


class CaseMigration(SQLModel, table=True):
    """One running case moved to another version of its process; kept so it can be rolled back."""

    id: int | None = Field(default=None, primary_key=True)
    instance_id: int = Field(foreign_key="instance.id", index=True)
    from_version_id: int = Field(foreign_key="processversion.id")
    to_version_id: int = Field(foreign_key="processversion.id")
    state_before: str = Field(sa_column=Column(Text, nullable=False))
    row_version_after: int
    migrated_by: str
    migrated_at: datetime | None = _ts()
    rolled_back_by: str | None = None
    rolled_back_at: datetime | None = _ts()
