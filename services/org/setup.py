"""Going live from an empty database: the township (the root organisation) and its first
administrator, a staff account that logs in with a one-time link until a roster person takes
the role over (``hand_over``).

Every step is idempotent: running it again changes nothing and says so (``created`` False).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from models import Account, Commitment, Household, Member, Organisation, OrgKind, Role, RoleGrant
from services.actors import SYSTEM, Actor
from services.errors import Conflict, NotFound, ValidationError
from services.org import org_events, orgs
from services.org.phones import normalise_phone
from services.visibility import public_commitment

SETUP_ACCOUNT_NAME = "街镇管理员（初始）"
DEFAULT_CODE = "township"


@dataclass(frozen=True)
class Township:
    township: Organisation
    account: Account  # the administrator the login link is for
    created: bool  # False: it existed
    admin_created: bool  # False with created False: nothing was changed


@dataclass(frozen=True)
class Step:
    """One step of going live and whether it is done (the console's and home page's guide)."""

    key: str
    done: bool


STEPS = ("orgs", "roster", "households", "binding", "commitments")


def township(session: Session) -> Organisation | None:
    return session.scalar(
        select(Organisation)
        .where(Organisation.kind == OrgKind.TOWNSHIP.value)
        .order_by(Organisation.id)
    )


def _admin_accounts(session: Session, org: Organisation) -> list[Account]:
    """Accounts holding township admin over ``org``: by their own grant or their member's."""
    grants = select(RoleGrant).where(
        RoleGrant.role == Role.TOWNSHIP_ADMIN.value, RoleGrant.org_id == org.id
    )
    account_ids = select(grants.subquery().c.account_id)
    member_ids = select(grants.subquery().c.member_id)
    return list(
        session.scalars(
            select(Account)
            .where(or_(Account.id.in_(account_ids), Account.member_id.in_(member_ids)))
            .order_by(Account.id)
        )
    )


def setup_township(session: Session, name: str, code: str = DEFAULT_CODE) -> Township:
    """Create the township and its first administrator; a second run changes nothing.

    A different township name than the existing one is refused (one township per deployment:
    rename it in the console)."""
    name = orgs.check_name(name)
    existing = township(session)
    if existing is not None:
        if existing.name != name:
            raise Conflict(
                f"已经设置过乡镇“{existing.name}”，不能再建“{name}”；改名请在后台组织架构中操作"
            )
        accounts = _admin_accounts(session, existing)
        account = accounts[0] if accounts else _new_admin(session, existing)
        return Township(existing, account, created=False, admin_created=not accounts)
    if not orgs.CODE_RE.match(code):
        raise ValidationError("code", "编码只能用字母、数字和 - _，最多 32 个字符")
    org = Organisation(kind=OrgKind.TOWNSHIP.value, name=name, code=code, sort_order=1)
    session.add(org)
    session.flush()
    org.path = f"/{org.id}/"
    org_events.record(session, SYSTEM, org, "created", "乡镇（flask setup township）")
    account = _new_admin(session, org)
    session.flush()
    return Township(org, account, created=True, admin_created=True)


def _new_admin(session: Session, org: Organisation) -> Account:
    account = Account(name=SETUP_ACCOUNT_NAME, nickname=SETUP_ACCOUNT_NAME)
    session.add(account)
    session.flush()
    session.add(RoleGrant(account_id=account.id, role=Role.TOWNSHIP_ADMIN.value, org_id=org.id))
    org_events.record(
        session,
        SYSTEM,
        org,
        "role_granted",
        f"初始管理员账号 {account.id} 任街镇管理员",
        role=Role.TOWNSHIP_ADMIN.value,
        account_id=account.id,
    )
    session.flush()
    return account


@dataclass(frozen=True)
class HandOver:
    member: Member
    account: Account | None  # the member's WeChat account, when bound
    granted: bool  # the member did not hold the role before
    retired: list[int]  # setup accounts whose role was revoked


def hand_over(session: Session, phone: str, actor: Actor = SYSTEM) -> HandOver:
    """Make the roster person with ``phone`` township administrator. Once that person has
    bound WeChat, the initial setup account's role is revoked (its events stay); until then it
    keeps the role, so somebody can always log in."""
    org = township(session)
    if org is None:
        raise NotFound("还没有设置乡镇：请先运行 flask setup township --name 乡镇名")
    number = normalise_phone(phone)
    member = session.scalar(select(Member).where(Member.phone == number))
    if member is None or not member.active:
        raise NotFound(f"花名册中没有手机号为 {number} 的党员：请先导入花名册")
    held = session.scalar(
        select(RoleGrant).where(
            RoleGrant.member_id == member.id,
            RoleGrant.role == Role.TOWNSHIP_ADMIN.value,
            RoleGrant.org_id == org.id,
        )
    )
    if held is None:
        session.add(RoleGrant(member_id=member.id, role=Role.TOWNSHIP_ADMIN.value, org_id=org.id))
        org_events.record(
            session,
            actor,
            org,
            "role_granted",
            f"{member.name}任街镇管理员",
            role=Role.TOWNSHIP_ADMIN.value,
            member_id=member.id,
        )
    account = session.scalar(select(Account).where(Account.member_id == member.id))
    retired: list[int] = []
    if account is not None:
        for grant in session.scalars(
            select(RoleGrant)
            .join(Account, Account.id == RoleGrant.account_id)
            .where(
                RoleGrant.role == Role.TOWNSHIP_ADMIN.value,
                RoleGrant.org_id == org.id,
                Account.name == SETUP_ACCOUNT_NAME,
                Account.member_id.is_(None),
            )
        ):
            retired.append(grant.account_id or 0)
            org_events.record(
                session,
                actor,
                org,
                "role_revoked",
                f"初始管理员账号 {grant.account_id} 交给{member.name}",
                role=grant.role,
                account_id=grant.account_id,
            )
            session.delete(grant)
    session.flush()
    return HandOver(member, account, granted=held is None, retired=retired)


def progress(session: Session, org: Organisation | None) -> list[Step]:
    """Which of 组织架构 → 花名册 → 户信息 → 绑定 → 承诺 are done (counts, not wording)."""
    if org is None:
        return [Step(k, False) for k in STEPS]
    like = f"{org.path}%"
    ids = select(Organisation.id).where(Organisation.path.like(like))
    branches = session.scalar(
        select(func.count(Organisation.id)).where(
            Organisation.path.like(like), Organisation.kind == OrgKind.BRANCH.value
        )
    )
    members = session.scalar(select(func.count(Member.id)).where(Member.org_id.in_(ids)))
    households = session.scalar(select(func.count(Household.id)).where(Household.org_id.in_(ids)))
    bound = session.scalar(
        select(func.count(Account.id))
        .join(Member, Member.id == Account.member_id)
        .where(Member.org_id.in_(ids))
    )
    published = session.scalar(
        select(func.count(Commitment.id)).where(Commitment.org_id.in_(ids), *public_commitment())
    )
    done = [bool(branches), bool(members), bool(households), bool(bound), bool(published)]
    return [Step(k, d) for k, d in zip(STEPS, done, strict=True)]
