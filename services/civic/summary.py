"""The month's civic figures of every village and township (facts; the pushes word them):
议事 raised, decided and done, and 文明存折 awards and exchanges. A fixed number of queries
however many villages there are (one month's summary covers a whole district)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import Session

from infra.clock import local_date
from models import (
    AgendaItem,
    AgendaOutcome,
    AgendaStatus,
    CivicBook,
    CivicEntry,
    CivicEntryKind,
    Commitment,
    Organisation,
    Request,
)
from services import progress
from services.civic.outcome import DONE_REQUEST
from services.reads.periods import Period


@dataclass(frozen=True)
class CivicMonth:
    raised: int = 0  # 议事 raised in the month
    decided: int = 0  # decided in the month (dropped ones not counted)
    done: int = 0  # decided items carried out by the month's end (whenever decided)
    awards: int = 0
    points_awarded: int = 0
    exchanges: int = 0
    points_exchanged: int = 0

    @property
    def empty(self) -> bool:
        return not (self.raised or self.decided or self.done or self.awards or self.exchanges)

    def __add__(self, other: CivicMonth) -> CivicMonth:
        return CivicMonth(*(a + b for a, b in zip(self.__dict__.values(),
                                                  other.__dict__.values(), strict=True)))  # fmt: skip


class CivicFigures:
    """Figures per village for ``period``; a township's are the sum of its villages'."""

    def __init__(self, session: Session, period: Period) -> None:
        self.period = period
        self._by_path: dict[str, CivicMonth] = {}
        if not session.scalar(select(or_(exists(AgendaItem.id), exists(CivicEntry.id)))):
            return  # a township not using either: one statement
        lo, hi = period.utc_bounds()
        counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        rows = session.execute(
            select(AgendaItem, Organisation.path)
            .join(Organisation, Organisation.id == AgendaItem.org_id)
            .where(
                or_(
                    (AgendaItem.created_at >= lo) & (AgendaItem.created_at < hi),
                    (AgendaItem.status == AgendaStatus.DECIDED.value)
                    & (AgendaItem.decided_at < hi),
                )
            )
        ).all()
        decided = [(i, path) for i, path in rows if i.status == AgendaStatus.DECIDED.value]
        commitment_ids = [i.commitment_id for i, _ in decided if i.commitment_id]
        request_ids = [i.request_id for i, _ in decided if i.request_id]
        states: dict[int, progress.Progress] = {}
        if commitment_ids:
            commitments = session.scalars(
                select(Commitment).where(Commitment.id.in_(commitment_ids))
            ).all()
            states = progress.progress_of(session, list(commitments), min(period.end, local_date()))
        done_requests: set[int] = set()
        if request_ids:
            done_requests = set(
                session.scalars(
                    select(Request.id).where(
                        Request.id.in_(request_ids), Request.status.in_(DONE_REQUEST)
                    )
                )
            )
        finished = (progress.State.COMPLETED, progress.State.COMPLETED_LATE)
        for i, path in rows:
            if lo <= i.created_at < hi:
                counts[path]["raised"] += 1
        for i, path in decided:
            if i.decided_at is not None and i.decided_at >= lo:
                counts[path]["decided"] += 1
            if (
                i.outcome == AgendaOutcome.RULE.value
                or i.request_id in done_requests
                or (i.commitment_id in states and states[i.commitment_id].state in finished)
            ):
                counts[path]["done"] += 1
        for path, kind, n, points in session.execute(
            select(Organisation.path, CivicEntry.kind, func.count(), func.sum(CivicEntry.points))
            .join(CivicBook, CivicBook.id == CivicEntry.book_id)
            .join(Organisation, Organisation.id == CivicBook.org_id)
            .where(CivicEntry.month == period.code)
            .group_by(Organisation.path, CivicEntry.kind)
        ).all():
            if kind == CivicEntryKind.AWARD.value:
                counts[path]["awards"], counts[path]["points_awarded"] = int(n), int(points)
            else:
                counts[path]["exchanges"] = int(n)
                counts[path]["points_exchanged"] = -int(points)
        self._by_path = {path: CivicMonth(**c) for path, c in counts.items()}

    @property
    def empty(self) -> bool:
        return not self._by_path

    def of(self, org: Organisation) -> CivicMonth:
        """``org``'s figures: its own and those of every organisation below it."""
        total = CivicMonth()
        for path, month in self._by_path.items():
            if path.startswith(org.path):
                total = total + month
        return total


def month_figures(session: Session, org: Organisation, period: Period) -> CivicMonth:
    return CivicFigures(session, period).of(org)
