"""The console's lists (后台): commitments, logs waiting for 核实 and roster members inside
a console user's scope (``services.org.staff.Scope``), with filters and search, as
statements the console pages. A group leader's scope is their group: the members whose
``group_id`` is in it and those members' commitments and logs.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, false, or_, select
from sqlalchemy.orm import Session

from models import Account, Commitment, FulfilmentLog, Member, Organisation, OrgKind, Request
from services.actors import Actor
from services.fulfilment import verification_queue
from services.org.staff import Scope


def _org_in(scope: Scope, org: type[Organisation] = Organisation) -> ColumnElement[bool]:
    if not scope.paths:
        return false()
    return or_(*(org.path.startswith(p) for p in scope.paths))


def _group_ids(scope: Scope) -> list[int]:
    return [o.id for o in scope.roots if o.kind == OrgKind.GROUP.value]


def member_in_scope(scope: Scope) -> ColumnElement[bool]:
    """The SQL condition on ``Member`` for "inside this scope"."""
    if scope.level == "group":
        return Member.group_id.in_(_group_ids(scope))
    return Member.org_id.in_(select(Organisation.id).where(_org_in(scope)))


def branches(session: Session, scope: Scope) -> list[Organisation]:
    """The open branches (and 党总支) inside the scope, for the organisation filter."""
    return list(
        session.scalars(
            select(Organisation)
            .where(
                _org_in(scope),
                Organisation.kind == OrgKind.BRANCH.value,
                Organisation.closed_at.is_(None),
            )
            .order_by(Organisation.path)
        )
    )


def _under(org: Organisation) -> ColumnElement[bool]:
    return Organisation.path.startswith(org.path)


@dataclass(frozen=True)
class CommitmentFilters:
    status: str = ""
    org: Organisation | None = None
    q: str = ""


def commitments(scope: Scope, f: CommitmentFilters) -> Select[tuple[Commitment]]:
    """Every commitment inside the scope (branch commitments too, except for a group
    leader), newest first."""
    stmt = select(Commitment).join(Organisation, Organisation.id == Commitment.org_id)
    if scope.level == "group":
        stmt = stmt.where(Commitment.member_id.in_(select(Member.id).where(member_in_scope(scope))))
    else:
        stmt = stmt.where(_org_in(scope))
    if f.status:
        stmt = stmt.where(Commitment.status == f.status)
    if f.org is not None:
        stmt = stmt.where(_under(f.org))
    if f.q:
        like = f"%{f.q}%"
        stmt = stmt.outerjoin(Member, Member.id == Commitment.member_id).where(
            or_(Commitment.title.like(like), Member.name.like(like))
        )
    return stmt.order_by(Commitment.id.desc())


def logs_to_verify(
    session: Session, actor: Actor, org: Organisation | None = None, q: str = ""
) -> Select[tuple[FulfilmentLog]]:
    """``services.fulfilment.verification_queue`` narrowed by organisation and search."""
    stmt = verification_queue(session, actor)
    if org is not None:
        stmt = stmt.where(Commitment.org_id.in_(select(Organisation.id).where(_under(org))))
    if q:
        like = f"%{q}%"
        stmt = stmt.outerjoin(Member, Member.id == FulfilmentLog.member_id).where(
            or_(FulfilmentLog.note.like(like), Commitment.title.like(like), Member.name.like(like))
        )
    return stmt


@dataclass(frozen=True)
class MemberFilters:
    org: Organisation | None = None
    q: str = ""
    state: str = "active"  # active | inactive | unbound | all


def members(scope: Scope, f: MemberFilters) -> Select[tuple[Member]]:
    stmt = (
        select(Member)
        .join(Organisation, Organisation.id == Member.org_id)
        .where(member_in_scope(scope))
    )
    if f.org is not None:
        stmt = stmt.where(
            or_(
                Member.group_id == f.org.id,
                Member.org_id.in_(select(Organisation.id).where(_under(f.org))),
            )
        )
    if f.state == "active":
        stmt = stmt.where(Member.active.is_(True))
    elif f.state == "inactive":
        stmt = stmt.where(Member.active.is_(False))
    elif f.state == "unbound":
        bound = select(Account.member_id).where(Account.member_id.is_not(None))
        stmt = stmt.where(Member.active.is_(True), Member.id.not_in(bound))
    if f.q:
        like = f"%{f.q}%"
        stmt = stmt.where(
            or_(Member.name.like(like), Member.phone.like(like), Member.duties.like(like))
        )
    return stmt.order_by(Organisation.sort_order, Organisation.id, Member.id)


def bound_member_ids(session: Session, member_ids: list[int]) -> set[int]:
    if not member_ids:
        return set()
    return set(session.scalars(select(Account.member_id).where(Account.member_id.in_(member_ids))))


@dataclass(frozen=True)
class RequestCounts:
    open: int
    overdue: int


def request_counts(session: Session, scope: Scope, resolve_days: int) -> RequestCounts:
    """Open requests inside the scope and how many of them are overdue
    (``services.requests.is_overdue``, the one overdue rule)."""
    from services.requests import OPEN_STATUSES, is_overdue

    open_requests = list(
        session.scalars(
            select(Request)
            .join(Organisation, Organisation.id == Request.org_id)
            .where(_org_in(scope), Request.status.in_(list(OPEN_STATUSES)))
        )
    )
    overdue = sum(1 for r in open_requests if is_overdue(r, resolve_days=resolve_days))
    return RequestCounts(len(open_requests), overdue)
