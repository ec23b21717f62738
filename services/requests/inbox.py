"""A member's inbox (待办): the open requests they hold and the unassigned ones they may claim.
One read for every channel that shows it (the bot's 待办 today)."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from models import Member, Organisation, Request
from services.actors import Actor
from services.requests.access import OPEN_STATUSES, can_claim


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
