"""往年: a closed cycle year read back from its frozen record (``services.cycle_close``), so
that its figures stay as they were at the close whatever happens later."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Commitment, YearRecord
from services import progress
from services.commitments import cycle
from services.progress import Progress, State

COMMITMENT = "commitment"
MEMBER = "member"
BRANCH = "branch"


def progress_from(figures: dict[str, Any]) -> Progress:
    def day(v: object) -> date | None:
        return date.fromisoformat(str(v)) if v else None

    return Progress(
        percent=int(figures["percent"]),
        state=State(figures["state"]),
        done=int(figures["done"]),
        target=int(figures["target"]),
        total_periods=int(figures["total_periods"]),
        next_due=day(figures.get("next_due")),
        completed_on=day(figures.get("completed_on")),
    )


def records(
    session: Session, year: int, kind: str, ids: Sequence[int]
) -> dict[int, dict[str, Any]]:
    if not ids:
        return {}
    rows = session.execute(
        select(YearRecord.subject_id, YearRecord.figures).where(
            YearRecord.year == year, YearRecord.kind == kind, YearRecord.subject_id.in_(list(ids))
        )
    )
    return {sid: json.loads(figures) for sid, figures in rows}


def progress_of(
    session: Session, commitments: Sequence[Commitment], on: date, year: int | None = None
) -> dict[int, Progress]:
    """Progress as the wall shows it: live for the current cycle, frozen for a closed year
    (live for a commitment the record does not hold)."""
    live = progress.progress_of(session, commitments, on)
    if year is None or not cycle.is_closed(session, year):
        return live
    frozen = records(session, year, COMMITMENT, [c.id for c in commitments])
    return {
        c.id: progress_from(frozen[c.id]["progress"]) if c.id in frozen else live[c.id]
        for c in commitments
    }


def past_years(session: Session) -> list[int]:
    """Closed years, newest first (the 往年 links)."""
    return cycle.closed_years(session)
