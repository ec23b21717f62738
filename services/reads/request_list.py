"""The staff console's list of residents' requests: those in the organisations the staff
member manages, with filters (status, branch, overdue, type), a search by number or text,
and every hop of each request's timeline with its actor.

A fixed number of statements whatever the page size: the requests, then their timelines.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, aliased

from infra.clock import now_utc
from models import Member, Organisation, OrgKind, Request, TimelineEntry
from services import requests
from services.requests.access import OPEN_STATUSES
from services.requests.escalation import RESOLVE_DAYS

PAGE_SIZE = 200


@dataclass(frozen=True)
class Filters:
    status: str = ""  # a RequestStatus value, or "open"
    org_id: int | None = None  # a branch (or the township: its inbox)
    overdue: bool = False
    kind: str = ""
    q: str = ""  # number or words of the text


@dataclass(frozen=True)
class Hop:
    when: datetime
    action: str
    actor: str
    note: str


@dataclass
class Row:
    request: Request
    org_name: str
    org_is_branch: bool
    assignee_name: str
    overdue: bool
    hops: list[Hop] = field(default_factory=list)


def requests_in(
    session: Session,
    scopes: list[Organisation],
    filters: Filters,
    *,
    limit: int = PAGE_SIZE,
    offset: int = 0,
    resolve_days: int = RESOLVE_DAYS,
) -> list[Row]:
    """Requests of the organisations under ``scopes`` (the staff member's), newest first;
    ``limit`` rows from ``offset`` (paging)."""
    if not scopes:
        return []
    now = now_utc()
    assignee = aliased(Member)
    stmt = (
        select(Request, Organisation.name, Organisation.kind, assignee.name)
        .join(Organisation, Organisation.id == Request.org_id)
        .outerjoin(assignee, assignee.id == Request.assignee_member_id)
        .where(or_(*(Organisation.path.startswith(o.path) for o in scopes)))
    )
    if filters.status == "open":
        stmt = stmt.where(Request.status.in_(OPEN_STATUSES))
    elif filters.status:
        stmt = stmt.where(Request.status == filters.status)
    if filters.org_id is not None:
        stmt = stmt.where(Request.org_id == filters.org_id)
    if filters.overdue:
        # requests.is_overdue in SQL: open, and escalated or past the limit it runs against
        resolve_by = now - timedelta(days=resolve_days)
        stmt = stmt.where(
            Request.status.in_(OPEN_STATUSES),
            or_(
                Request.escalation_level > 0,
                and_(Request.first_answered_at.is_(None), Request.due_at < now),
                and_(Request.due_at < now, Request.created_at < resolve_by),
            ),
        )
    if filters.kind:
        stmt = stmt.where(Request.kind == filters.kind)
    q = filters.q.strip()[:50]
    if q:
        like = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(or_(Request.number == q, Request.text.like(like, escape="\\")))
    stmt = stmt.order_by(Request.created_at.desc(), Request.id.desc()).limit(limit).offset(offset)
    rows = [
        Row(
            r,
            org_name,
            kind == OrgKind.BRANCH.value,
            name or "",
            requests.is_overdue(r, now, resolve_days),
        )
        for r, org_name, kind, name in session.execute(stmt).all()
    ]
    by_id = {row.request.id: row for row in rows}
    if by_id:
        entries = session.scalars(
            select(TimelineEntry)
            .where(TimelineEntry.request_id.in_(by_id))
            .order_by(TimelineEntry.created_at, TimelineEntry.id)
        )
        for e in entries:
            assert e.request_id is not None
            by_id[e.request_id].hops.append(
                Hop(e.created_at, e.action, e.actor_label or "系统", e.note)
            )
    return rows


def branches_under(session: Session, scopes: list[Organisation]) -> list[Organisation]:
    """The open branches a request may be dispatched to (and the branch filter lists)."""
    if not scopes:
        return []
    return list(
        session.scalars(
            select(Organisation)
            .where(
                Organisation.kind == OrgKind.BRANCH.value,
                Organisation.closed_at.is_(None),
                or_(*(Organisation.path.startswith(o.path) for o in scopes)),
            )
            .order_by(Organisation.path)
        )
    )


def members_of(session: Session, branches: list[Organisation]) -> dict[int, list[Member]]:
    """Active members per branch (to assign a request to one of them)."""
    out: dict[int, list[Member]] = {b.id: [] for b in branches}
    if not out:
        return out
    for m in session.scalars(
        select(Member)
        .where(Member.org_id.in_(out), Member.active.is_(True))
        .order_by(Member.org_id, Member.id)
    ):
        out[m.org_id].append(m)
    return out
