"""Who may see and do what with a commitment — the one rule every channel calls.

``may_*`` answers "is this caller allowed at all" (whatever the status); ``can_*`` answers
"may this caller do it now" (allowed and the commitment is in a state that permits it).
The service functions enforce ``may_*`` with their own messages; serialisers, pages, the
bot and the console show ``can_*``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from sqlalchemy.orm import Session

from models import (
    Commitment,
    CommitmentStatus,
    Member,
    Organisation,
    OwnerKind,
    ReviewLevel,
    Role,
)
from services import visibility
from services.actors import Actor
from services.errors import NotFound

PENDING_FOR_LEVEL = {
    ReviewLevel.GROUP.value: CommitmentStatus.PENDING_GROUP.value,
    ReviewLevel.BRANCH.value: CommitmentStatus.PENDING_BRANCH.value,
    ReviewLevel.TOWNSHIP.value: CommitmentStatus.PENDING_TOWNSHIP.value,
}
LEVEL_FOR_PENDING = {v: k for k, v in PENDING_FOR_LEVEL.items()}
ROLE_FOR_LEVEL = {
    ReviewLevel.GROUP.value: Role.GROUP_LEADER.value,
    ReviewLevel.BRANCH.value: Role.SECRETARY.value,
    ReviewLevel.TOWNSHIP.value: Role.TOWNSHIP_ADMIN.value,
}
MAX_ID = 2**63 - 1
NOT_FOUND = "找不到这条承诺，请刷新后重试"


def is_public(c: Commitment) -> bool:
    """Published and not held back by the content check: anyone may see it."""
    return visibility.commitment_is_public(c)


def is_owner(actor: Actor | None, c: Commitment) -> bool:
    """The member whose own commitment this is (a branch commitment has no owning member)."""
    if actor is None or c.owner_kind != OwnerKind.MEMBER:
        return False
    return actor.member_id is not None and actor.member_id == c.member_id


def _manages(session: Session, actor: Actor, c: Commitment) -> bool:
    return actor.manages(session.get_one(Organisation, c.org_id))


def may_edit(session: Session, actor: Actor | None, c: Commitment) -> bool:
    """The owner of a member commitment; the branch's managers for a branch commitment."""
    if actor is None:
        return False
    if c.owner_kind == OwnerKind.MEMBER:
        return actor.system or is_owner(actor, c)
    return _manages(session, actor, c)


def may_withdraw(session: Session, actor: Actor | None, c: Commitment) -> bool:
    """Whoever may edit it, and the branch's managers (secretary, township staff)."""
    if actor is None:
        return False
    return may_edit(session, actor, c) or _manages(session, actor, c)


def can_edit(session: Session, actor: Actor | None, c: Commitment) -> bool:
    """Drafts (including those sent back) only; submitted ones wait for the review."""
    return c.status == CommitmentStatus.DRAFT and may_edit(session, actor, c)


def can_submit(session: Session, actor: Actor | None, c: Commitment) -> bool:
    return can_edit(session, actor, c)


def can_withdraw(session: Session, actor: Actor | None, c: Commitment) -> bool:
    return c.status != CommitmentStatus.WITHDRAWN and may_withdraw(session, actor, c)


def review_org(session: Session, c: Commitment, level: str) -> Organisation:
    """Where a reviewer's role must be held: the author's party group at group level; for a
    partner pledge (结对共建) the township over the village it is made to, since the organ
    branch may sit outside the township's tree."""
    if level == ReviewLevel.TOWNSHIP and c.partner_org_id is not None:
        return session.get_one(Organisation, c.partner_org_id)
    org = session.get_one(Organisation, c.org_id)
    if level == ReviewLevel.GROUP and c.member_id is not None:
        member = session.get_one(Member, c.member_id)
        if member.group_id is not None:
            org = session.get_one(Organisation, member.group_id)
    return org


def can_review(session: Session, actor: Actor | None, c: Commitment) -> bool:
    """Holds the role of the level ``c`` waits at, and is not its author (nor, at branch
    level, the branch reviewing its own pledge)."""
    level = LEVEL_FOR_PENDING.get(c.status)
    if actor is None or level is None:
        return False
    if actor.member_id is not None and actor.member_id == c.member_id:
        return False
    if c.owner_kind == OwnerKind.BRANCH and level == ReviewLevel.BRANCH:
        return False
    return actor.has_role(ROLE_FOR_LEVEL[level], review_org(session, c, level))


def can_see(session: Session, actor: Actor | None, c: Commitment) -> bool:
    """Public ones to anyone; the rest to the owner, the branch's managers and reviewers."""
    if is_public(c):
        return True
    if actor is None:
        return False
    if actor.system or is_owner(actor, c) or _manages(session, actor, c):
        return True
    return can_review(session, actor, c)


def visible(session: Session, actor: Actor | None, commitment_id: int) -> Commitment:
    """Load-or-404 for a reader: a commitment this caller may not see is 'not found'."""
    c = session.get(Commitment, commitment_id) if 1 <= commitment_id <= MAX_ID else None
    if c is None or not can_see(session, actor, c):
        raise NotFound(NOT_FOUND)
    return c


@dataclass(frozen=True)
class Capabilities:
    """What the caller may do with a commitment now (for serialisers and pages)."""

    see: bool
    edit: bool
    submit: bool
    withdraw: bool
    review: bool

    def as_dict(self) -> dict[str, bool]:
        return asdict(self)


def capabilities(session: Session, actor: Actor | None, c: Commitment) -> Capabilities:
    return Capabilities(
        see=can_see(session, actor, c),
        edit=can_edit(session, actor, c),
        submit=can_submit(session, actor, c),
        withdraw=can_withdraw(session, actor, c),
        review=can_review(session, actor, c),
    )
