"""Monthly figures of the practices for the summaries and the year-end workbook: 走访覆盖率
(households visited in the period / households linked) per member and per branch, and 到会率
of the branch's party days. Facts only; ``scheduler/practice_pushes.py`` words them.

Coverage of a member: of the households linked to them, how many they visited in the period.
Coverage of a branch: of the branch's households linked to at least one active member, how many
had a visit from any member in the period."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Household, HouseholdVisit, Member, MemberHousehold
from services.practices import party_day


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


def coverage(
    session: Session, start: date, end: date, org_ids: Iterable[int] | None = None
) -> dict[int, BranchCoverage]:
    """Per branch (that has linked households): coverage of the branch and of each linked
    member from ``start`` to ``end``, in three queries whatever the number of branches."""
    wanted = set(org_ids) if org_ids is not None else None
    scope = [Member.active.is_(True)]
    if wanted is not None:
        scope.append(Member.org_id.in_(sorted(wanted)))
    links = session.execute(
        select(Member.id, Member.name, Member.org_id, MemberHousehold.household_id)
        .join(MemberHousehold, MemberHousehold.member_id == Member.id)
        .join(Household, Household.id == MemberHousehold.household_id)
        .where(*scope)
        .order_by(Member.id)
    ).all()
    in_range = [HouseholdVisit.visited_on >= start, HouseholdVisit.visited_on <= end]
    if wanted is not None:  # visits to the wanted branches' linked households (by anyone)
        in_range.append(
            HouseholdVisit.household_id.in_(
                select(MemberHousehold.household_id)
                .join(Member, Member.id == MemberHousehold.member_id)
                .where(*scope)
            )
        )
    visits = session.execute(
        select(HouseholdVisit.member_id, HouseholdVisit.household_id, HouseholdVisit.org_id).where(
            *in_range
        )
    ).all()
    visited_by: dict[int, set[int]] = defaultdict(set)
    visited_any: set[int] = set()
    visit_count: dict[int, int] = defaultdict(int)
    for mid, hid, oid in visits:
        visited_by[mid].add(hid)
        visited_any.add(hid)
        visit_count[oid] += 1
    out: dict[int, BranchCoverage] = {}
    per_member: dict[int, MemberCoverage] = {}
    branch_households: dict[int, set[int]] = defaultdict(set)
    for mid, name, oid, hid in links:
        if wanted is not None and oid not in wanted:
            continue
        b = out.setdefault(oid, BranchCoverage(oid))
        m = per_member.get(mid)
        if m is None:
            m = per_member[mid] = MemberCoverage(mid, name, 0, 0)
            b.members.append(m)
        m.linked += 1
        if hid in visited_by.get(mid, ()):
            m.visited += 1
        branch_households[oid].add(hid)
    for oid, b in out.items():
        b.linked = len(branch_households[oid])
        b.visited = len(branch_households[oid] & visited_any)
        b.visits = visit_count.get(oid, 0)
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
