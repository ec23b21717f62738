"""诉求四率 — the four rates a unit (branch, member, township) is measured by, defined once.

Over the requests *received* in a period (``lo <= created_at < hi``), counted as they stood at
``hi`` (or now, if earlier):

- 响应率 = answered in time / due — *due*: answered, or past the first-answer limit
  (``due_at``); *in time*: the first answer came by ``due_at`` with no escalation (a request
  that lapsed even once was not answered in time);
- 办结率 = resolved (办结) / received;
- 解决率 = resolved as 已解决 / resolved;
- 满意率 = rated 满意 or 基本满意 / rated.

Each is a whole percent, or ``None`` when its denominator is zero. One grouped statement per
grouping (by organisation, by member), whatever the number of units.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, and_, case, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from infra.clock import now_utc
from models import Organisation, Rating, Request, RequestStatus, Resolution
from services.reads.sheets import Percent

DONE = (RequestStatus.RESOLVED.value, RequestStatus.CONFIRMED.value)
GOOD = (Rating.SATISFIED.value, Rating.BASICALLY_SATISFIED.value)


def _pct(n: int, d: int) -> int | None:
    return round(100 * n / d) if d else None


@dataclass
class Counts:
    received: int = 0
    due: int = 0
    in_time: int = 0
    resolved: int = 0
    solved: int = 0
    rated: int = 0
    satisfied: int = 0

    @property
    def response(self) -> int | None:  # 响应率
        return _pct(self.in_time, self.due)

    @property
    def completion(self) -> int | None:  # 办结率
        return _pct(self.resolved, self.received)

    @property
    def solution(self) -> int | None:  # 解决率
        return _pct(self.solved, self.resolved)

    @property
    def satisfaction(self) -> int | None:  # 满意率
        return _pct(self.satisfied, self.rated)

    def add(self, other: Counts) -> None:
        for name in ("received", "due", "in_time", "resolved", "solved", "rated", "satisfied"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def _sum(cond: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((cond, 1), else_=0)), 0).cast(Integer)


def _columns(hi: datetime, now: datetime) -> list[ColumnElement[int]]:
    cut = min(hi, now)
    answered = and_(Request.first_answered_at.is_not(None), Request.first_answered_at < hi)
    resolved = and_(
        Request.status.in_(DONE), Request.resolved_at.is_not(None), Request.resolved_at < hi
    )
    rated = and_(resolved, Request.rating.is_not(None), Request.rated_at < hi)
    return [
        func.count(Request.id),
        _sum(or_(answered, Request.due_at < cut, Request.escalation_level > 0)),
        _sum(
            and_(
                answered,
                Request.first_answered_at <= Request.due_at,
                Request.escalation_level == 0,
            )
        ),
        _sum(resolved),
        _sum(and_(resolved, Request.resolution == Resolution.DONE.value)),
        _sum(rated),
        _sum(and_(rated, Request.rating.in_(GOOD))),
    ]


def _grouped(
    session: Session,
    key: Any,
    lo: datetime,
    hi: datetime,
    now: datetime,
    *where: ColumnElement[bool],
) -> dict[int, Counts]:
    rows = session.execute(
        select(key, *_columns(hi, now))
        .where(Request.created_at >= lo, Request.created_at < hi, *where)
        .group_by(key)
    ).all()
    return {row[0]: Counts(*(int(v or 0) for v in row[1:])) for row in rows if row[0] is not None}


def by_org(
    session: Session,
    lo: datetime,
    hi: datetime,
    now: datetime | None = None,
    within: Organisation | None = None,
) -> dict[int, Counts]:
    """Counts per organisation the requests belong to (a branch, or a township's inbox); with
    ``within``, only of that organisation and those below it (one branch's board need not
    count the whole district's requests)."""
    where = (
        [
            Request.org_id.in_(
                select(Organisation.id).where(Organisation.path.startswith(within.path))
            )
        ]
        if within is not None
        else []
    )
    return _grouped(session, Request.org_id, lo, hi, now or now_utc(), *where)


def by_member(
    session: Session, lo: datetime, hi: datetime, now: datetime | None = None
) -> dict[int, Counts]:
    """Counts per member responsible (requests with nobody responsible count for no one)."""
    return _grouped(session, Request.assignee_member_id, lo, hi, now or now_utc())


def total(counts: dict[int, Counts], orgs: Iterable[Organisation], under: Organisation) -> Counts:
    """The counts of ``under`` and every organisation below it (a township: its branches and
    its own inbox), from ``by_org``'s result and the organisations it may hold."""
    out = Counts()
    for org in orgs:
        if under.contains(org) and org.id in counts:
            out.add(counts[org.id])
    return out


def for_year(
    session: Session, year: int, now: datetime | None = None, within: Organisation | None = None
) -> dict[int, Counts]:
    """``by_org`` over a calendar year (local dates): the overview and the year-end workbook."""
    from datetime import date

    from services.reads.periods import Period

    lo, hi = Period(str(year), date(year, 1, 1), date(year, 12, 31), f"{year}年").utc_bounds()
    return by_org(session, lo, hi, now, within)


def _share(n: int, d: int) -> Percent | None:
    return Percent(n / d) if d else None


def cells(c: Counts) -> list[object]:
    """收到诉求 and the four rates as typed cells for a sheet (percent-formatted numbers)."""
    return [
        c.received,
        _share(c.in_time, c.due),
        _share(c.resolved, c.received),
        _share(c.solved, c.resolved),
        _share(c.satisfied, c.rated),
    ]
