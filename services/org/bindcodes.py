"""Bind codes: single-use, expiring codes that bind a WeChat account to a roster entry, and
the households' 连心卡 codes (reusable, printed on the card) that link residents to a household.

The branch prints a sheet of codes (or QR codes encoding ``绑定 <code>``); a member sends
``绑定 <code>`` to the official account, or types it in the mini-program, and from then on
that WeChat user acts as that member.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from infra.clock import now_utc
from models import (
    Account,
    BindCode,
    Household,
    Member,
    Organisation,
)
from services.errors import Conflict, ValidationError

# No 0/O, 1/I: codes are read off paper by people with old phones and older eyes.
ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
CODE_LENGTH = 8
DEFAULT_TTL_HOURS = 72
MAX_TTL_HOURS = 24 * 90
_STRIP_RE = re.compile(r"[\s\-_—·.]+")


def normalise(code: str) -> str:
    """Full-width to half-width, upper case, separators and spaces removed."""
    return _STRIP_RE.sub("", unicodedata.normalize("NFKC", code or "")).upper()


def _new_code(session: Session) -> str:
    for _ in range(20):
        code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
        # One namespace for both kinds: ``绑定 <code>`` finds either a member's or a household's.
        if (
            session.scalar(select(BindCode.id).where(BindCode.code == code)) is None
            and session.scalar(select(Household.id).where(Household.bind_code == code)) is None
        ):
            return code
    raise Conflict("生成绑定码失败，请稍后重试")  # 32^8 codes: practically unreachable


def _check_ttl(ttl_hours: int) -> None:
    if (
        isinstance(ttl_hours, bool)
        or not isinstance(ttl_hours, int)
        or not (1 <= ttl_hours <= MAX_TTL_HOURS)
    ):
        raise ValidationError("ttl_hours", f"有效期应为 1 到 {MAX_TTL_HOURS} 小时之间的整数")


def issue(
    session: Session,
    member: Member,
    ttl_hours: int = DEFAULT_TTL_HOURS,
    now: datetime | None = None,
) -> BindCode:
    """A fresh code for ``member``; older unused codes of the member stop working."""
    _check_ttl(ttl_hours)
    if not member.active:
        raise Conflict(f"{member.name}已不在花名册中（已停用），不能发放绑定码")
    now = now or now_utc()
    session.execute(
        update(BindCode)
        .where(
            BindCode.member_id == member.id, BindCode.used_at.is_(None), BindCode.expires_at > now
        )
        .values(expires_at=now)
        .execution_options(synchronize_session="fetch")
    )
    bc = BindCode(
        code=_new_code(session),
        member_id=member.id,
        expires_at=now + timedelta(hours=ttl_hours),
        created_at=now,
    )
    session.add(bc)
    session.flush()
    return bc


def issue_for_org(
    session: Session,
    org: Organisation,
    ttl_hours: int = DEFAULT_TTL_HOURS,
    now: datetime | None = None,
    *,
    include_bound: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> list[tuple[Member, BindCode]]:
    """Codes for every active member of ``org``'s subtree (by default only those not yet bound).
    ``progress(done, total)`` is called after each code (for a progress bar)."""
    _check_ttl(ttl_hours)
    bound = select(Account.member_id).where(Account.member_id.is_not(None))
    query = (
        select(Member)
        .join(Organisation, Organisation.id == Member.org_id)
        .where(Organisation.path.startswith(org.path), Member.active.is_(True))
        .order_by(Organisation.sort_order, Organisation.id, Member.id)
    )
    if not include_bound:
        query = query.where(Member.id.not_in(bound))
    members = list(session.scalars(query))
    issued = []
    for m in members:
        issued.append((m, issue(session, m, ttl_hours, now)))
        if progress is not None:
            progress(len(issued), len(members))
    return issued


def redeem(session: Session, account: Account, code: str, now: datetime | None = None) -> Member:
    """Bind ``account`` to the member the code was issued for; the code is then used up.

    Redeeming the same code again from the same account (a retried message) returns the
    member without error.
    """
    now = now or now_utc()
    if account.id is None:
        session.add(account)
        session.flush()
    text = normalise(code)
    if not text:
        raise ValidationError("code", "请输入绑定码，例如“绑定 K7M2Q9XA”", code="bind_code_missing")
    bc = session.scalar(select(BindCode).where(BindCode.code == text))
    if bc is None:
        raise ValidationError(
            "code",
            f"绑定码 {text} 不存在，请核对后重新输入（绑定码为 {CODE_LENGTH} 位字母和数字，"
            "不含 0、O、1、I）",
            code="bind_code_unknown",
        )
    member = session.get_one(Member, bc.member_id)
    if bc.used_at is not None:
        if bc.used_by_account_id == account.id and account.member_id == member.id:
            return member
        raise Conflict("这个绑定码已经使用过了，请向支部书记重新领取", code="bind_code_used")
    if bc.expires_at <= now:
        raise Conflict("这个绑定码已过期，请向支部书记重新领取", code="bind_code_expired")
    if not member.active:
        raise Conflict(f"{member.name}已不在花名册中，请联系支部书记", code="member_inactive")
    if account.member_id is not None and account.member_id != member.id:
        other = session.get(Member, account.member_id)
        raise Conflict(
            f"您的微信已绑定党员{other.name if other else ''}，一个微信只能绑定一名党员；"
            "如需更换请联系支部书记解除绑定",
            code="account_already_bound",
        )
    holder = session.scalar(
        select(Account).where(Account.member_id == member.id, Account.id != account.id)
    )
    if holder is not None:
        raise Conflict(
            f"党员{member.name}已绑定了另一个微信；如需更换微信请联系支部书记解除原绑定",
            code="member_already_bound",
        )
    account.member_id = member.id
    if not account.name:
        account.name = member.name
    bc.used_at = now
    bc.used_by_account_id = account.id
    session.flush()
    return member


# -- households (连心卡) -------------------------------------------------------------------


def issue_household(session: Session, household: Household) -> str:
    """A new 连心卡 code for ``household``; its previous code stops working."""
    household.bind_code = _new_code(session)
    session.flush()
    return household.bind_code


def issue_for_households(
    session: Session, org: Organisation, *, reissue: bool = False
) -> list[tuple[Household, str]]:
    """连心卡 codes of every household in ``org``'s subtree: existing codes are kept (cards
    already printed stay valid) unless ``reissue``; households without one get one."""
    households = session.scalars(
        select(Household)
        .join(Organisation, Organisation.id == Household.org_id)
        .where(Organisation.path.startswith(org.path))
        .order_by(Organisation.sort_order, Organisation.id, Household.code)
    )
    out: list[tuple[Household, str]] = []
    for hh in households:
        code = hh.bind_code if hh.bind_code and not reissue else issue_household(session, hh)
        out.append((hh, code))
    return out


def household_for_code(session: Session, code: str) -> Household | None:
    """The household whose 连心卡 code this is (``None``: not a household code)."""
    text = normalise(code)
    if not text:
        return None
    return session.scalar(select(Household).where(Household.bind_code == text))
