"""Rules of the staff console (the PC workbench): who may log in, single-use login links,
and what each person sees (their scope). No Flask here: handlers pass the secret and the clock.

Scope: a township administrator sees the township, a secretary (书记, 副书记, 组织委员) their
branch, a group leader (党小组长) their group. Every console page checks the organisations
and objects it is given against :func:`scope_of` (``in_scope``), once, before the view runs.

A login link carries ``account_id.token_id.expires`` signed with the app secret; opening it
records ``token_id`` in ``staff_login`` (unique), so a link logs in at most once.

A console session is a ``staff_session`` row; the browser's cookie holds only its random id
(the table keeps a SHA-256 of it). Logging out deletes the row, and a session whose account no
longer holds a console role is ended on its next request, so neither can come back.
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
    AgendaItem,
    AgendaMeeting,
    CivicCounter,
    CivicGood,
    Commitment,
    FulfilmentLog,
    GroupRobot,
    Member,
    Organisation,
    PartyDay,
    Request,
    Role,
    StaffLogin,
    StaffSession,
    Survey,
    VoiceClip,
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


# The roles that open the console, by level: the widest one a person holds wins.
LEVEL_ROLES = {
    "township": (Role.TOWNSHIP_ADMIN.value,),
    "branch": (Role.SECRETARY.value, Role.DEPUTY_SECRETARY.value, Role.ORGANISER.value),
    "group": (Role.GROUP_LEADER.value,),
}
LEVEL_LABELS = {"township": "街镇管理员", "branch": "支部书记", "group": "党小组长"}
CONSOLE_ROLES = tuple(r for roles in LEVEL_ROLES.values() for r in roles)


@dataclass(frozen=True)
class Scope:
    """What a console user sees: their level and the organisation subtrees it covers."""

    level: str  # township | branch | group
    roots: tuple[Organisation, ...]

    @property
    def label(self) -> str:
        return LEVEL_LABELS[self.level]

    @property
    def paths(self) -> tuple[str, ...]:
        return tuple(o.path for o in self.roots)

    @property
    def township(self) -> bool:
        return self.level == "township"

    def covers(self, org: Organisation | None) -> bool:
        return org is not None and any(org.path.startswith(p) for p in self.paths)


def is_township_admin(actor: Actor) -> bool:
    return any(g.role == Role.TOWNSHIP_ADMIN.value for g in actor.grants)


def scope_of(session: Session, actor: Actor) -> Scope | None:
    """The console scope of ``actor`` (``None``: they hold no console role)."""
    for level, roles in LEVEL_ROLES.items():
        ids = sorted({g.org_id for g in actor.grants if g.role in roles})
        if ids:
            orgs = session.scalars(
                select(Organisation).where(Organisation.id.in_(ids)).order_by(Organisation.path)
            )
            return Scope(level, tuple(orgs))
    return None


def staff_actor(session: Session, account_id: int | None) -> Actor | None:
    """The actor behind a console session, or ``None`` when the account is gone or no
    longer holds a console role (checked on every page)."""
    if not account_id:
        return None
    account = session.get(Account, account_id)
    if account is None:
        return None
    actor = actor_for_account(session, account)
    return actor if any(g.role in CONSOLE_ROLES for g in actor.grants) else None


def member_org(session: Session, member: Member) -> Organisation | None:
    """The narrowest organisation a member belongs to (their group, else their branch)."""
    return session.get(Organisation, member.group_id or member.org_id)


def object_org(session: Session, kind: str, object_id: int) -> Organisation | None:
    """The organisation a console object belongs to, for the scope check; ``None`` when the
    object does not exist. Kinds: org, member, commitment, log, request, robot, voice, and the
    rows of ``ROW_KINDS`` (agenda, meeting, counter, good, party_day, survey)."""
    if kind == "org":
        return session.get(Organisation, object_id)
    if kind == "member":
        member = session.get(Member, object_id)
        return member_org(session, member) if member else None
    if kind == "log":
        entry = session.get(FulfilmentLog, object_id)
        if entry is None:
            return None
        kind, object_id = "commitment", entry.commitment_id
    if kind == "commitment":
        c = session.get(Commitment, object_id)
        if c is None:
            return None
        member = session.get(Member, c.member_id) if c.member_id else None
        return member_org(session, member) if member else session.get(Organisation, c.org_id)
    if kind == "voice":
        clip = session.get(VoiceClip, object_id)
        if clip is None or clip.request_id is None:
            return None
        kind, object_id = "request", clip.request_id
    if kind == "request":
        req = session.get(Request, object_id)
        return session.get(Organisation, req.org_id) if req else None
    if kind == "robot":
        robot = session.get(GroupRobot, object_id)
        return session.get(Organisation, robot.org_id) if robot else None
    if kind in ROW_KINDS:
        row = session.get(ROW_KINDS[kind], object_id)
        if isinstance(row, CivicGood):
            row = session.get(CivicCounter, row.counter_id)
        org_id: int | None = getattr(row, "org_id", None)
        return session.get(Organisation, org_id) if org_id is not None else None
    raise ValueError(kind)


# The console's objects of the practices (议事 items and meetings, 兑换点 and goods, party
# days and surveys) by kind: each row has an org_id (a good through its counter).
ROW_KINDS: dict[
    str, type[AgendaItem | AgendaMeeting | CivicCounter | CivicGood | PartyDay | Survey]
] = {
    "agenda": AgendaItem,
    "meeting": AgendaMeeting,
    "counter": CivicCounter,
    "good": CivicGood,
    "party_day": PartyDay,
    "survey": Survey,
}


NOT_FOUND = {
    "org": "找不到这个组织",
    "member": "找不到这位党员",
    "commitment": "找不到这条承诺",
    "log": "找不到这条践诺记录",
    "request": "找不到这条诉求",
    "robot": "找不到这个群机器人",
    "voice": "找不到这条语音留言",
    "agenda": "找不到这条议事事项",
    "meeting": "找不到这次议事会",
    "counter": "找不到这个兑换点",
    "good": "找不到这件兑换物品",
    "party_day": "找不到这次主题党日",
    "survey": "找不到这次群众测评",
}


def _top(path: str) -> str:
    return path.strip("/").split("/")[0]


def refusal(session: Session, scope: Scope, kind: str, object_id: int) -> DomainError | None:
    """Why this console user may not open or act on the object (``None``: they may): another
    branch of their township is a 403 naming it; another township's object, like a missing
    one, is a 404 that says nothing about it."""
    org = object_org(session, kind, object_id)
    if org is None or _top(org.path) not in {_top(p) for p in scope.paths}:
        return NotFound(NOT_FOUND[kind])
    if not scope.covers(org):
        return PermissionDenied(f"这不在您（{scope.label}）管理的范围内：{org.name}")
    return None


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
            f"账号 {account_id} 没有后台权限（街镇管理员、支部书记或党小组长），"
            "不能生成后台登录链接"
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
        raise LoginRefused(f"该账号没有后台权限。{NEED_LINK}")
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
    account still holds a console role. ``None`` otherwise."""
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
