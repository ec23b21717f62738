"""Mini-program sign-in: bearer tokens, accounts from WeChat identities, member binding
(by the phone number WeChat verified, or by a bind code) and the demo login.

Nothing here talks to WeChat: the handler calls the WeChat client (jscode2session,
getuserphonenumber) and hands the verified openid / phone number to these functions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session

from infra.clock import now_utc
from models import (
    Account,
    Member,
    Organisation,
    OrgKind,
    Role,
    RoleGrant,
)
from services.errors import (
    Conflict,
    DomainError,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from services.org import bindcodes
from services.org.phones import normalise_phone

TOKEN_SALT = "jiannuo.api.token.v1"  # noqa: S105 - a salt, not a secret
DEMO_ROLES = ("resident", "member", "group_leader", "secretary", "admin")


class Unauthenticated(DomainError):
    """No token, a bad token or an expired one: the client logs in again."""

    code = "unauthorized"
    status = 401


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_at: datetime


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=TOKEN_SALT)


def issue_token(secret_key: str, account: Account, ttl_hours: int) -> IssuedToken:
    """A signed bearer token naming the account; valid for ``ttl_hours``."""
    token = _serializer(secret_key).dumps({"a": account.id})
    return IssuedToken(token=str(token), expires_at=now_utc() + timedelta(hours=ttl_hours))


def read_token(secret_key: str, token: str, ttl_hours: int) -> int:
    """The account id inside a valid token, or ``Unauthenticated``."""
    if not token or len(token) > 512:
        raise Unauthenticated("请先登录")
    try:
        data = _serializer(secret_key).loads(token, max_age=ttl_hours * 3600)
    except SignatureExpired:
        raise Unauthenticated("登录已过期，请重新登录") from None
    except BadSignature:
        raise Unauthenticated("登录信息无效，请重新登录") from None
    account_id = data.get("a") if isinstance(data, dict) else None
    if not isinstance(account_id, int) or isinstance(account_id, bool):
        raise Unauthenticated("登录信息无效，请重新登录")
    return account_id


def account_by_id(session: Session, account_id: int) -> Account:
    account = session.get(Account, account_id)
    if account is None:
        raise Unauthenticated("账号不存在，请重新登录")
    return account


def account_for_openid(session: Session, openid: str, unionid: str | None = None) -> Account:
    """The account of a mini-program user, created on first login.

    With a unionid the mini-program identity joins the official-account identity of the
    same person (one account, one member binding).
    """
    if not openid:
        raise ValidationError("code", "微信登录失败，请重新打开小程序再试")
    account = session.scalar(select(Account).where(Account.mp_openid == openid))
    if account is None and unionid:
        account = session.scalar(select(Account).where(Account.unionid == unionid))
        if account is not None and account.mp_openid is None:
            account.mp_openid = openid
    if account is None:
        account = Account(mp_openid=openid, unionid=unionid or None, created_at=now_utc())
        session.add(account)
    elif unionid and account.unionid is None:
        clash = session.scalar(select(Account.id).where(Account.unionid == unionid))
        if clash is None:
            account.unionid = unionid
    session.flush()
    return account


def _check_can_bind(session: Session, account: Account, member: Member) -> None:
    if not member.active:
        raise Conflict(f"{member.name}已不在花名册中，请联系支部书记", code="member_inactive")
    if account.member_id is not None and account.member_id != member.id:
        raise Conflict(
            "您的微信已绑定了另一名党员，一个微信只能绑定一名党员；如需更换请联系支部书记",
            code="account_already_bound",
        )
    holder = session.scalar(
        select(Account.id).where(Account.member_id == member.id, Account.id != account.id)
    )
    if holder is not None:
        raise Conflict(
            f"党员{member.name}已绑定了另一个微信；如需更换微信请联系支部书记解除原绑定",
            code="member_already_bound",
        )


def bind_by_phone(session: Session, account: Account, phone: str) -> Member:
    """Bind to the roster entry whose phone is the number WeChat verified."""
    digits = normalise_phone(phone)
    if len(digits) < 7:
        raise ValidationError("code", "没有取得手机号，请重新授权")
    member = session.scalar(select(Member).where(Member.phone == digits))
    if member is None:
        raise NotFound(
            "花名册中没有这个手机号，请用登记在支部的手机号，或向支部书记领取绑定码",
            code="phone_not_in_roster",
        )
    if account.member_id == member.id:
        return member
    _check_can_bind(session, account, member)
    account.member_id = member.id
    account.phone = digits
    if not account.name:
        account.name = member.name
    session.flush()
    return member


def bind_by_code(session: Session, account: Account, code: str) -> Member:
    """Bind with a single-use code printed by the branch (services.bindcodes)."""
    try:
        return bindcodes.redeem(session, account, code)
    except ValidationError as exc:
        raise ValidationError("bind_code", exc.message, code=exc.code) from None


# -- demo ---------------------------------------------------------------------------


def _member_with_role(session: Session, role: str) -> Member | None:
    return session.scalar(
        select(Member)
        .join(RoleGrant, RoleGrant.member_id == Member.id)
        .where(RoleGrant.role == role, Member.active.is_(True))
        .order_by(Member.id)
        .limit(1)
    )


def _plain_member(session: Session) -> Member | None:
    with_roles = select(RoleGrant.member_id).where(RoleGrant.member_id.is_not(None))
    return session.scalar(
        select(Member)
        .where(Member.active.is_(True), Member.exempt.is_(False), Member.id.not_in(with_roles))
        .order_by(Member.id)
        .limit(1)
    )


def _account_for_member(session: Session, member: Member) -> Account:
    account = session.scalar(select(Account).where(Account.member_id == member.id))
    if account is None:
        account = Account(
            mp_openid=f"demo-member-{member.id}",
            member_id=member.id,
            name=member.name,
            created_at=now_utc(),
        )
        session.add(account)
        session.flush()
    return account


DEMO_RESIDENT_OPENID = "demo-resident"


def _demo_resident(session: Session) -> Account:
    """A resident account: the first demo-resident account still unbound (no member, no
    role), else a new one. Someone who bound the demo resident to a member with ``/me/bind``
    keeps that account; the next demo resident login gets a fresh resident."""
    granted = select(RoleGrant.account_id).where(RoleGrant.account_id.is_not(None))
    candidates = session.scalars(
        select(Account)
        .where(
            Account.mp_openid.startswith(DEMO_RESIDENT_OPENID),
            Account.member_id.is_(None),
            Account.id.not_in(granted),
        )
        .order_by(Account.id)
    )
    for account in candidates:
        if account.mp_openid == DEMO_RESIDENT_OPENID or (account.mp_openid or "").startswith(
            DEMO_RESIDENT_OPENID + "-"
        ):
            return account
    openid, n = DEMO_RESIDENT_OPENID, 1
    while session.scalar(select(Account.id).where(Account.mp_openid == openid)) is not None:
        n += 1
        openid = f"{DEMO_RESIDENT_OPENID}-{n}"
    account = Account(mp_openid=openid, name="演示群众", created_at=now_utc())
    session.add(account)
    session.flush()
    return account


def demo_account(
    session: Session, *, demo: bool, role: str | None, member_id: int | None
) -> Account:
    """The account a demo login acts as. Refused unless the server runs in demo mode."""
    if not demo:
        raise PermissionDenied("演示登录只在演示模式下可用；请使用微信登录", code="demo_disabled")
    if member_id is not None:
        member = session.get(Member, member_id)
        if member is None:
            raise ValidationError("member_id", "找不到这名演示党员，请换一个")
        return _account_for_member(session, member)
    role = role or "member"
    if role == "resident":
        return _demo_resident(session)
    if role == "admin":
        staff = session.scalar(
            select(Account)
            .join(RoleGrant, RoleGrant.account_id == Account.id)
            .where(RoleGrant.role == Role.TOWNSHIP_ADMIN.value)
            .order_by(Account.id)
            .limit(1)
        )
        if staff is not None:
            return staff
        member = _member_with_role(session, Role.TOWNSHIP_ADMIN.value)
        if member is None:
            township = session.scalar(
                select(Organisation)
                .where(Organisation.kind == OrgKind.TOWNSHIP.value)
                .order_by(Organisation.id)
            )
            if township is None:
                raise Conflict("还没有演示数据，请先运行 flask demo load", code="no_demo_data")
            staff = Account(mp_openid="demo-admin", name="演示街镇管理员", created_at=now_utc())
            session.add(staff)
            session.flush()
            session.add(
                RoleGrant(account_id=staff.id, role=Role.TOWNSHIP_ADMIN.value, org_id=township.id)
            )
            session.flush()
            return staff
        return _account_for_member(session, member)
    if role == "secretary":
        member = _member_with_role(session, Role.SECRETARY.value)
    elif role == "group_leader":
        member = _member_with_role(session, Role.GROUP_LEADER.value)
    else:
        member = _plain_member(session)
    if member is None:
        raise Conflict("还没有演示数据，请先运行 flask demo load", code="no_demo_data")
    return _account_for_member(session, member)
