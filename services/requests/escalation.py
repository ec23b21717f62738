"""件件有回音: requests with no answer past their due time go one level up."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from infra.clock import now_utc
from models import Organisation, Request
from services import timeline
from services.actors import SYSTEM
from services.requests.access import OPEN_STATUSES


def escalate_overdue(
    session: Session, now: datetime | None = None, first_answer_hours: int = 48
) -> list[Request]:
    """Requests with no answer past their due time go one level up (branch → township)."""
    now = now or now_utc()
    overdue = list(
        session.scalars(
            select(Request)
            .where(
                Request.status.in_(OPEN_STATUSES),
                Request.first_answered_at.is_(None),
                Request.due_at < now,
            )
            .order_by(Request.id)
        )
    )
    for req in overdue:
        req.escalation_level += 1
        req.escalated_at = now
        req.due_at = now + timedelta(hours=first_answer_hours)
        org = session.get_one(Organisation, req.org_id)
        up = session.get(Organisation, org.parent_id) if org.parent_id else None
        target = up.name if up and req.escalation_level > 1 else org.name
        timeline.record(
            session,
            req,
            SYSTEM,
            "escalated",
            req.status,
            req.status,
            f"超过答复时限未答复，第 {req.escalation_level} 次上报至{target}",
        )
    return overdue
