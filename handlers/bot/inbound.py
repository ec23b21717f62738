"""Handle one verified inbound message exactly once, across worker processes.

WeChat retries a delivery that got no answer within 5 seconds, up to three times, and the
retry may land on another worker. The ``inbound_message`` table (unique ``dedupe_key``) is
the guard: the first delivery inserts the row, runs the command and stores the reply in
the same transaction; a retry's insert fails on the unique key (on SQLite and PostgreSQL
it first waits for the winner's transaction) and answers the stored reply. With Redis
configured a ``SET NX`` in front spares the database the losing inserts; losers then
poll briefly for the winner's reply. The happy path of a 践诺 (``handlers.bot.lean``) reads
first and writes the row once, with its reply, beside the log; its insert failing on the
unique key rolls it back whole and the delivery goes this general way (answered as above).

Before that, :func:`claim_nonce` keeps the replay window: each signed (timestamp, nonce)
is remembered, with the fingerprint of the message it carried, until its timestamp is too
old to pass the callback's five-minute check anyway (Redis ``SET NX EX`` when
``redis.url`` is configured, else the ``callback_nonce`` table, expired rows deleted as
new ones arrive). A second use with another message is refused; see ``claim_nonce`` for
why a second use with the same message is let through to the dedupe above.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import Connection, Table, delete, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from infra.clock import now_utc
from models import Account, CallbackNonce, InboundMessage
from models.db import Database
from models.driver import DriverStatement
from services.errors import DomainError
from wechat.callback import MAX_CLOCK_SKEW_SECONDS, CallbackRefused, Inbound

from . import lean
from .chat import answer_text, fit
from .commands import BotContext, bot, help_text, normalise_text

log = logging.getLogger("jiannuo.bot")

REDIS_PREFIX = "jiannuo:inbound:"
REDIS_TTL_SECONDS = 600
NONCE_PREFIX = "jiannuo:nonce:"
NONCE_KEY_MAX = 100  # callback_nonce.nonce_key
PURGE_EVERY = timedelta(seconds=60)
WAIT_SECONDS = 4.0
WAIT_STEP = 0.05
_last_purge: datetime | None = None
_INSERT_NONCE = DriverStatement(
    insert(cast(Table, CallbackNonce.__table__)), ("nonce_key", "fingerprint", "expires_at")
)


# ------------------------------------------------------------------ replay window
#
# Does a WeChat retry reuse the timestamp and nonce of the first attempt? WeChat's pages
# "接收普通消息" and "接收事件推送" (developers.weixin.qq.com/doc/offiaccount/
# Message_Management/Receiving_standard_messages.html and .../Receiving_event_pushes.html;
# read in the copies quoted at blog.csdn.net/qq_29914837/article/details/82903594 and
# developers.weixin.qq.com/community/develop/doc/000c6cde734cc05249730c8e96b800) say only
# that the server drops the connection after five seconds and "重新发起请求，总共重试三次",
# and that retries are deduplicated by MsgId (messages) or FromUserName + CreateTime
# (events). They do not say whether the retry is signed afresh. So the guard works either
# way: a (timestamp, nonce) is bound to the fingerprint of the message it first carried.
# A retry with new parameters is a new claim; a retry with the same parameters carries
# the same message (retries resend the same content), is let through, and the dedupe
# table answers it with the stored reply, writing nothing. Anything else on a seen
# (timestamp, nonce) is a forgery on a replayed signature and is refused.


def _nonce_key(timestamp: str, nonce: str) -> str:
    key = f"{timestamp}:{nonce}"
    if len(key) <= NONCE_KEY_MAX:
        return key
    return "#" + hashlib.sha256(key.encode("utf-8")).hexdigest()


def purge_nonces(session: Session | Connection, now: datetime) -> int:
    """Delete the replay-window rows whose timestamps can no longer pass the check."""
    result = session.execute(delete(CallbackNonce).where(CallbackNonce.expires_at < now))
    return int(getattr(result, "rowcount", 0) or 0)


@dataclass(frozen=True)
class NonceClaim:
    """A verified delivery's (timestamp, nonce) and the fingerprint of its message."""

    timestamp: str
    nonce: str
    fingerprint: str


