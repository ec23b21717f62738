"""The callback's happy path (issue 20): "践诺 1 浇水" from a bound member, read first and
written in one short transaction.

``plan`` reads (outside any write transaction: the read session's ``BEGIN DEFERRED`` takes
no write lock) the account, member and numbered list in one query and the chosen
commitment's sums with the duplicate check in another, then words the reply. ``write``
then inserts the inbound row, with that reply, and the log, and commits: SQLite's write
lock is held for two inserts and the commit, and there is no savepoint.

Every other message, and any case off this path (a new sender, not a member, a number off
the list, the same log again, a refused quantity, a text WeChat must check first, a reply
too long for one message), gives ``None`` and goes the general way (``inbound.dispatch``),
which words it as before. The dedupe stays the inbound row's unique key: a retry's insert
fails (on SQLite after waiting for the winner's commit) and the general way answers the
stored reply.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, Table, insert

from handlers.bot.registry import SEPARATORS
from infra.clock import local_date
from models import InboundMessage
from models.db import Database
from models.driver import DriverStatement
from services import fulfilment
from services.commitments import quantify
from services.errors import DomainError
from wechat.callback import Inbound

from .commands import (
    _LOG_ARGS_RE,
    bot,
    cmd_log,
    log_reply,
    normalise_text,
    parse_quantity,
    written,
)
from .context import REPLY_LIMIT

by_message = fulfilment.by_message


_INSERT_INBOUND = DriverStatement(
    insert(cast(Table, InboundMessage.__table__)),
    ("dedupe_key", "openid", "msg_type", "reply", "created_at"),
)


@dataclass(frozen=True)
class Plan:
    draft: by_message.Draft
    reply: str


def plan(db: Database, settings: Any, inbound: Inbound, now: datetime) -> Plan | None:
    """Read what a 践诺 message needs and word its reply; ``None``: take the general way."""
    if inbound.msg_type != "text":
        return None
    matched = bot.match_text(normalise_text(inbound.raw.get("Content", "")))
    if matched is None or matched[0] is not cmd_log:
        return None
    m = _LOG_ARGS_RE.match(matched[1])
    index = quantify.cn_number(m.group(1)) if m else None
    if m is None or index is None:
        return None
    with db.read_engine.connect() as conn:  # column reads need no ORM session
        conn.begin()  # one snapshot for both reads (SQLite: BEGIN DEFERRED, no write lock)
        who = by_message.sheet(conn, inbound.openid)
        if who is None or who.member_id is None or not 1 <= index <= len(who.items):
            return None
        c = who.items[index - 1]
        content = m.group(2).strip(SEPARATORS)
        qty, _ = parse_quantity(content, c.unit)
        note = written(inbound, content) or c.title
        facts = by_message.facts(conn, c, who.member_id, note, qty, now)
    if facts.again:  # "刚才已经记过一次": the general way asks
        return None
    try:
        draft = by_message.draft(
            who,
            c,
            quantity=qty,
            note=note,
            today=local_date(now),
            backdate_days=settings.commitments.backdate_days,
            source_msg_id=inbound.dedupe_key,
            now=now,
        )
    except DomainError:
        return None
    if draft is None:
        return None
    p = by_message.progress_after(c, facts, draft)
    reply = log_reply(c.title, draft.quantity, c.unit, p, draft.content_status)
    if len(reply.encode("utf-8")) > REPLY_LIMIT:
        return None
    return Plan(draft, reply)


def write(conn: Connection, inbound: Inbound, p: Plan, now: datetime) -> None:
    """The inbound row with its reply, and the log; the caller commits (and on an
    ``IntegrityError`` rolls back: the delivery was taken by another worker)."""
    row = {
        "dedupe_key": inbound.dedupe_key,
        "openid": inbound.openid[:64],
        "msg_type": inbound.msg_type[:20],
        "reply": p.reply,
        "created_at": now,
    }
    _INSERT_INBOUND.run(conn, row)
    by_message.insert_log(conn, p.draft)
