"""Putting a mistaken log right from the chat: undo my last log, fix its quantity, and
notice the same log sent twice. The window and the checks are those of ``logs`` and
``access`` (``edit_log`` / ``delete_log``): this module only finds which log is meant."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, select, update
from sqlalchemy.orm import Session

from infra.clock import now_utc
from models import Commitment, FulfilmentLog, VoiceClip
from services.actors import Actor
from services.errors import NotFound
from services.fulfilment.logs import delete_log, edit_log

DUPLICATE_WINDOW = timedelta(minutes=30)


def last_log(
    session: Session, actor: Actor, commitment_id: int | None = None
) -> FulfilmentLog | None:
    """The caller's most recent log (on ``commitment_id`` when given)."""
    if not actor.member_id:
        return None
    query = select(FulfilmentLog).where(FulfilmentLog.member_id == actor.member_id)
    if commitment_id is not None:
        query = query.where(FulfilmentLog.commitment_id == commitment_id)
    return session.scalar(
        query.order_by(FulfilmentLog.created_at.desc(), FulfilmentLog.id.desc()).limit(1)
    )


def undo_last(session: Session, actor: Actor, window_hours: int) -> tuple[Commitment, int, str]:
    """Delete the caller's last log within the edit window; returns (commitment, quantity,
    note) of what was removed. Voice clips kept with it stay, detached."""
    entry = last_log(session, actor)
    if entry is None:
        raise NotFound("您还没有可以撤销的践诺记录")
    c = session.get_one(Commitment, entry.commitment_id)
    quantity, note = entry.quantity, entry.note
    delete_log(session, actor, entry, window_hours)  # raises when outside the window
    session.execute(update(VoiceClip).where(VoiceClip.log_id == entry.id).values(log_id=None))
    session.flush()
    return c, quantity, note


def fix_quantity(
    session: Session,
    actor: Actor,
    quantity: int,
    window_hours: int,
    commitment_id: int | None = None,
) -> tuple[FulfilmentLog, int]:
    """Set the quantity of the caller's last log (on ``commitment_id`` when given); returns
    the log and its quantity before."""
    entry = last_log(session, actor, commitment_id)
    if entry is None:
        raise NotFound("这条承诺还没有可以修改的践诺记录")
    before = entry.quantity
    edit_log(session, actor, entry, window_hours, quantity=quantity)
    session.flush()
    return entry, before


def recent_duplicate(
    session: Session,
    member_id: int,
    commitment_id: int,
    note: str,
    quantity: int,
    now: datetime | None = None,
    within: timedelta = DUPLICATE_WINDOW,
) -> FulfilmentLog | None:
    """The same member's log of the same commitment, text and quantity made less than
    ``within`` ago (a second send of the same log), if any."""
    return session.scalar(
        select(FulfilmentLog)
        .where(
            FulfilmentLog.commitment_id == commitment_id,
            same_log_again(member_id, note, quantity, (now or now_utc()) - within),
        )
        .limit(1)
    )


def same_log_again(member_id: Any, note: Any, quantity: Any, since: Any) -> ColumnElement[bool]:
    """The SQL condition of ``recent_duplicate`` on one commitment's logs (values or bound
    parameters)."""
    return and_(
        FulfilmentLog.member_id == member_id,
        FulfilmentLog.quantity == quantity,
        FulfilmentLog.note == note,
        FulfilmentLog.created_at >= since,
    )