def _purge_due(now: datetime) -> bool:
    """Whether this process should delete expired replay-window rows now (once a minute)."""
    global _last_purge
    if _last_purge is None or not timedelta(0) <= now - _last_purge < PURGE_EVERY:
        _last_purge = now
        return True
    return False


def _nonce_row(claim: NonceClaim, now: datetime) -> dict[str, Any]:
    expires_at = datetime.fromtimestamp(int(claim.timestamp) + MAX_CLOCK_SKEW_SECONDS, UTC)
    return {
        "nonce_key": _nonce_key(claim.timestamp, claim.nonce),
        "fingerprint": claim.fingerprint,
        "expires_at": max(expires_at, now + timedelta(seconds=1)),
    }


def claim_nonce(
    db: Database,
    redis_client: Any,
    timestamp: str,
    nonce: str,
    fingerprint: str,
    now: datetime | None = None,
) -> bool:
    """Remember a verified (timestamp, nonce) for the replay window. True when it is new
    or was first used by this very message (a retry); False for a second use by another."""
    now = now or now_utc()
    expires_at = datetime.fromtimestamp(int(timestamp) + MAX_CLOCK_SKEW_SECONDS, UTC)
    key = _nonce_key(timestamp, nonce)
    if redis_client is not None:
        ttl = max(1, int((expires_at - now).total_seconds()) + 1)
        try:
            if redis_client.set(NONCE_PREFIX + key, fingerprint, nx=True, ex=ttl):
                return True
            seen = redis_client.get(NONCE_PREFIX + key)
            # None: it expired in between, so its timestamp is stale and was refused anyway
            return seen is None or bytes(seen).decode("ascii", "replace") == fingerprint
        except Exception:  # Redis down: the database keeps the window meanwhile
            log.warning("redis unavailable for the callback replay window", exc_info=True)
    session = db.session_factory()
    try:
        if _purge_due(now):
            purge_nonces(session, now)
        session.add(CallbackNonce(**_nonce_row(NonceClaim(timestamp, nonce, fingerprint), now)))
        try:
            session.commit()
            return True
        except IntegrityError:
            session.rollback()
        seen = session.scalar(
            select(CallbackNonce.fingerprint).where(CallbackNonce.nonce_key == key)
        )
        return seen is None or seen == fingerprint
    finally:
        session.close()


def _account(session: Session, openid: str, now: datetime) -> Account:
    account = session.scalar(select(Account).where(Account.oa_openid == openid))
    if account is not None:
        return account
    try:
        with session.begin_nested():
            account = Account(oa_openid=openid, subscribed=True, created_at=now)
            session.add(account)
            session.flush()
    except IntegrityError:  # the same new user's other message created it first
        account = session.scalar(select(Account).where(Account.oa_openid == openid))
        if account is None:
            raise
    return account


def route(ctx: BotContext) -> str:
    """Pick the handler for the message and return the reply text."""
    inbound = ctx.inbound
    if inbound.msg_type == "text":
        return answer_text(ctx, normalise_text(inbound.raw.get("Content", "")))
    if inbound.msg_type in bot.messages:  # voice, location
        return bot.messages[inbound.msg_type](ctx)
    if inbound.msg_type == "image":
        return bot.images[0](ctx)
    if inbound.msg_type == "event":
        event = str(getattr(inbound.message, "event", inbound.event) or "").lower()
        if event == "click":
            handler = bot.keys.get(inbound.raw.get("EventKey", ""))
            return handler(ctx) if handler else help_text(ctx)
        handler = bot.events.get(event)
        return handler(ctx) if handler else ""
    return "暂时只能处理文字、语音、图片和位置消息。\n" + help_text(ctx)


def dispatch(session: Session, settings: Any, inbound: Inbound, now: datetime) -> str:
    """Run the command inside a savepoint: a domain error undoes its partial work and
    becomes the reply (it says what to fix)."""
    account = _account(session, inbound.openid, now)
    ctx = BotContext(session=session, settings=settings, inbound=inbound, account=account, now=now)
    try:
        with session.begin_nested():
            return fit(ctx, route(ctx))
    except DomainError as exc:
        return exc.message


