"""Timeline entries: every state change of a commitment or a request, and every change to a
fulfilment log (on its commitment's timeline, with the log's state before and after)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from infra.clock import now_utc
from models import Commitment, FulfilmentLog, Request, TimelineEntry
from services import privacy
from services.actors import Actor

ACTION_LABELS = {
    "created": "创建",
    "edited": "修改",
    "submitted": "提交审核",
    "approved": "审核通过",
    "rejected": "退回修改",
    "published": "公开承诺",
    "withdrawn": "撤回",
    "assigned": "分派",
    "claimed": "认领",
    "transferred": "转交",
    "replied": "答复",
    "resolved": "办结",
    "confirmed": "群众确认",
    "reopened": "重新打开",
    "escalated": "超时上报",
    "rated": "评价",
    "content_approved": "内容准予公开",
    "content_rejected": "内容不予公开",
    "location_added": "补充位置",
    "log_edited": "修改践诺记录",
    "log_deleted": "删除践诺记录",
    "log_verified": "核实践诺记录",
    "log_signed_off": "群众销账",
    "log_rated": "群众评价践诺",
    "carried_over": "转入新年度",
    "year_closed": "年度归档",
}
LOG_ACTIONS = ("log_edited", "log_deleted", "log_verified", "log_signed_off", "log_rated")


def record(
    session: Session,
    subject: Commitment | Request,
    actor: Actor,
    action: str,
    from_status: str | None,
    to_status: str | None,
    note: str = "",
) -> TimelineEntry:
    entry = TimelineEntry(
        actor_account_id=actor.account_id,
        actor_member_id=actor.member_id,
        actor_label=actor.label[:50],
        action=action,
        from_status=from_status,
        to_status=to_status,
        note=note,
        created_at=now_utc(),
    )
    if isinstance(subject, Commitment):
        entry.commitment_id = subject.id
    else:
        entry.request_id = subject.id
    session.add(entry)
    return entry


def entries_for(session: Session, subject: Commitment | Request) -> list[TimelineEntry]:
    col = (
        TimelineEntry.commitment_id if isinstance(subject, Commitment) else TimelineEntry.request_id
    )
    return list(
        session.scalars(select(TimelineEntry).where(col == subject.id).order_by(TimelineEntry.id))
    )


def log_state(log: FulfilmentLog) -> dict[str, Any]:
    """The fields of a log a timeline entry keeps (before / after a change)."""
    return {
        "quantity": log.quantity,
        "note": log.note,
        "happened_on": log.happened_on.isoformat(),
        "verified": log.verified_at is not None,
        "verified_by_account_id": log.verified_by_account_id,
        "content_status": log.content_status,
    }


def record_log(
    session: Session,
    log: FulfilmentLog,
    actor: Actor,
    action: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    note: str = "",
) -> TimelineEntry:
    """A change to a fulfilment log, on its commitment's timeline.

    The commitment's timeline is public once it is published: a resident acting (a sign-off)
    is named masked, and the note carries no free text of the log (its text may be held by
    the content gate) — the full fields are in ``state_before`` / ``state_after``."""
    if action not in LOG_ACTIONS:
        raise ValueError(f"not a log action: {action}")
    label = actor.label
    if actor.member_id is None and not actor.system:
        label = privacy.mask_name(actor.name)
    entry = TimelineEntry(
        commitment_id=log.commitment_id,
        log_id=log.id,
        actor_account_id=actor.account_id,
        actor_member_id=actor.member_id,
        actor_label=label[:50],
        action=action,
        from_status=None,
        to_status=None,
        note=note[:500],
        state_before=None if before is None else json.dumps(before, ensure_ascii=False),
        state_after=None if after is None else json.dumps(after, ensure_ascii=False),
        created_at=now_utc(),
    )
    session.add(entry)
    return entry


def entries_for_log(session: Session, log_id: int) -> list[TimelineEntry]:
    """Every recorded change to one log (also after it was deleted)."""
    return list(
        session.scalars(
            select(TimelineEntry).where(TimelineEntry.log_id == log_id).order_by(TimelineEntry.id)
        )
    )


def states(entry: TimelineEntry) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """The log's fields before and after the change an entry records."""
    before = json.loads(entry.state_before) if entry.state_before else None
    after = json.loads(entry.state_after) if entry.state_after else None
    return before, after
