"""Object-level read access shared by the resource modules (load-or-404 for readers)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from models import Commitment, CommitmentStatus, Organisation, OwnerKind
from services import commitments as commitment_service
from services.actors import Actor
from services.errors import NotFound

from .base import check_id
from .serialize import PUBLIC_CONTENT


def is_public(c: Commitment) -> bool:
    return c.status == CommitmentStatus.PUBLISHED.value and c.content_status in PUBLIC_CONTENT


def is_owner(actor: Actor | None, c: Commitment) -> bool:
    if actor is None:
        return False
    if c.owner_kind == OwnerKind.MEMBER.value:
        return actor.member_id is not None and actor.member_id == c.member_id
    return False


def can_see(session: Session, actor: Actor | None, c: Commitment) -> bool:
    if is_public(c):
        return True
    if actor is None:
        return False
    if actor.system or is_owner(actor, c):
        return True
    if actor.manages(session.get_one(Organisation, c.org_id)):
        return True
    return commitment_service.can_review(session, actor, c)


def commitment_for(session: Session, actor: Actor | None, commitment_id: int) -> Commitment:
    """The commitment if this caller may see it; otherwise 404 (nothing leaks)."""
    c = session.get(Commitment, check_id(commitment_id))
    if c is None or not can_see(session, actor, c):
        raise NotFound("找不到这条承诺，请刷新后重试")
    return c
