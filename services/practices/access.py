"""Who may see or do what in the practices: a member logs visits to the households linked to
them; the branch's secretary (or township staff above) manages party days and scores; a resident
linked to a household sees the visits to that household only (never edits them)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Account, Household, Member, MemberHousehold, Organisation
from services.actors import Actor
from services.errors import PermissionDenied


def is_linked(session: Session, member_id: int, household_id: int) -> bool:
    return (
        session.scalar(
            select(MemberHousehold.id).where(
                MemberHousehold.member_id == member_id,
                MemberHousehold.household_id == household_id,
            )
        )
        is not None
    )


def check_may_visit(session: Session, actor: Actor, member: Member, household: Household) -> None:
    """A member logs their own visits, to the households linked to them (联户)."""
    if actor.member_id != member.id and not actor.system:
        raise PermissionDenied("只能记录自己的走访")
    if not is_linked(session, member.id, household.id):
        raise PermissionDenied(
            f"{household.address}不是您联系的户：只能记录联系户的走访，联户关系由支部在户信息里登记"
        )


def check_may_see_household(session: Session, actor: Actor, household: Household) -> None:
    """The visits to a household: its linked residents, its linked members, the branch's
    secretary and township staff above it."""
    if actor.system:
        return
    if actor.account_id is not None:
        account = session.get(Account, actor.account_id)
        if account is not None and account.household_id == household.id:
            return
    if actor.member_id is not None and is_linked(session, actor.member_id, household.id):
        return
    if actor.manages(session.get_one(Organisation, household.org_id)):
        return
    raise PermissionDenied("只能查看与您绑定的户的走访记录")


def check_may_see_member(session: Session, actor: Actor, member: Member) -> None:
    if actor.system or actor.member_id == member.id:
        return
    if actor.manages(session.get_one(Organisation, member.org_id)):
        return
    raise PermissionDenied("只能查看自己的走访记录；书记和街镇管理员可以查看本支部党员的")


def check_manages(actor: Actor, branch: Organisation, what: str) -> None:
    if not actor.manages(branch):
        raise PermissionDenied(f"只有{branch.name}的书记或街镇管理员可以{what}")
