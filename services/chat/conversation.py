"""The short conversation: one pending question per account, stored in the database so
that the answer ("1" / "2") may reach another worker or a restarted one.

A question lives ``TTL`` (10 minutes); an expired one is as if it had never been asked
(and is deleted when read or replaced). Asking a new question replaces the old one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from infra.clock import now_utc
from models import ChatState

TTL = timedelta(minutes=10)


@dataclass(frozen=True)
class Pending:
    kind: str
    data: dict[str, Any]
    expires_at: datetime
    expired: bool = False  # asked more than ``TTL`` ago (only with ``with_expired``)


def remember(
    session: Session,
    account_id: int,
    kind: str,
    data: dict[str, Any],
    now: datetime | None = None,
) -> Pending:
    """Hold ``kind`` (with its JSON-able ``data``) as the account's pending question."""
    now = now or now_utc()
    payload = json.dumps(data, ensure_ascii=False, default=str)
    fields = {"kind": kind[:20], "payload": payload, "expires_at": now + TTL, "created_at": now}
    row = session.get(ChatState, account_id)
    if row is None:
        try:
            with session.begin_nested():
                session.add(ChatState(account_id=account_id, **fields))
                session.flush()
        except IntegrityError:  # the same sender's other message, on another worker, won
            row = session.get(ChatState, account_id, populate_existing=True)
    if row is not None:
        for key, value in fields.items():
            setattr(row, key, value)
        session.flush()
    return Pending(kind[:20], data, now + TTL)


def pending(
    session: Session, account_id: int, now: datetime | None = None, with_expired: bool = False
) -> Pending | None:
    """The account's pending question, if one was asked less than ``TTL`` ago. An expired
    one is deleted; ``with_expired`` returns it marked ``expired`` (to say it lapsed)."""
    now = now or now_utc()
    row = session.get(ChatState, account_id)
    if row is None:
        return None
    held = Pending(row.kind, json.loads(row.payload or "{}"), row.expires_at)
    if row.expires_at <= now:
        session.delete(row)
        session.flush()
        return (
            Pending(held.kind, held.data, held.expires_at, expired=True) if with_expired else None
        )
    return held


def clear(session: Session, account_id: int) -> None:
    session.execute(delete(ChatState).where(ChatState.account_id == account_id))
