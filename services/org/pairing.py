"""结对共建: an organ branch (机关, possibly outside the township's tree, added as a partner
organisation) paired with a village branch, and the organ branch's pledges to that village.

A partner pledge is a branch commitment of the organ branch (``owner_kind`` branch, ``org_id``
the organ) with ``partner_org_id`` the village: the organ's members log it, the village's
wall and board show it under 结对共建, and the village's residents sign it off
(``services.evaluation.grades.is_served_by``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from infra.clock import now_utc
from models import Commitment, Household, Organisation, OrgKind, OrgPairing, OwnerKind
from services import commitments, content
from services.actors import Actor
from services.errors import Conflict, NotFound, PermissionDenied, ValidationError


def _branch(session: Session, org_id: int, field: str) -> Organisation:
    org = session.get(Organisation, org_id)
    if org is None or org.kind != OrgKind.BRANCH.value:
        raise ValidationError(field, "请选择一个党支部")
    return org


def pair(session: Session, actor: Actor, organ: Organisation, village: Organisation) -> OrgPairing:
    """Pair ``organ`` with ``village`` (again, if an earlier pairing ended). Township staff
    over the village decide; pairing twice changes nothing."""
    _branch(session, organ.id, "organ_org_id")
    _branch(session, village.id, "village_org_id")
    if organ.id == village.id:
        raise ValidationError("organ_org_id", "结对共建须是两个不同的党支部")
    if not (actor.system or actor.has_role("township_admin", village)):
        raise PermissionDenied("只有街镇管理员可以设置结对共建")
    row = session.scalar(
        select(OrgPairing).where(
            OrgPairing.organ_org_id == organ.id, OrgPairing.village_org_id == village.id
        )
    )
    if row is None:
        row = OrgPairing(organ_org_id=organ.id, village_org_id=village.id, created_at=now_utc())
        session.add(row)
    elif row.ended_at is not None:
        row.ended_at = None
    session.flush()
    return row


def end_pairing(
    session: Session,
    actor: Actor,
    organ: Organisation,
    village: Organisation,
    now: datetime | None = None,
) -> OrgPairing:
    """End the pairing; the row and the pledges made under it stay (history is kept)."""
    if not (actor.system or actor.has_role("township_admin", village)):
        raise PermissionDenied("只有街镇管理员可以解除结对共建")
    row = session.scalar(
        select(OrgPairing).where(
            OrgPairing.organ_org_id == organ.id,
            OrgPairing.village_org_id == village.id,
            OrgPairing.ended_at.is_(None),
        )
    )
    if row is None:
        raise NotFound(f"{organ.name}与{village.name}没有结对共建")
    row.ended_at = now or now_utc()
    session.flush()
    return row


def is_paired(session: Session, organ_id: int, village_id: int) -> bool:
    return (
        session.scalar(
            select(OrgPairing.id).where(
                OrgPairing.organ_org_id == organ_id,
                OrgPairing.village_org_id == village_id,
                OrgPairing.ended_at.is_(None),
            )
        )
        is not None
    )


def partners_of(session: Session, village: Organisation) -> list[Organisation]:
    """The organ branches currently paired with ``village``."""
    return list(
        session.scalars(
            select(Organisation)
            .join(OrgPairing, OrgPairing.organ_org_id == Organisation.id)
            .where(OrgPairing.village_org_id == village.id, OrgPairing.ended_at.is_(None))
            .order_by(Organisation.sort_order, Organisation.id)
        )
    )


def create_partner_pledge(
    session: Session,
    actor: Actor,
    organ_id: int,
    village_id: int,
    data: Mapping[str, Any],
    *,
    request_ids: Sequence[int] = (),
    today: date | None = None,
    content_answer: content.WechatAnswer | None = None,
) -> Commitment:
    """A draft pledge of the organ branch to its paired village (reviewed like any branch
    pledge: the organ's secretary or township staff draft it, the township reviews it)."""
    organ = _branch(session, organ_id, "org_id")
    village = _branch(session, village_id, "partner_org_id")
    if not is_paired(session, organ.id, village.id):
        raise Conflict(
            f"{organ.name}与{village.name}还没有结对共建，请先由街镇管理员设置结对",
            code="not_paired",
        )
    c = commitments.create(
        session,
        actor,
        data,
        owner_kind=OwnerKind.BRANCH.value,
        org_id=organ.id,
        request_ids=request_ids,
        today=today,
        content_answer=content_answer,
    )
    c.partner_org_id = village.id
    session.flush()
    return c


def serves_partner_pledge(session: Session, household_id: int | None, c: Commitment) -> bool:
    """A resident of the village a partner pledge is made to (their household is there)."""
    if household_id is None or c.partner_org_id is None:
        return False
    household = session.get(Household, household_id)
    return household is not None and household.org_id == c.partner_org_id