def _stored_reply(db: Database, key: str) -> str | None:
    with db.read_factory() as s:
        row = s.scalar(select(InboundMessage.reply).where(InboundMessage.dedupe_key == key))
        return row


def _wait_for_reply(db: Database, key: str) -> str:
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        reply = _stored_reply(db, key)
        if reply is not None:
            return reply
        if time.monotonic() >= deadline:
            log.warning(
                "duplicate delivery %s: the first one has not finished, answering empty", key
            )
            return ""
        time.sleep(WAIT_STEP)


def handle(
    db: Database,
    settings: Any,
    inbound: Inbound,
    redis_client: Any = None,
    now: datetime | None = None,
    claim: NonceClaim | None = None,
) -> str:
    """Handle ``inbound`` once; a repeated delivery gets the first delivery's reply.

    With ``claim`` the delivery's (timestamp, nonce) is claimed first (``claim_nonce``;
    ``CallbackRefused`` when another message used it). Without Redis, on the lean path,
    the claim's row is written in the log's own transaction (one write lock per message);
    if that transaction fails on any unique key it is rolled back whole and the claim is
    made alone, as for any other message, so a replay is refused with nothing written."""
    key = inbound.dedupe_key
    now = now or now_utc()
    lean_tried = False
    if claim is not None:
        if redis_client is None:
            planned = lean.plan(db, settings, inbound, now)  # reads only, before any write
            lean_tried = True
            if planned is not None:
                reply = _write_lean(db, inbound, planned, now, claim)
                if reply is not None:
                    return reply
        if not claim_nonce(
            db, redis_client, claim.timestamp, claim.nonce, claim.fingerprint, now=now
        ):
            raise CallbackRefused(403, "timestamp and nonce already used")
    if redis_client is not None:
        try:
            first = redis_client.set(REDIS_PREFIX + key, "1", nx=True, ex=REDIS_TTL_SECONDS)
        except Exception:  # Redis down: the database still deduplicates
            log.warning("redis unavailable for inbound dedupe", exc_info=True)
            first = True
        if not first:
            return _wait_for_reply(db, key)
    try:
        return _handle_once(db, settings, inbound, key, now, try_lean=not lean_tried)
    except BaseException:
        if redis_client is not None:
            try:
                redis_client.delete(REDIS_PREFIX + key)
            except Exception:
                log.warning("redis unavailable to release %s", key, exc_info=True)
        raise


def _write_lean(
    db: Database, inbound: Inbound, planned: lean.Plan, now: datetime, claim: NonceClaim | None
) -> str | None:
    """The lean path's one write transaction; ``None`` when a unique key refused it (the
    delivery or its nonce was taken by another): rolled back, nothing kept."""
    # a connection, not a Session: three inserts (on the driver's cursor, ``DriverStatement``)
    # need none of the ORM's unit of work. On SQLite the writers queue (``Database.write_queue``)
    # rather than sleep in the busy handler; held only for the inserts and the commit.
    with db.write_queue(), db.engine.connect() as conn:
        conn.begin()  # SQLite: BEGIN IMMEDIATE (the engine's begin event)
        try:
            if claim is not None:
                if _purge_due(now):
                    purge_nonces(conn, now)
                _INSERT_NONCE.run(conn, _nonce_row(claim, now))
            lean.write(conn, inbound, planned, now)
            conn.commit()
            return planned.reply
        except IntegrityError:
            conn.rollback()
            return None


def _handle_once(
    db: Database, settings: Any, inbound: Inbound, key: str, now: datetime, try_lean: bool
) -> str:
    planned = lean.plan(db, settings, inbound, now) if try_lean else None
    if planned is not None:
        reply = _write_lean(db, inbound, planned, now, None)
        if reply is not None:
            return reply
    session = db.session_factory()
    try:
        row = InboundMessage(
            dedupe_key=key,
            openid=inbound.openid[:64],
            msg_type=(inbound.msg_type + (f":{inbound.event}" if inbound.event else ""))[:20],
            reply="",
            created_at=now,
        )
        session.add(row)
        try:
            session.flush()
        except IntegrityError:
            session.rollback()
            return _wait_for_reply(db, key)
        reply = dispatch(session, settings, inbound, now)
        row.reply = reply
        session.commit()
        return reply
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
