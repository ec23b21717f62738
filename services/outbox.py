"""The outbox: every outgoing message is a row written in the caller's transaction.

A dispatcher (scheduler process) sends the rows later; nothing here talks to the network.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from infra.clock import now_utc
from models import Account, OutboundChannel, OutboundMessage


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


def notify_account(
    session: Session, account_id: int | None, text: str, key: str
) -> OutboundMessage | None:
    """A customer-service text to a WeChat user who follows the official account."""
    if account_id is None:
        return None
    account = session.get(Account, account_id)
    if account is None or not account.oa_openid:
        return None
    return enqueue(
        session,
        OutboundChannel.CUSTOMER_SERVICE,
        {"msgtype": "text", "text": {"content": text}},
        key,
        recipient=account.oa_openid,
    )
