"""Small factories for test data. Every object goes through the real models."""

from __future__ import annotations

import itertools
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from models import (
    Account,
    Commitment,
    CommitmentStatus,
    Household,
    Member,
    MemberHousehold,
    Organisation,
    RoleGrant,
)
from services.actors import Actor, actor_for_account, actor_for_member

_seq = itertools.count(1)


def org(
    session: Session,
    kind: str,
    name: str | None = None,
    parent: Organisation | None = None,
    code: str | None = None,
) -> Organisation:
    n = next(_seq)
    o = Organisation(
        kind=kind,
        name=name or f"{kind}{n}",
        code=code or f"{kind}-{n}-{id(session) % 997}",
        parent_id=parent.id if parent else None,
    )
    session.add(o)
    session.flush()
    o.path = (parent.path if parent else "/") + f"{o.id}/"
    return o


def tree(session: Session) -> dict[str, Organisation]:
    """district → township → branch (with two party groups)."""
    district = org(session, "district", "示范区")
    township = org(session, "township", "示范镇", district)
    branch = org(session, "branch", "东村党支部", township)
    group1 = org(session, "group", "第一党小组", branch)
    group2 = org(session, "group", "第二党小组", branch)
    return {
        "district": district,
        "township": township,
        "branch": branch,
        "group1": group1,
        "group2": group2,
    }


def member(
    session: Session,
    branch: Organisation,
    name: str | None = None,
    group: Organisation | None = None,
    **kw: Any,
) -> Member:
    n = next(_seq)
    m = Member(
        org_id=branch.id,
        group_id=group.id if group else None,
        name=name or f"党员{n}",
        phone=kw.pop("phone", f"139{n:08d}"),
        public_code=kw.pop("public_code", f"m{n:06d}"),
        **kw,
    )
    session.add(m)
    session.flush()
    return m


def grant(
    session: Session,
    role: str,
    organisation: Organisation,
    member: Member | None = None,
    account: Account | None = None,
) -> RoleGrant:
    g = RoleGrant(
        role=role,
        org_id=organisation.id,
        member_id=member.id if member else None,
        account_id=account.id if account else None,
    )
    session.add(g)
    session.flush()
    return g


def account(
    session: Session, member: Member | None = None, household: Household | None = None, **kw: Any
) -> Account:
    n = next(_seq)
    a = Account(
        oa_openid=kw.pop("oa_openid", f"oa-openid-{n}"),
        member_id=member.id if member else None,
        household_id=household.id if household else None,
        **kw,
    )
    session.add(a)
    session.flush()
    return a


def household(
    session: Session, branch: Organisation, linked: list[Member] = (), **kw: Any
) -> Household:  # type: ignore[assignment]
    n = next(_seq)
    h = Household(
        org_id=branch.id,
        code=kw.pop("code", f"H{n:05d}"),
        address=kw.pop("address", f"东村{n}号"),
        **kw,
    )
    session.add(h)
    session.flush()
    for m in linked:
        session.add(MemberHousehold(member_id=m.id, household_id=h.id))
    session.flush()
    return h


def as_actor(session: Session, who: Member | Account) -> Actor:
    if isinstance(who, Account):
        return actor_for_account(session, who)
    return actor_for_member(session, who)


def published(
    session: Session, owner: Member, title: str = "每月给村东生产路树木浇水一次", **kw: Any
) -> Commitment:
    """A published commitment built directly (for tests that are not about the review)."""
    fields: dict[str, Any] = {
        "target_kind": "periodic",
        "frequency": "monthly",
        "target_quantity": 1,
        "unit": "次",
        "start_date": date(2026, 1, 1),
        "end_date": date(2026, 12, 31),
    }
    fields.update(kw)
    c = Commitment(
        owner_kind="member",
        member_id=owner.id,
        org_id=owner.org_id,
        title=title,
        status=CommitmentStatus.PUBLISHED.value,
        **fields,
    )
    session.add(c)
    session.flush()
    return c
