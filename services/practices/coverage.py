"""Monthly figures of the practices for the summaries and the year-end workbook: 走访覆盖率
(households visited in the period / households linked) per member and per branch, and 到会率
of the branch's party days. Facts only; ``scheduler/practice_pushes.py`` words them.

Coverage of a member: of the households linked to them, how many they visited in the period.
Coverage of a branch: of the branch's households linked to at least one active member, how many
had a visit from any member in the period."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from typing import Any

from sqlalchemy import Date, Select, and_, bindparam, distinct, func, select
from sqlalchemy.orm import Session

from models import HouseholdVisit, Member, MemberHousehold
from models.driver import DriverStatement
from services.practices import party_day
from services.progress_sql import core


@dataclass
class MemberCoverage:
    member_id: int
    name: str
    linked: int
    visited: int

    @property
    def percent(self) -> int | None:
        return round(100 * self.visited / self.linked) if self.linked else None


@dataclass
class BranchCoverage:
    org_id: int
    linked: int = 0  # households linked to at least one active member
    visited: int = 0  # of those, visited in the period
    visits: int = 0  # visit records in the period
    members: list[MemberCoverage] = field(default_factory=list)
    attendance: party_day.Rate | None = None  # the month's party day, if one was held

    @property
    def percent(self) -> int | None:
        return round(100 * self.visited / self.linked) if self.linked else None

    @property
    def visited_nobody(self) -> list[str]:
        return [m.name for m in self.members if m.linked and not m.visited]


def _statements(wanted: list[int] | None) -> tuple[Select[Any], Select[Any], Select[Any]]:
    """``coverage``'s three grouped queries for the branches ``wanted`` (``None``: every
    branch), the range bound as ``start`` and ``end``: per member, per branch, visit records."""
    scope = [Member.active.is_(True)]
    if wanted is not None:
        scope.append(Member.org_id.in_(wanted))
    in_range = [
        HouseholdVisit.visited_on >= bindparam("start", type_=Date),
        HouseholdVisit.visited_on <= bindparam("end", type_=Date),
    ]
    link = MemberHousehold  # its household exists (a foreign key): no join to Household
    # (member, household) pairs visited in the range, once each
    pairs = (
        select(HouseholdVisit.member_id, HouseholdVisit.household_id)
        .where(*in_range)
        .distinct()
        .subquery()
    )
    per_member = (
        select(
            Member.id,
            Member.name,
            Member.org_id,
            func.count(link.household_id),
            func.count(pairs.c.household_id),
        )
        .join(link, link.member_id == Member.id)
        .outerjoin(
            pairs,
            and_(pairs.c.member_id == link.member_id, pairs.c.household_id == link.household_id),
        )
        .where(*scope)
        .group_by(Member.id)  # name and branch depend on it
        .order_by(Member.id)
    )
    # a branch's households linked to at least one active member, and of those the ones any
    # member visited in the range
    visited_any = select(HouseholdVisit.household_id).where(*in_range).distinct().subquery()
    per_branch = (
        select(
            Member.org_id,
            func.count(distinct(link.household_id)),
            func.count(distinct(visited_any.c.household_id)),
        )
        .join(link, link.member_id == Member.id)
        .outerjoin(visited_any, visited_any.c.household_id == link.household_id)
        .where(*scope)
        .group_by(Member.org_id)
    )
    # visit records in the range to the linked households of the branches (by anyone), per branch
    linked = select(link.household_id).join(Member, Member.id == link.member_id).where(*scope)
    counted = (
        select(HouseholdVisit.org_id, func.count())
        .where(*in_range, HouseholdVisit.household_id.in_(linked))
        .group_by(HouseholdVisit.org_id)
    )
    return per_member, per_branch, counted


@cache
def _everywhere() -> tuple[DriverStatement, ...]:
    """The queries for every branch, compiled once and run on the driver's cursor (the monthly
    summary's: 33,000 members' rows)."""
    return tuple(DriverStatement(q) for q in _statements(None))


def coverage(
    session: Session, start: date, end: date, org_ids: Iterable[int] | None = None
) -> dict[int, BranchCoverage]:
    """Per branch (that has linked households): coverage of the branch and of each linked
    member from ``start`` to ``end``, in three grouped queries whatever the number of branches
    (a member's and a branch's counts are made by the database, not from every link)."""
    params = {"start": start, "end": end}
    if org_ids is None:
        per_member, per_branch, visits = (q.run(session, params) for q in _everywhere())
    else:
        conn = core(session)
        queries = _statements(sorted(set(org_ids)))
        per_member, per_branch, visits = (conn.execute(q, params).all() for q in queries)
    out: dict[int, BranchCoverage] = {}
    for mid, name, oid, n_linked, n_visited in per_member:
        b = out.get(oid)
        if b is None:
            b = out[oid] = BranchCoverage(oid)
        b.members.append(MemberCoverage(mid, name, n_linked, n_visited))
    for oid, n_linked, n_visited in per_branch:
        if oid in out:
            out[oid].linked, out[oid].visited = n_linked, n_visited
    for oid, n in visits:
        if oid in out:
            out[oid].visits = n
    return out


def monthly(
    session: Session, start: date, end: date, org_ids: Iterable[int] | None = None
) -> dict[int, BranchCoverage]:
    """Coverage plus the 到会率 of each branch's party day held from ``start`` to ``end``."""
    out = coverage(session, start, end, org_ids)
    for oid, rate in party_day.rates(session, start, end, org_ids).items():
        out.setdefault(oid, BranchCoverage(oid)).attendance = rate
    return out


@dataclass
class MemberYear:
    member_id: int
    name: str
    linked: int = 0
    visits_months: int = 0  # months in which they visited every linked household
    percents: list[int] = field(default_factory=list)  # monthly coverage, months with links

    @property
    def average(self) -> int | None:
        return round(sum(self.percents) / len(self.percents)) if self.percents else None


@dataclass
class BranchYear:
    org_id: int
    coverage: list[int] = field(default_factory=list)  # monthly branch coverage %
    visits: int = 0
    party_days: int = 0
    attendance: list[int] = field(default_factory=list)  # 到会率 of each party day
    members: dict[int, MemberYear] = field(default_factory=dict)

    @property
    def average_coverage(self) -> int | None:
        return round(sum(self.coverage) / len(self.coverage)) if self.coverage else None

    @property
    def average_attendance(self) -> int | None:
        return round(sum(self.attendance) / len(self.attendance)) if self.attendance else None


def yearly(
    session: Session, year: int, org_ids: Iterable[int], until: date | None = None
) -> dict[int, BranchYear]:
    """The year month by month (up to ``until``): each branch's monthly coverage and 到会率, and
    each linked member's monthly coverage, for the year-end workbook."""
    ids = list(org_ids)
    out = {oid: BranchYear(oid) for oid in ids}
    for mon in range(1, 13):
        start = date(year, mon, 1)
        if until is not None and start > until:
            break
        end = date(year + mon // 12, mon % 12 + 1, 1) - timedelta(days=1)
        for oid, c in monthly(session, start, end, ids).items():
            b = out.get(oid)
            if b is None:
                continue
            if c.percent is not None:
                b.coverage.append(c.percent)
            b.visits += c.visits
            if c.attendance is not None:
                b.party_days += 1
                if c.attendance.percent is not None:
                    b.attendance.append(c.attendance.percent)
            for m in c.members:
                my = b.members.setdefault(m.member_id, MemberYear(m.member_id, m.name))
                my.linked = m.linked
                if m.percent is not None:
                    my.percents.append(m.percent)
                    if m.percent == 100:
                        my.visits_months += 1
    return out
