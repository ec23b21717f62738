"""The month's civic figures of a village or a township (facts; the pushes word them):
议事 raised, decided and done, and 文明存折 awards and exchanges."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import AgendaItem, AgendaStatus, CivicBook, CivicEntry, CivicEntryKind, Organisation
from services.civic.outcome import is_done
from services.reads.periods import Period


@dataclass(frozen=True)
class CivicMonth:
    raised: int  # 议事 raised in the month
    decided: int  # decided in the month (dropped ones not counted)
    done: int  # decided items carried out by the month's end (any month of decision)
    awards: int
    points_awarded: int
    exchanges: int
    points_exchanged: int

    @property
    def empty(self) -> bool:
        return not (self.raised or self.decided or self.done or self.awards or self.exchanges)


def month_figures(session: Session, org: Organisation, period: Period) -> CivicMonth:
    """Figures of ``org``'s subtree (a branch, or a township's branches) for ``period``."""
    lo, hi = period.utc_bounds()
    org_ids = select(Organisation.id).where(Organisation.path.like(f"{org.path}%"))
    in_org = AgendaItem.org_id.in_(org_ids)
    raised = session.scalar(
        select(func.count()).where(in_org, AgendaItem.created_at >= lo, AgendaItem.created_at < hi)
    )
    decided_items = session.scalars(
        select(AgendaItem).where(
            in_org,
            AgendaItem.status == AgendaStatus.DECIDED.value,
            AgendaItem.decided_at < hi,
        )
    ).all()
    decided = sum(1 for i in decided_items if i.decided_at is not None and i.decided_at >= lo)
    done = sum(1 for i in decided_items if is_done(session, i, period.end))
    rows = dict(
        (kind, (int(n), int(p or 0)))
        for kind, n, p in session.execute(
            select(CivicEntry.kind, func.count(), func.sum(CivicEntry.points))
            .join(CivicBook, CivicBook.id == CivicEntry.book_id)
            .where(CivicBook.org_id.in_(org_ids), CivicEntry.month == period.code)
            .group_by(CivicEntry.kind)
        ).all()
    )
    awards, awarded = rows.get(CivicEntryKind.AWARD.value, (0, 0))
    exchanges, spent = rows.get(CivicEntryKind.EXCHANGE.value, (0, 0))
    return CivicMonth(int(raised or 0), decided, done, awards, awarded, exchanges, -spent)
