"""The outbox: every outgoing message is a row written in the caller's transaction.

A dispatcher (scheduler process) sends the rows later; nothing here talks to the network.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from infra.clock import now_utc
from models import Account, OutboundChannel, OutboundMessage, OutboundStatus
from services import subscriptions

# Which subscription grants (订阅消息, asked where) a notice may spend for a user who only uses
# the mini-program: answers to the submitter → asked before submitting; work → on first 待办.
# Keys are services.requests' NOTICE_* kinds (tests/services/test_subscriptions.py checks).
NOTICE_SCENES = {
    "request_replied": "request",
    "request_resolved": "request",
    "request_assigned": "inbox",
    "request_escalated": "inbox",
    "content_held": "inbox",  # a held text is a 待办 of the secretary's (services.content)
}


def enqueue(
    session: Session,
    channel: OutboundChannel | str,
    payload: dict[str, Any],
    idempotency_key: str,
    *,
    recipient: str = "",
    robot_id: int | None = None,
) -> OutboundMessage:
    """Queue a message once per ``idempotency_key`` (a second call returns the first row)."""
    existing = session.scalar(
        select(OutboundMessage).where(OutboundMessage.idempotency_key == idempotency_key)
    )
    if existing is not None:
        return existing
    msg = OutboundMessage(
        channel=str(channel),
        recipient=recipient,
        robot_id=robot_id,
        payload=json.dumps(payload, ensure_ascii=False),
        idempotency_key=idempotency_key,
        next_attempt_at=now_utc(),
        created_at=now_utc(),
    )
    session.add(msg)
    session.flush()
    return msg


def notice_account(
    session: Session, account_id: int | None, kind: str, fields: dict[str, Any], key: str
) -> OutboundMessage | None:
    """A customer-service notice as a fact (``kind`` and its ``fields``); the sending side
    words it (``delivery.notices``), so no rule carries channel wording. A user without the
    official account but with an accepted mini-program subscription gets it as a
    subscription message instead, spending one grant."""
    if account_id is None:
        return None
    account = session.get(Account, account_id)
    if account is None:
        return None
    if not account.oa_openid:
        return _subscription_notice(session, account, kind, fields, key)
    return enqueue(
        session,
        OutboundChannel.CUSTOMER_SERVICE,
        {"notice": {"kind": kind, **fields}},
        key,
        recipient=account.oa_openid,
    )


def _subscription_notice(
    session: Session, account: Account, kind: str, fields: dict[str, Any], key: str
) -> OutboundMessage | None:
    scene = NOTICE_SCENES.get(kind)
    if not account.mp_openid or scene is None:
        return None
    existing = session.scalar(select(OutboundMessage).where(OutboundMessage.idempotency_key == key))
    if existing is not None:
        return existing  # queued already: no second grant spent
    template_id = subscriptions.take(session, account.id, scene)
    if template_id is None:
        return None
    return enqueue(
        session,
        OutboundChannel.SUBSCRIPTION,
        {"notice": {"kind": kind, **fields}, "template_id": template_id},
        key,
        recipient=account.mp_openid,
    )


@dataclass(frozen=True)
class Outgoing:
    """One message for :func:`enqueue_many`."""

    channel: str
    payload: dict[str, Any]
    key: str
    robot_id: int | None = None
    recipient: str = ""


def enqueue_many(session: Session, messages: Sequence[Outgoing]) -> int:
    """Queue many messages at once, each once per key; returns the number of new rows.

    Keys already queued are skipped (looked up in chunks); the rest are inserted in one
    executemany, however many groups a district has.
    """
    keys = [m.key for m in messages]
    existing: set[str] = set()
    for i in range(0, len(keys), 500):
        existing.update(
            session.scalars(
                select(OutboundMessage.idempotency_key).where(
                    OutboundMessage.idempotency_key.in_(keys[i : i + 500])
                )
            )
        )
    now = now_utc()
    rows = []
    for m in messages:
        if m.key in existing:
            continue
        existing.add(m.key)
        rows.append(
            {
                "channel": m.channel,
                "robot_id": m.robot_id,
                "recipient": m.recipient,
                "payload": json.dumps(m.payload, ensure_ascii=False),
                "idempotency_key": m.key,
                "status": OutboundStatus.PENDING.value,
                "attempts": 0,
                "next_attempt_at": now,
                "outcome_unknown": False,
                "last_error": "",
                "created_at": now,
            }
        )
    if rows:
        session.execute(insert(OutboundMessage), rows)
    return len(rows)
