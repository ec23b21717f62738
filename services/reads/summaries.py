"""督诺 figures: every branch's and township's numbers for a period, for the group summaries, the
quarterly review and the half-year check-off. Facts only: the wording lives with the channel
(``scheduler/pushes.py`` for WeCom markdown and template messages).

``compute`` builds the figures for a date range with a fixed number of grouped queries, whatever
the number of branches (a district has 1,300). The completion rate is the mean
``progress.compute`` percentage of the published commitments that had started by the end of the
range, evaluated at that date; the change is against the same figure at the end of the previous
range. Every figure is as of the end of the range: members on the roster then, commitments with
the status they had then (``as_of``), logs and requests recorded by then; a past period computed
later gives the same numbers as on its last day.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cache
from typing import Any

from sqlalchemy import Date, Select, and_, bindparam, case, func, or_, select
from sqlalchemy.orm import Session

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
    UTCDateTime,
)
from models.driver import DriverStatement
from services import progress, progress_sql
from services.progress_sql import core
from services.reads import as_of
from services.reads import rates as four_rates
from services.reads.items import DONE_STATES
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
    "needs_logging",
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
    members: int = 0  # on the roster at the end of the period, not exempt
    members_committed: int = 0
    exempt: int = 0  # 免于承诺: on the roster, not counted in ``members``
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
    answer_hours: float = 0.0  # to the first answers given in the period, in all
    rates: four_rates.Counts = field(default_factory=four_rates.Counts)  # 诉求四率

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
        return self.answer_hours / self.requests_answered if self.requests_answered else None


@dataclass
class TownshipSummary(BranchSummary):
    branches: list[BranchSummary] = field(default_factory=list)  # ranked


@dataclass
class Figures:
    period: Period
    branches: dict[int, BranchSummary]
    townships: dict[int, TownshipSummary]


@cache
def _members() -> DriverStatement:
    """Members on the roster at the end bound as ``hi`` (the driver's rows: 33,000 of them)."""
    m = Member
    return DriverStatement(
        select(m.id, m.name, m.org_id, m.exempt).where(
            m.active.is_(True), m.created_at < bindparam("hi", type_=UTCDateTime)
        )
    )


@cache
def _bound() -> DriverStatement:
    """Members who can be reached on WeChat (an account bound to them)."""
    a = Account
    return DriverStatement(
        select(a.member_id).where(
            a.member_id.is_not(None), or_(a.oa_openid.is_not(None), a.mp_openid.is_not(None))
        )
    )


@cache
def _member_logs() -> DriverStatement:
    """Per member: logs dated from ``start`` and from ``since`` to ``end``, recorded before
    ``hi`` (the day index, which holds every column read: two months of logs, not the year's)."""
    log = FulfilmentLog
    day = log.happened_on
    start, since = bindparam("start", type_=Date), bindparam("since", type_=Date)
    return DriverStatement(
        select(
            log.member_id,
            func.count(case((day >= start, 1))),
            func.count(case((day >= since, 1))),
        )
        .where(
            log.member_id.is_not(None),
            day >= bindparam("first", type_=Date),  # the earlier of the two
            day <= bindparam("end", type_=Date),
            log.created_at < bindparam("hi", type_=UTCDateTime),
        )
        .group_by(log.member_id)
    )


@cache
def _commitments() -> DriverStatement:
    """Every commitment with whether it existed at the ends bound as ``hi`` and ``lo`` (dates as
    the driver gives them: ``progress.DayParser``)."""
    return DriverStatement(_commitment_query())


@cache
def _commitments_kept() -> DriverStatement:
    """``_commitments`` with each one's tallies from the month close (``closed_params``)."""
    return DriverStatement(progress_sql.with_closed_tallies(_commitment_query(), Commitment.id))


def _commitment_query() -> Select[Any]:
    c = Commitment
    return select(
        c.id,
        c.org_id,
        c.member_id,
        c.owner_kind,
        c.status,
        case((c.created_at < bindparam("hi", type_=UTCDateTime), 1), else_=0),  # at the end
        case((c.created_at < bindparam("lo", type_=UTCDateTime), 1), else_=0),  # previous
        c.target_kind,
        c.target_quantity,
        c.start_date,
        c.end_date,
        c.frequency,
    )


def needs_logging(p: progress.Progress) -> bool:
    """A commitment still asks for logs unless it is completed or every period so far is met:
    a member whose commitments are all done is not idle."""
    return _needs_logging(p.state, p.percent)


def _needs_logging(state: progress.State, percent: int) -> bool:
    return state not in DONE_STATES and percent < 100


def compute(session: Session, period: Period, org_ids: Iterable[int] | None = None) -> Figures:
    """Every branch's and township's figures for ``period`` in a fixed number of queries, as
    they stood at the end of the period: members on the roster then, commitments with the
    status they had then (``as_of``), logs and requests recorded by then. Exempt members
    (免于承诺) are counted apart, not in the headcount nor among those who must commit."""
    lo, hi = period.utc_bounds()  # hi: the end of the period; lo: the end of the previous one
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

    # members on the roster at the end of the period; the exempt are counted apart
    members = _members().run(session, {"hi": hi})
    member_org = {mid: org_id for mid, _name, org_id, _exempt in members}
    member_name = {mid: name for mid, name, _org_id, _exempt in members}
    counted: set[int] = set()  # on the roster, in a wanted branch, not exempt
    for mid, _name, org_id, exempt in members:
        if org_id not in branches:
            continue
        if exempt:
            branches[org_id].exempt += 1
        else:
            branches[org_id].members += 1
            counted.add(mid)
    bound = {mid for (mid,) in _bound().run(session, {})}

    # every commitment that existed at the end of the period, with its status then; progress
    # of the published ones at the end of this period and of the previous one, from the
    # per-commitment, per-period tallies that one aggregate query computes
    status_now = as_of.StatusesAt(session, hi)
    status_before = as_of.StatusesAt(session, lo)
    raw_day = progress.DayParser()
    kept = progress_sql.closed_params(
        session, start=period.start, end=end, moment=hi, before_end=prev_end, before_moment=lo
    )
    if kept is not None:  # both ends closed (月结): the tallies come with the commitments
        rows: Iterable[Sequence[Any]] = _commitments_kept().run(
            session, {"hi": hi, "lo": lo, **kept}
        )
    else:
        tallies = progress_sql.period_tallies(
            session, start=period.start, end=end, moment=hi, before_end=prev_end, before_moment=lo
        )
        none = progress_sql.EMPTY
        rows = (
            (*r, *tallies.get(r[0], none)[1:])
            for r in _commitments().run(session, {"hi": hi, "lo": lo})
        )
    NOW, BEFORE = progress_sql.NOW - 1, progress_sql.BEFORE - 1  # in the ten numbers
    LOGS, QUANTITY = progress_sql.PERIOD_LOGS - 1, progress_sql.PERIOD_QUANTITY - 1
    standing = progress_sql.standing
    published = CommitmentStatus.PUBLISHED.value
    committed: dict[int, set[int]] = defaultdict(set)  # branch → members who committed
    lagging: set[int] = set()
    open_since: set[int] = set()  # members with unfinished work open since ``silent_since``
    member_kind = OwnerKind.MEMBER.value
    for cid, org_id, member_id, owner, current, now_in, before_in, kind, qty, *rest in rows:
        b = branches.get(org_id)
        if b is None:
            continue
        dates, tally = rest[:3], rest[3:]
        # logs in the period (recorded by its end), per branch
        b.logs += tally[LOGS]
        b.log_quantity += tally[QUANTITY]
        status = status_now.status_if(cid, now_in, current)
        if status is None:
            continue
        b.by_status[status] = b.by_status.get(status, 0) + 1
        mid = member_id if owner == member_kind else None
        if mid in counted and status in COMMITTED_STATUSES:
            committed[member_org[mid]].add(mid)
        start_date = raw_day(dates[0])
        if status != published or start_date > end:
            continue
        target = progress.Target(kind, qty, start_date, raw_day(dates[1]), dates[2])
        percent, state = standing(target, tally, end, NOW)
        b.percent_sum += percent
        b.percent_n += 1
        if state in DONE_STATES:
            b.completed += 1
        if start_date <= prev_end and status_before.status_if(cid, before_in, current) == published:
            b.previous_sum += standing(target, tally, prev_end, BEFORE)[0]
            b.previous_n += 1
        if mid in counted:
            if state in LAGGING_STATES:
                lagging.add(mid)
            if start_date <= silent_since and _needs_logging(state, percent):
                open_since.add(mid)
    for branch_id, who in committed.items():
        if branch_id in branches:
            branches[branch_id].members_committed = len(who)

    # per member: logs in the period, and whether they logged anything since ``silent_since``
    # (recorded by the end), in one grouped query over the logs dated from the earlier of the
    # two days (the day index, which holds every column read: two months of logs, not the year's)
    per_member: dict[int, list[tuple[int, str]]] = defaultdict(list)
    member_logs: dict[int, int] = {}
    logged_since: set[int] = set()
    for member_id, n, recent in _member_logs().run(
        session,
        {
            "start": period.start,
            "since": silent_since,
            "first": min(period.start, silent_since),
            "end": end,
            "hi": hi,
        },
    ):
        member_logs[member_id] = n
        if recent:
            logged_since.add(member_id)
    for member_id, n in member_logs.items():
        org_id = member_org.get(member_id)
        if n and org_id in branches:
            per_member[org_id].append((int(n), member_name[member_id]))
    for org_id, top_rows in per_member.items():
        top_rows.sort(key=lambda r: (-r[0], r[1]))
        branches[org_id].top = [(name, n) for n, name in top_rows[:TOP_MEMBERS]]

    # idle: unfinished work open for two months or more and nothing logged in that time
    for member_id in sorted(open_since - logged_since):
        branches[member_org[member_id]].silent.append(member_name[member_id])
    for member_id in sorted(lagging - bound):
        branches[member_org[member_id]].unbound_lagging.append(member_name[member_id])

    # requests received / answered / resolved in the period, and the hours to the first
    # answers given in it, counted per organisation by the database
    def within(moment: Any) -> Any:
        return and_(moment >= lo, moment < hi)

    def n_of(cond: Any) -> Any:
        return func.count(case((cond, 1)))

    answered = within(Request.first_answered_at)
    for org_id, received, n_answered, hours, resolved in core(session).execute(
        select(
            Request.org_id,
            n_of(within(Request.created_at)),
            n_of(answered),
            func.sum(
                case(
                    (
                        answered,
                        progress_sql.hours_between(Request.created_at, Request.first_answered_at),
                    )
                )
            ),
            n_of(within(Request.resolved_at)),
        )
        .where(or_(within(Request.created_at), answered, within(Request.resolved_at)))
        .group_by(Request.org_id)
    ):
        target_b: BranchSummary | None = branches.get(org_id) or townships.get(org_id)
        if target_b is None:
            continue
        target_b.requests_received += received
        target_b.requests_answered += n_answered
        target_b.answer_hours += float(hours or 0)
        target_b.requests_resolved += resolved

    # 诉求四率 (``services.reads.rates``): a township's own counts are its inbox's
    for org_id, counts in four_rates.by_org(session, lo, hi).items():
        target_r: BranchSummary | None = branches.get(org_id) or townships.get(org_id)
        if target_r is not None:
            target_r.rates = counts

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
        t.exempt += b.exempt
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
        t.rates.add(b.rates)
    for t in townships.values():
        t.branches.sort(
            key=lambda b: (-(b.completion if b.completion is not None else -1), -b.logs, b.name)
        )
