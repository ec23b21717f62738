"""Handle one verified inbound message exactly once, across worker processes.

WeChat retries a delivery that got no answer within 5 seconds, up to three times, and the
retry may land on another worker. The ``inbound_message`` table (unique ``dedupe_key``) is
the guard: the first delivery inserts the row, runs the command and stores the reply in
the same transaction; a retry's insert fails on the unique key (on SQLite and PostgreSQL
it first waits for the winner's transaction) and answers the stored reply. With Redis
configured a ``SET NX`` in front spares the database the losing inserts; losers then
poll briefly for the winner's reply.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from infra.clock import now_utc
from models import Account, InboundMessage
from models.db import Database
from services.errors import DomainError
from wechat.callback import Inbound

from .commands import BotContext, bot, help_text, normalise_text

log = logging.getLogger("jiannuo.bot")

REDIS_PREFIX = "jiannuo:inbound:"
REDIS_TTL_SECONDS = 600
WAIT_SECONDS = 4.0
WAIT_STEP = 0.05


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
        text = normalise_text(inbound.raw.get("Content", ""))
        if not text:
            return help_text(ctx)
        matched = bot.match_text(text)
        if matched is not None:
            fn, args = matched
            return fn(ctx, args)
        return bot.fallbacks[0](ctx, text)
    if inbound.msg_type == "image":
        return bot.images[0](ctx)
    if inbound.msg_type == "event":
        event = str(getattr(inbound.message, "event", inbound.event) or "").lower()
        if event == "click":
            handler = bot.keys.get(inbound.raw.get("EventKey", ""))
            return handler(ctx) if handler else help_text(ctx)
        handler = bot.events.get(event)
        return handler(ctx) if handler else ""
    return "暂时只能处理文字和图片消息。\n" + help_text(ctx)


def dispatch(session: Session, settings: Any, inbound: Inbound, now: datetime) -> str:
    """Run the command inside a savepoint: a domain error undoes its partial work and
    becomes the reply (it says what to fix)."""
    account = _account(session, inbound.openid, now)
    ctx = BotContext(session=session, settings=settings, inbound=inbound, account=account, now=now)
    try:
        with session.begin_nested():
            return route(ctx)
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
) -> str:
    """Handle ``inbound`` once; a repeated delivery gets the first delivery's reply."""
    key = inbound.dedupe_key
    now = now or now_utc()
    if redis_client is not None:
        try:
            first = redis_client.set(REDIS_PREFIX + key, "1", nx=True, ex=REDIS_TTL_SECONDS)
        except Exception:  # Redis down: the database still deduplicates
            log.warning("redis unavailable for inbound dedupe", exc_info=True)
            first = True
        if not first:
            return _wait_for_reply(db, key)
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
        if redis_client is not None:
            try:
                redis_client.delete(REDIS_PREFIX + key)
            except Exception:
                log.warning("redis unavailable to release %s", key, exc_info=True)
        raise
    finally:
        session.close()
