"""督诺 figures: every branch's and township's numbers for a period, for the group summaries, the
quarterly review and the half-year check-off. Facts only: the wording lives with the channel
(``scheduler/pushes.py`` for WeCom markdown and template messages).

``compute`` builds the figures for a date range with a fixed number of grouped queries, whatever
the number of branches (a district has 1,300). The completion rate is the mean
``progress.compute`` percentage of the published commitments that had started by the end of the
range, evaluated at that date; the change is against the same figure at the end of the previous
range.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from models import (
    Account,
    Commitment,
    CommitmentStatus,
    FulfilmentLog,
    Member,
    Organisation,
    OrgKind,
    OwnerKind,
    Request,
)
from services import progress
from services.reads.periods import (
    Period,
    half_year,
    month,
    previous_half,
    previous_month,
    previous_quarter,
    quarter,
)

__all__ = [
    "BranchSummary",
    "Figures",
    "Period",
    "TownshipSummary",
    "compute",
    "half_year",
    "month",
    "previous_half",
    "previous_month",
    "previous_quarter",
    "quarter",
]

TOP_MEMBERS = 3
STATUS_ORDER = (
    CommitmentStatus.PUBLISHED,
    CommitmentStatus.PENDING_TOWNSHIP,
    CommitmentStatus.PENDING_BRANCH,
    CommitmentStatus.PENDING_GROUP,
    CommitmentStatus.DRAFT,
    CommitmentStatus.WITHDRAWN,
)
COMMITTED_STATUSES = STATUS_ORDER[:4]
LAGGING_STATES = (progress.State.BEHIND, progress.State.OVERDUE)


@dataclass
class BranchSummary:
    org_id: int
    name: str
    code: str
    township_id: int | None
    members: int = 0
    members_committed: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    logs: int = 0
    log_quantity: int = 0
    percent_sum: int = 0
    percent_n: int = 0  # published commitments started by the end of the period
    completed: int = 0  # of those, completed (on time or late) by the end of the period
    previous_sum: int = 0
    previous_n: int = 0
    top: list[tuple[str, int]] = field(default_factory=list)
    silent: list[str] = field(default_factory=list)
    unbound_lagging: list[str] = field(default_factory=list)
    requests_received: int = 0
    requests_answered: int = 0
    requests_resolved: int = 0
    answer_hours: list[float] = field(default_factory=list)

    @property
    def completion(self) -> int | None:
        return round(self.percent_sum / self.percent_n) if self.percent_n else None

    @property
    def previous_completion(self) -> int | None:
        return round(self.previous_sum / self.previous_n) if self.previous_n else None

    @property
    def change(self) -> int | None:
        now, before = self.completion, self.previous_completion
        return None if now is None or before is None else now - before

    @property
    def avg_answer_hours(self) -> float | None:
        return sum(self.answer_hours) / len(self.answer_hours) if self.answer_hours else None


@dataclass
class TownshipSummary(BranchSummary):
    branches: list[BranchSummary] = field(default_factory=list)  # ranked


@dataclass
class Figures:
    period: Period
    branches: dict[int, BranchSummary]
    townships: dict[int, TownshipSummary]


def published_daily_sums(
    session: Session, *conditions: ColumnElement[bool]
) -> dict[int, list[tuple[date, int]]]:
    """Logged quantity per (published commitment, day), in one grouped query."""
    sums: dict[int, list[tuple[date, int]]] = defaultdict(list)
    parse_day = progress.DayParser()
    for cid, day, qty in session.execute(
        select(
            FulfilmentLog.commitment_id, progress.raw_day_column(), func.sum(FulfilmentLog.quantity)
        )
        .join(Commitment, Commitment.id == FulfilmentLog.commitment_id)
        .where(Commitment.status == CommitmentStatus.PUBLISHED.value, *conditions)
        .group_by(FulfilmentLog.commitment_id, FulfilmentLog.happened_on)
    ):
        sums[cid].append((parse_day(day), int(qty)))
    return sums


def compute(session: Session, period: Period, org_ids: Iterable[int] | None = None) -> Figures:
    """Every branch's and township's figures for ``period`` in a fixed number of queries."""
    lo, hi = period.utc_bounds()
    end = period.end
    prev_end = period.previous_end
    silent_since = (end.replace(day=1) - timedelta(days=1)).replace(day=1)  # two months back

    orgs = session.execute(
        select(
            Organisation.id,
            Organisation.kind,
            Organisation.name,
            Organisation.code,
            Organisation.parent_id,
        )
        .where(Organisation.kind.in_((OrgKind.BRANCH.value, OrgKind.TOWNSHIP.value)))
        .order_by(Organisation.sort_order, Organisation.id)
    ).all()
    wanted = set(org_ids) if org_ids is not None else None
    branches: dict[int, BranchSummary] = {}
    townships: dict[int, TownshipSummary] = {}
    for oid, kind, name, code, _parent in orgs:
        if kind == OrgKind.TOWNSHIP.value:
            townships[oid] = TownshipSummary(oid, name, code, oid)
    for oid, kind, name, code, parent in orgs:
        if kind == OrgKind.BRANCH.value and (wanted is None or oid in wanted or parent in wanted):
            branches[oid] = BranchSummary(oid, name, code, parent if parent in townships else None)

    # members and their bindings
    members = session.execute(
        select(Member.id, Member.name, Member.org_id, Member.exempt).where(Member.active.is_(True))
    ).all()
    member_org = {m.id: m.org_id for m in members}
    member_name = {m.id: m.name for m in members}
    exempt = {m.id for m in members if m.exempt}
    for m in members:
        if m.org_id in branches:
            branches[m.org_id].members += 1
    bound = set(
        session.scalars(
            select(Account.member_id).where(
                Account.member_id.is_not(None),
                or_(Account.oa_openid.is_not(None), Account.mp_openid.is_not(None)),
            )
        )
    )

    # commitments by status, and who committed
    for org_id, status, n in session.execute(
        select(Commitment.org_id, Commitment.status, func.count(Commitment.id)).group_by(
            Commitment.org_id, Commitment.status
        )
    ):
        if org_id in branches:
            branches[org_id].by_status[status] = int(n)
    for org_id, n in session.execute(
        select(Commitment.org_id, func.count(func.distinct(Commitment.member_id)))
        .where(
            Commitment.owner_kind == OwnerKind.MEMBER.value,
            Commitment.status.in_(COMMITTED_STATUSES),
        )
        .group_by(Commitment.org_id)
    ):
        if org_id in branches:
            branches[org_id].members_committed = int(n)

    # logs in the period, per branch and per member
    in_period = and_(FulfilmentLog.happened_on >= period.start, FulfilmentLog.happened_on <= end)
    for org_id, n, qty in session.execute(
        select(Commitment.org_id, func.count(FulfilmentLog.id), func.sum(FulfilmentLog.quantity))
        .join(Commitment, Commitment.id == FulfilmentLog.commitment_id)
        .where(in_period)
        .group_by(Commitment.org_id)
    ):
        if org_id in branches:
            branches[org_id].logs = int(n)
            branches[org_id].log_quantity = int(qty or 0)
    per_member: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for member_id, n in session.execute(
        select(FulfilmentLog.member_id, func.count(FulfilmentLog.id))
        .where(in_period, FulfilmentLog.member_id.is_not(None))
        .group_by(FulfilmentLog.member_id)
    ):
        org_id = member_org.get(member_id)
        if org_id in branches:
            per_member[org_id].append((int(n), member_name[member_id]))
    for org_id, rows in per_member.items():
        rows.sort(key=lambda r: (-r[0], r[1]))
        branches[org_id].top = [(name, n) for n, name in rows[:TOP_MEMBERS]]

    # progress of every published commitment at the end of this period and of the last one
    published = session.execute(
        select(
            Commitment.id,
            Commitment.org_id,
            Commitment.member_id,
            Commitment.owner_kind,
            Commitment.target_kind,
            Commitment.target_quantity,
            Commitment.start_date,
            Commitment.end_date,
            Commitment.frequency,
        ).where(Commitment.status == CommitmentStatus.PUBLISHED.value, Commitment.start_date <= end)
    ).all()
    sums = published_daily_sums(session, FulfilmentLog.happened_on <= end)
    committed_members: dict[int, date] = {}  # member → earliest start of a published commitment
    lagging: set[int] = set()
    for c in published:
        if c.org_id not in branches:
            continue
        b = branches[c.org_id]
        target = progress.Target(
            c.target_kind, c.target_quantity, c.start_date, c.end_date, c.frequency
        )
        now_p = progress.compute(target, sums.get(c.id, []), end)
        b.percent_sum += now_p.percent
        b.percent_n += 1
        if now_p.state in (progress.State.COMPLETED, progress.State.COMPLETED_LATE):
            b.completed += 1
        if c.start_date <= prev_end:
            b.previous_sum += progress.compute(target, sums.get(c.id, []), prev_end).percent
            b.previous_n += 1
        if c.owner_kind == OwnerKind.MEMBER.value and c.member_id is not None:
            first = committed_members.get(c.member_id)
            committed_members[c.member_id] = min(first, c.start_date) if first else c.start_date
            if now_p.state in LAGGING_STATES:
                lagging.add(c.member_id)

    # members with nothing logged for two months or more
    last_log: dict[Any, Any] = dict(
        session.execute(  # type: ignore[arg-type]
            select(FulfilmentLog.member_id, func.max(FulfilmentLog.happened_on))
            .where(FulfilmentLog.member_id.is_not(None), FulfilmentLog.happened_on <= end)
            .group_by(FulfilmentLog.member_id)
        ).all()
    )
    for member_id, first_start in sorted(committed_members.items()):
        org_id = member_org.get(member_id)
        if org_id not in branches or member_id in exempt or first_start > silent_since:
            continue
        last = last_log.get(member_id)
        if last is None or last < silent_since:
            branches[org_id].silent.append(member_name[member_id])
        if member_id in lagging and member_id not in bound:
            branches[org_id].unbound_lagging.append(member_name[member_id])

    # requests received / answered / resolved in the period
    req_rows = session.execute(
        select(
            Request.org_id, Request.created_at, Request.first_answered_at, Request.resolved_at
        ).where(
            or_(
                and_(Request.created_at >= lo, Request.created_at < hi),
                and_(Request.first_answered_at >= lo, Request.first_answered_at < hi),
                and_(Request.resolved_at >= lo, Request.resolved_at < hi),
            )
        )
    ).all()
    for org_id, created, answered, resolved in req_rows:
        target_b: BranchSummary | None = branches.get(org_id) or townships.get(org_id)
        if target_b is None:
            continue
        if lo <= created < hi:
            target_b.requests_received += 1
        if answered is not None and lo <= answered < hi:
            target_b.requests_answered += 1
            target_b.answer_hours.append((answered - created).total_seconds() / 3600)
        if resolved is not None and lo <= resolved < hi:
            target_b.requests_resolved += 1

    _roll_up(branches, townships)
    return Figures(period, branches, townships)


def _roll_up(branches: dict[int, BranchSummary], townships: dict[int, TownshipSummary]) -> None:
    for b in branches.values():
        t = townships.get(b.township_id) if b.township_id else None
        if t is None:
            continue
        t.branches.append(b)
        t.members += b.members
        t.members_committed += b.members_committed
        for status, n in b.by_status.items():
            t.by_status[status] = t.by_status.get(status, 0) + n
        t.logs += b.logs
        t.log_quantity += b.log_quantity
        t.percent_sum += b.percent_sum
        t.percent_n += b.percent_n
        t.completed += b.completed
        t.previous_sum += b.previous_sum
        t.previous_n += b.previous_n
        t.requests_received += b.requests_received
        t.requests_answered += b.requests_answered
        t.requests_resolved += b.requests_resolved
        t.answer_hours += b.answer_hours
    for t in townships.values():
        t.branches.sort(
            key=lambda b: (-(b.completion if b.completion is not None else -1), -b.logs, b.name)
        )
