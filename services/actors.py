"""Who is acting, and what their roles allow, scoped to organisation subtrees."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from models import (
    Account,
    Member,
    Organisation,
    OrgKind,
    Role,
    RoleGrant,
)


@dataclass(frozen=True)
class Grant:
    role: str
    org_id: int
    org_path: str
    org_name: str


@dataclass(frozen=True)
class Actor:
    """The person behind a request, command or job.

    ``system`` actors (scheduler, CLI) may do anything; their label names the process.
    """

    account_id: int | None = None
    member_id: int | None = None
    name: str = ""
    grants: tuple[Grant, ...] = field(default_factory=tuple)
    system: bool = False

    @property
    def label(self) -> str:
        return self.name or ("系统" if self.system else "群众")

    def has_role(self, role: Role | str, org: Organisation) -> bool:
        if self.system:
            return True
        return any(g.role == str(role) and org.path.startswith(g.org_path) for g in self.grants)

    def has_any_role(self, org: Organisation, *roles: Role | str) -> bool:
        return any(self.has_role(r, org) for r in roles)

    def manages(self, org: Organisation) -> bool:
        """Secretary of the branch or township staff above it."""
        return self.has_any_role(org, Role.SECRETARY, Role.TOWNSHIP_ADMIN)

    def role_names(self) -> list[str]:
        return sorted({g.role for g in self.grants})


SYSTEM = Actor(name="系统", system=True)
# Who routes a new request to its linked member or branch: the system, never the resident.
ROUTING = Actor(name="系统自动分派", system=True)


def load_grants(
    session: Session, member_id: int | None, account_id: int | None
) -> tuple[Grant, ...]:
    conds = []
    if member_id:
        conds.append(RoleGrant.member_id == member_id)
    if account_id:
        conds.append(RoleGrant.account_id == account_id)
    if not conds:
        return ()
    rows = session.execute(
        select(RoleGrant.role, Organisation.id, Organisation.path, Organisation.name)
        .join(Organisation, Organisation.id == RoleGrant.org_id)
        .where(or_(*conds))
    ).all()
    return tuple(Grant(r[0], r[1], r[2], r[3]) for r in rows)


def actor_for_account(session: Session, account: Account) -> Actor:
    member = session.get(Member, account.member_id) if account.member_id else None
    name = member.name if member else (account.name or account.nickname)
    return Actor(
        account_id=account.id,
        member_id=member.id if member else None,
        name=name,
        grants=load_grants(session, account.member_id, account.id),
    )


def actor_for_member(session: Session, member: Member) -> Actor:
    """Acting as a roster member (CLI, demo data, tests) with or without a WeChat account."""
    account_id = session.scalar(select(Account.id).where(Account.member_id == member.id))
    return Actor(
        account_id=account_id,
        member_id=member.id,
        name=member.name,
        grants=load_grants(session, member.id, account_id),
    )


def holders(
    session: Session, role: str, org_id: int, *, mini_program_too: bool = False
) -> list[int]:
    """Accounts holding ``role`` in ``org_id`` that the official account can reach (with
    ``mini_program_too``: or the mini-program, by a subscription message)."""
    grants = list(
        session.scalars(select(RoleGrant).where(RoleGrant.role == role, RoleGrant.org_id == org_id))
    )
    member_ids = [g.member_id for g in grants if g.member_id]
    account_ids = [g.account_id for g in grants if g.account_id]
    if not grants:
        return []
    return list(
        session.scalars(
            select(Account.id)
            .where(
                or_(Account.id.in_(account_ids), Account.member_id.in_(member_ids)),
                or_(Account.oa_openid.is_not(None), Account.mp_openid.is_not(None))
                if mini_program_too
                else Account.oa_openid.is_not(None),
            )
            .order_by(Account.id)
        )
    )


def township_of(session: Session, org: Organisation) -> Organisation | None:
    """The township ``org`` belongs to (itself if it is one)."""
    node: Organisation | None = org
    while node is not None and node.kind != OrgKind.TOWNSHIP.value:
        node = session.get(Organisation, node.parent_id) if node.parent_id else None
    return node
