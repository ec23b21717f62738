"""Rules of the township staff console: who may log in, single-use login links, the
township admin's organisations. No Flask here: handlers pass the secret and the clock.

A login link carries ``account_id.token_id.expires`` signed with the app secret; opening it
records ``token_id`` in ``staff_login`` (unique), so a link logs in at most once.

A console session is a ``staff_session`` row; the browser's cookie holds only its random id
(the table keeps a SHA-256 of it). Logging out deletes the row, and a session whose account no
longer holds ``township_admin`` is ended on its next request, so neither can come back.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from infra.clock import now_utc
from models import (
    Account,
    Organisation,
    Role,
    StaffLogin,
    StaffSession,
)
from services import privacy
from services.actors import Actor, actor_for_account
from services.errors import (
    DomainError,
    NotFound,
    PermissionDenied,
    ValidationError,
)

LOGIN_PURPOSE = "staff-login"
CSRF_PURPOSE = "staff-csrf"
SESSION_HOURS = 8
MAX_LINK_MINUTES = 24 * 60
NEED_LINK = "请向管理员索取登录链接"


class LoginRefused(DomainError):
    code = "staff_login_refused"
    status = 403


@dataclass(frozen=True)
class Link:
    token: str
    account: Account
    expires_at: datetime


def is_township_admin(actor: Actor) -> bool:
    return any(g.role == Role.TOWNSHIP_ADMIN.value for g in actor.grants)


def staff_actor(session: Session, account_id: int | None) -> Actor | None:
    """The actor behind a console session, or ``None`` when the account is gone or no
    longer holds a township-admin grant (checked on every page)."""
    if not account_id:
        return None
    account = session.get(Account, account_id)
    if account is None:
        return None
    actor = actor_for_account(session, account)
    return actor if is_township_admin(actor) else None


def issue_link(
    session: Session, secret: str, account_id: int, minutes: int = 15, now: datetime | None = None
) -> Link:
    """A one-time login token for an account holding ``township_admin`` (refused otherwise)."""
    if minutes < 1 or minutes > MAX_LINK_MINUTES:
        raise ValidationError("minutes", f"有效期请填 1 到 {MAX_LINK_MINUTES} 分钟")
    account = session.get(Account, account_id)
    if account is None:
        raise NotFound(f"没有编号为 {account_id} 的账号")
    if staff_actor(session, account_id) is None:
        raise PermissionDenied(
            f"账号 {account_id} 没有街镇管理员（township_admin）权限，不能生成后台登录链接"
        )
    expires = (now or now_utc()) + timedelta(minutes=minutes)
    value = f"{account.id}.{secrets.token_urlsafe(18)}.{int(expires.timestamp())}"
    return Link(privacy.sign(secret, LOGIN_PURPOSE, value), account, expires)


def consume_link(
    session: Session, secret: str, token: str | None, now: datetime | None = None
) -> Actor:
    """Log in with a link: valid signature, not expired, never used, role still held.

    Records the token id (the caller commits). Raises :class:`LoginRefused` otherwise.
    """
    value = privacy.unsign(secret, LOGIN_PURPOSE, token, MAX_LINK_MINUTES * 60)
    parts = (value or "").split(".")
    if len(parts) != 3 or not parts[0].isdigit() or not parts[2].isdigit():
        raise LoginRefused(f"登录链接无效。{NEED_LINK}")
    account_id, token_id, expires = int(parts[0]), parts[1], int(parts[2])
    if (now or now_utc()).timestamp() > expires:
        raise LoginRefused(f"登录链接已过期。{NEED_LINK}")
    used = session.scalar(
        select(func.count()).select_from(StaffLogin).where(StaffLogin.token_id == token_id)
    )
    if used:
        raise LoginRefused(f"这个登录链接已经用过，不能再用。{NEED_LINK}")
    actor = staff_actor(session, account_id)
    if actor is None:
        raise LoginRefused(f"该账号没有街镇管理员权限。{NEED_LINK}")
    session.add(StaffLogin(token_id=token_id, account_id=account_id, used_at=now_utc()))
    try:
        session.flush()
    except IntegrityError:  # opened twice at the same moment: only one wins
        session.rollback()
        raise LoginRefused(f"这个登录链接已经用过，不能再用。{NEED_LINK}") from None
    return actor


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(session: Session, account_id: int, now: datetime | None = None) -> str:
    """Start a console session for ``account_id``; returns the id for the cookie (the caller
    commits). Expired sessions are tidied away on the way."""
    now = now or now_utc()
    session.execute(delete(StaffSession).where(StaffSession.expires_at <= now))
    token = secrets.token_urlsafe(32)
    session.add(
        StaffSession(
            token_hash=_digest(token),
            account_id=account_id,
            created_at=now,
            expires_at=now + timedelta(hours=SESSION_HOURS),
        )
    )
    session.flush()
    return token


def session_actor(session: Session, token: str | None, now: datetime | None = None) -> Actor | None:
    """The actor behind a live console session: the row exists, has not expired, and its
    account still holds township admin. ``None`` otherwise."""
    if not token:
        return None
    row = session.scalar(select(StaffSession).where(StaffSession.token_hash == _digest(token)))
    if row is None or row.expires_at <= (now or now_utc()):
        return None
    return staff_actor(session, row.account_id)


def end_session(session: Session, token: str | None) -> None:
    """Log out: the session is gone for good (the caller commits)."""
    if token:
        session.execute(delete(StaffSession).where(StaffSession.token_hash == _digest(token)))


def end_sessions_of(session: Session, account_id: int) -> int:
    """End every console session of an account (e.g. when its role is taken away)."""
    result = session.execute(delete(StaffSession).where(StaffSession.account_id == account_id))
    return int(getattr(result, "rowcount", 0) or 0)


def demo_admin(session: Session) -> Account | None:
    """The demo township admin (demo data, ``oa_openid = demo-oa-admin``)."""
    return session.scalar(select(Account).where(Account.oa_openid == "demo-oa-admin"))


def townships(session: Session, actor: Actor) -> list[Organisation]:
    """Organisations where the actor is township admin (what reports cover)."""
    ids = sorted({g.org_id for g in actor.grants if g.role == Role.TOWNSHIP_ADMIN.value})
    if not ids:
        return []
    return list(
        session.scalars(
            select(Organisation).where(Organisation.id.in_(ids)).order_by(Organisation.path)
        )
    )


def csrf_token(secret: str, nonce: str) -> str:
    return privacy.sign(secret, CSRF_PURPOSE, nonce)


def csrf_ok(secret: str, nonce: str | None, token: str | None) -> bool:
    """The form token belongs to this console session (and the session's lifetime)."""
    if not nonce:
        return False
    return privacy.check(secret, CSRF_PURPOSE, token, nonce, SESSION_HOURS * 3600)
