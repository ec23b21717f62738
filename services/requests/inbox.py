"""A member's inbox (待办): the open requests they hold and the unassigned ones they may claim.
One read for every channel that shows it (the bot's 待办, the mini-program's 待办 list)."""

from __future__ import annotations

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from models import Member, Organisation, Request, Role
from services.actors import Actor
from services.errors import PermissionDenied
from services.requests.access import OPEN_STATUSES, can_claim, can_transfer


def inbox(session: Session, actor: Actor, member: Member) -> tuple[list[Request], list[Request]]:
    """(mine, claimable): open requests held by me, and open unassigned ones I may claim
    (my branch's list; a secretary's or township admin's managed branches)."""
    mine = list(
        session.scalars(
            select(Request)
            .where(
                Request.assignee_member_id == member.id,
                Request.status.in_(OPEN_STATUSES),
            )
            .order_by(Request.due_at, Request.id)
        )
    )
    managed = [Organisation.path.startswith(g.org_path) for g in actor.grants]
    unassigned = session.scalars(
        select(Request)
        .join(Organisation, Organisation.id == Request.org_id)
        .where(
            Request.assignee_member_id.is_(None),
            Request.status.in_(OPEN_STATUSES),
            or_(Request.org_id == member.org_id, *managed),
        )
        .order_by(Request.due_at, Request.id)
    )
    claimable = [r for r in unassigned if can_claim(session, actor, r, member)]
    return mine, claimable


def assigned_query(actor: Actor) -> Select[tuple[Request]] | None:
    """The mini-program's 待办 list: requests assigned to me and, for a branch secretary or a
    township admin, every request of the organisations they manage; open ones first (the
    earliest due first), then the closed ones. ``None``: nothing can be assigned to me."""
    conds = []
    if actor.member_id is not None:
        conds.append(Request.assignee_member_id == actor.member_id)
    managed = [g.org_path for g in actor.grants if g.role in (Role.SECRETARY, Role.TOWNSHIP_ADMIN)]
    if managed:
        conds.append(
            Request.org_id.in_(
                select(Organisation.id).where(
                    or_(*[Organisation.path.startswith(p) for p in managed])
                )
            )
        )
    if not conds:
        return None
    return (
        select(Request)
        .where(or_(*conds))
        .order_by(Request.status.in_(OPEN_STATUSES).desc(), Request.due_at, Request.id)
    )


def transfer_candidates(session: Session, actor: Actor, req: Request) -> list[Member]:
    """Whom ``req`` may be handed to (转交 / the secretary's 派单): the active members of its
    branch other than the one holding it. Only those who may transfer it may ask."""
    if not can_transfer(session, actor, req):
        raise PermissionDenied("只有负责的党员、支部书记或街镇管理员可以转交诉求")
    return list(
        session.scalars(
            select(Member)
            .where(
                Member.org_id == req.org_id,
                Member.active.is_(True),
                Member.id != (req.assignee_member_id or 0),
            )
            .order_by(Member.id)
        )
    )


def demands_query(session: Session, actor: Actor, org: Organisation) -> Select[tuple[Request]]:
    """A branch's demand list (需求清单): its open requests, newest first, for the members of
    the branch and those who manage it (the entries carry no resident's name)."""
    member = session.get(Member, actor.member_id) if actor.member_id else None
    in_org = member is not None and member.org_id == org.id
    if not (in_org or actor.manages(org)):
        raise PermissionDenied("只有本支部党员和书记可以查看需求清单")
    return (
        select(Request)
        .join(Organisation, Organisation.id == Request.org_id)
        .where(Organisation.path.startswith(org.path), Request.status.in_(OPEN_STATUSES))
        .order_by(Request.created_at.desc(), Request.id.desc())
    )
