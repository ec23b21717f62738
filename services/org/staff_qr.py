"""扫码登录: signing in to the console by scanning an official-account QR code.

The login page asks for a nonce (:func:`start`) and shows WeChat's temporary parametric QR
code with the scene ``login:<nonce>``; the nonce also stays in that browser's cookie. When
someone scans it, WeChat sends a SCAN (or subscribe) event with that scene and
:func:`scan` records who scanned — only if they hold a console role. The page polls
(:func:`claim`), and the browser holding the nonce gets a console session, once. The table
keeps only a SHA-256 of the nonce; a nonce lives ``ttl_seconds``.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from infra.clock import now_utc
from models import Account, StaffQrLogin
from services.actors import Actor
from services.org.staff import LoginRefused, staff_actor

SCENE_PREFIX = "login:"
EXPIRED = "登录二维码已过期，请在电脑上刷新登录页后重新扫码"


def _digest(nonce: str) -> str:
    return hashlib.sha256(nonce.encode()).hexdigest()


def start(session: Session, ttl_seconds: int, now: datetime | None = None) -> str:
    """A fresh nonce for a login page (the caller commits); old rows are tidied away."""
    now = now or now_utc()
    session.execute(delete(StaffQrLogin).where(StaffQrLogin.expires_at <= now - timedelta(days=1)))
    nonce = secrets.token_urlsafe(16)
    session.add(
        StaffQrLogin(
            nonce_hash=_digest(nonce),
            created_at=now,
            expires_at=now + timedelta(seconds=ttl_seconds),
        )
    )
    session.flush()
    return nonce


def scene(nonce: str) -> str:
    return SCENE_PREFIX + nonce


def _row(session: Session, nonce: str) -> StaffQrLogin | None:
    if not nonce or len(nonce) > 64:
        return None
    return session.scalar(select(StaffQrLogin).where(StaffQrLogin.nonce_hash == _digest(nonce)))


def scan(session: Session, account: Account, nonce: str, now: datetime | None = None) -> Actor:
    """Someone scanned ``login:<nonce>`` in WeChat: record them if they hold a console role.

    Raises :class:`LoginRefused` for an unknown, expired or used code, or a person without a
    console role (the caller commits)."""
    now = now or now_utc()
    row = _row(session, nonce)
    if row is None or row.expires_at <= now or row.used_at is not None:
        raise LoginRefused(EXPIRED)
    actor = staff_actor(session, account.id)
    if actor is None:
        raise LoginRefused("您的微信没有后台权限（街镇管理员、支部书记或党小组长），不能登录后台")
    row.account_id = account.id
    row.scanned_at = now
    session.flush()
    return actor


@dataclass(frozen=True)
class State:
    state: str  # waiting | expired | ready
    account_id: int | None = None


def peek(session: Session, nonce: str | None, now: datetime | None = None) -> State:
    """The same answer as :func:`claim` without claiming (a read: the page polls often)."""
    now = now or now_utc()
    row = _row(session, nonce or "")
    if row is None or row.used_at is not None or row.expires_at <= now:
        return State("expired")
    return State("waiting" if row.account_id is None else "ready", row.account_id)


def claim(session: Session, nonce: str | None, now: datetime | None = None) -> State:
    """What the login page sees: still waiting, expired, or scanned — then the account whose
    session this browser opens (exactly once: the row is marked used; the caller commits)."""
    now = now or now_utc()
    row = _row(session, nonce or "")
    if row is None or row.used_at is not None or row.expires_at <= now:
        return State("expired")
    if row.account_id is None:
        return State("waiting")
    done = session.execute(
        update(StaffQrLogin)
        .where(StaffQrLogin.id == row.id, StaffQrLogin.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if not getattr(done, "rowcount", 0):
        return State("expired")
    if staff_actor(session, row.account_id) is None:  # lost the role since the scan
        return State("expired")
    return State("ready", row.account_id)
