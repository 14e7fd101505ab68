"""The 机构总览 query: filters, per-state counts and one page of institutions, all in SQL."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import exists, func
from sqlmodel import Session, col, select

from dashboard.auth import Identity
from dashboard.scope import institution_filter
from workflows.models import Institution, OccupationScope, WorkItem


@dataclass
class BoardFilters:
    """What the user narrowed the board to (saved as a view by `asdict`)."""

    states: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    occupation: str = ""
    area: str = ""  # a city or county code prefix
    grades: list[str] = field(default_factory=list)
    overdue: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BoardFilters:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)


def _where(user: Identity, filters: BoardFilters, on: date, with_states: bool = True) -> list[Any]:
    clauses = [institution_filter(user)]
    if with_states and filters.states:
        clauses.append(col(Institution.state).in_(filters.states))
    if filters.kinds:
        clauses.append(col(Institution.kind).in_(filters.kinds))
    if filters.grades:
        clauses.append(col(Institution.last_grade).in_(filters.grades))
    if filters.area.strip():
        clauses.append(col(Institution.county).startswith(filters.area.strip()))
    if filters.occupation.strip():
        text = f"%{filters.occupation.strip()}%"
        clauses.append(exists().where(OccupationScope.institution_id == Institution.id,
                                      col(OccupationScope.name).like(text) | col(OccupationScope.code).like(text)))
    if filters.overdue:
        clauses.append(exists().where(WorkItem.institution_id == Institution.id, col(WorkItem.due_date) < on))
    return clauses


def state_counts(session: Session, user: Identity, filters: BoardFilters, on: date) -> dict[str, int]:
    """How many institutions per state under every filter but the state filter."""
    query = select(Institution.state, func.count()).where(*_where(user, filters, on, with_states=False)) \
        .group_by(Institution.state)
    return dict(session.exec(query).all())


def search(session: Session, user: Identity, filters: BoardFilters, on: date, page: int,
           size: int = 50) -> tuple[list[dict[str, Any]], int]:
    """One page of matching institutions (newest first) and the total count."""
    where = _where(user, filters, on)
    total = session.exec(select(func.count()).select_from(Institution).where(*where)).one()
    insts = session.exec(select(Institution).where(*where).order_by(col(Institution.id).desc())
                         .offset(page * size).limit(size)).all()
    ids = [i.id for i in insts]
    occupations: dict[int, list[str]] = {i: [] for i in ids}
    if ids:
        for scope in session.exec(select(OccupationScope).where(col(OccupationScope.institution_id).in_(ids),
                                                                OccupationScope.status != "removed")):
            occupations[scope.institution_id].append(scope.name)
    late = set(session.exec(select(WorkItem.institution_id).where(col(WorkItem.institution_id).in_(ids),
                                                                  col(WorkItem.due_date) < on)).all()) if ids else set()
    rows = [{"id": i.id, "name": i.name, "state": i.state, "code": i.code, "kind": i.kind,
             "occupations": "、".join(occupations[i.id]), "county": i.county, "valid_from": i.valid_from,
             "valid_until": i.valid_until, "grade": i.last_grade, "overdue": i.id in late} for i in insts]
    return rows, total


def grade_options(session: Session, user: Identity) -> list[str]:
    query = select(Institution.last_grade).where(institution_filter(user), col(Institution.last_grade).is_not(None))
    return sorted(set(session.exec(query.distinct()).all()))
