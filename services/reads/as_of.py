"""State as it stood at an instant in the past, for figures "as of the end of a period".

A commitment's status at an instant is read back from its timeline (``services.timeline``
records every status change with the status before and after): the status before its first
change at or after the instant, or its current status when it has not changed since. A
commitment created at or after the instant did not exist yet. Each reconstruction is one
grouped query, whatever the number of commitments or branches.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import CommitmentStatus, TimelineEntry

# Timeline actions that change a commitment's status (content decisions and edits do not).
STATUS_ACTIONS = ("created", "submitted", "approved", "rejected", "published", "withdrawn")
STATUSES = tuple(CommitmentStatus.values())


class StatusesAt:
    """Commitment statuses at ``moment``: ``status(id, created_at, current)``."""

    def __init__(self, session: Session, moment: datetime) -> None:
        self.moment = moment
        first = (
            func.row_number()
            .over(
                partition_by=TimelineEntry.commitment_id,
                order_by=(TimelineEntry.created_at, TimelineEntry.id),
            )
            .label("n")
        )
        changes = (
            select(
                TimelineEntry.commitment_id.label("cid"),
                TimelineEntry.from_status.label("before"),
                first,
            )
            .where(
                TimelineEntry.commitment_id.is_not(None),
                TimelineEntry.created_at >= moment,
                TimelineEntry.action.in_(STATUS_ACTIONS),
                TimelineEntry.to_status.in_(STATUSES),
            )
            .subquery()
        )
        self.before: dict[int, str | None] = {
            int(cid): before
            for cid, before in session.execute(
                select(changes.c.cid, changes.c.before).where(changes.c.n == 1)
            )
        }

    def status(self, commitment_id: int, created_at: datetime, current: str) -> str | None:
        """The status at ``moment``, ``None`` when the commitment did not exist yet."""
        return self.status_if(commitment_id, created_at < self.moment, current)

    def status_if(self, commitment_id: int, existed: bool, current: str) -> str | None:
        """``status`` when the caller already knows whether it existed at ``moment``."""
        if not existed:
            return None
        if commitment_id in self.before:
            before = self.before[commitment_id]
            return before if before in STATUSES else None
        return current
