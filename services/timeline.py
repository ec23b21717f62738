"""Timeline entries: every state change of a commitment or a request."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from infra.clock import now_utc
from models import Commitment, Request, TimelineEntry
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
}


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
