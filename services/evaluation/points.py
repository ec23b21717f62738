"""先锋指数: a points ledger per member, fed only by verified events.

Rules and their points come from configuration (``points.rules``). An entry exists at most
once per (member, rule, source) — the table has that unique constraint — so every
``award_*`` function and :func:`sync` can run again and again without double counting.

Events and what makes them verified:

- ``verified_log``: a fulfilment log with ``verified_at`` set (the branch verified it with
  ``fulfilment.verify_log``, or the resident served signed it off 满意 / 基本满意,
  ``evaluation.confirm_log``; a 不满意 rating is no verification and earns nothing);
- ``commitment_completed``: a member's commitment whose target is reached by *verified* logs;
- ``request_rated_satisfied``: a request the member handled, resolved, rated 满意 by the
  resident who raised it;
- ``period_missed`` (negative): a period of a periodic commitment that ended with less than the
  target logged. Absence of any log is itself the fact, so any log counts here.

The index of a member is the sum of their ledger; rankings are sums over a subtree.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from infra.clock import local_date, local_tz, now_utc
from models import (
    Commitment,
    CommitmentStatus,
    FulfilmentLog,
    Member,
    Organisation,
    OwnerKind,
    PointsEntry,
    Rating,
    Request,
    RequestStatus,
    TargetKind,
)
from services import progress

VERIFIED_LOG = "verified_log"
COMMITMENT_COMPLETED = "commitment_completed"
REQUEST_RATED_SATISFIED = "request_rated_satisfied"
PERIOD_MISSED = "period_missed"

RULE_LABELS = {
    VERIFIED_LOG: "践诺记录经核实",
    COMMITMENT_COMPLETED: "承诺按期完成",
    REQUEST_RATED_SATISFIED: "办理诉求群众满意",
    PERIOD_MISSED: "承诺周期未完成",
}


def _end_of_local_day(day: date) -> datetime:
    return datetime.combine(day, time(23, 59), tzinfo=local_tz()).astimezone(UTC)


Key = tuple[int, str, str, int]  # (member, rule, source type, source id): one ledger line


def _existing(
    session: Session, member_id: int, rule: str, source_type: str, source_id: int
) -> PointsEntry | None:
    return session.scalar(
        select(PointsEntry).where(
            PointsEntry.member_id == member_id,
            PointsEntry.rule == rule,
            PointsEntry.source_type == source_type,
            PointsEntry.source_id == source_id,
        )
    )


def _add(
    session: Session,
    rules: Mapping[str, int],
    member_id: int,
    rule: str,
    source_type: str,
    source_id: int,
    reason: str,
    occurred_at: datetime,
    known: set[Key] | None = None,
) -> PointsEntry | None:
    """Insert one ledger line unless it exists or the rule is switched off (absent or 0).

    ``known`` (from ``sync``) holds the keys already in the ledger: no query per line, and
    the caller flushes once; without it the line is looked up and flushed at once.
    """
    points = int(rules.get(rule, 0))
    if not points:
        return None
    key = (member_id, rule, source_type, source_id)
    if known is not None:
        if key in known:
            return None
        known.add(key)
    else:
        found = _existing(session, member_id, rule, source_type, source_id)
        if found is not None:
            return found
    entry = PointsEntry(
        member_id=member_id,
        points=points,
        rule=rule,
        reason=reason[:200],
        source_type=source_type,
        source_id=source_id,
        occurred_at=occurred_at,
        created_at=now_utc(),
    )
    session.add(entry)
    if known is None:
        session.flush()
    return entry


# -- awards for single events -------------------------------------------------------------


def award_verified_log(
    session: Session, rules: Mapping[str, int], log: FulfilmentLog, known: set[Key] | None = None
) -> PointsEntry | None:
    if log.verified_at is None or log.member_id is None:
        return None
    c = session.get_one(Commitment, log.commitment_id)
    return _add(
        session,
        rules,
        log.member_id,
        VERIFIED_LOG,
        "log",
        log.id,
        f"{RULE_LABELS[VERIFIED_LOG]}：{c.title}（{log.happened_on.isoformat()}，{log.quantity}{c.unit}）",
        log.verified_at,
        known,
    )


def verified_progress(session: Session, c: Commitment, on: date) -> progress.Progress:
    """Progress counting only verified logs (what points may be based on)."""
    verified = progress.daily_sums(session, [c.id], verified_only=True).get(c.id, [])
    return progress.compute(progress.Target.of(c), verified, on)


def award_commitment_completed(
    session: Session,
    rules: Mapping[str, int],
    c: Commitment,
    on: date | None = None,
    known: set[Key] | None = None,
    verified: Sequence[tuple[date, int]] | None = None,
) -> PointsEntry | None:
    if c.owner_kind != OwnerKind.MEMBER.value or c.member_id is None:
        return None
    if c.status != CommitmentStatus.PUBLISHED.value:
        return None
    on = on or local_date()
    if verified is None:
        p = verified_progress(session, c, on)
    else:
        p = progress.compute(progress.Target.of(c), verified, on)
    if p.state != progress.State.COMPLETED:
        return None
    when = p.completed_on or min(on, c.end_date)
    return _add(
        session,
        rules,
        c.member_id,
        COMMITMENT_COMPLETED,
        "commitment",
        c.id,
        f"{RULE_LABELS[COMMITMENT_COMPLETED]}：{c.title}",
        _end_of_local_day(when),
        known,
    )


def award_request_rated(
    session: Session, rules: Mapping[str, int], req: Request, known: set[Key] | None = None
) -> PointsEntry | None:
    if req.rating != Rating.SATISFIED.value or req.assignee_member_id is None:
        return None
    if req.status not in (RequestStatus.RESOLVED.value, RequestStatus.CONFIRMED.value):
        return None
    return _add(
        session,
        rules,
        req.assignee_member_id,
        REQUEST_RATED_SATISFIED,
        "request",
        req.id,
        f"{RULE_LABELS[REQUEST_RATED_SATISFIED]}：诉求 {req.number}",
        req.rated_at or now_utc(),
        known,
    )


def missed_periods(
    c: Commitment, sums: Sequence[tuple[date, int]], on: date
) -> list[tuple[date, date]]:
    """Ended periods of a periodic commitment with less than the target logged."""
    if c.target_kind != TargetKind.PERIODIC.value or not c.frequency:
        return []
    totals: dict[date, int] = defaultdict(int)
    for day, qty in sums:
        totals[progress.period_start(day, c.frequency)] += qty
    out = []
    for p_start, p_end in progress.periods(c.start_date, min(c.end_date, on), c.frequency):
        full_end = progress.period_end(p_start, c.frequency)
        if min(full_end, c.end_date) >= on:
            continue  # the period has not ended yet
        if totals.get(progress.period_start(p_start, c.frequency), 0) < c.target_quantity:
            out.append((p_start, p_end))
    return out


def award_period_missed(
    session: Session,
    rules: Mapping[str, int],
    c: Commitment,
    period: tuple[date, date],
    known: set[Key] | None = None,
) -> PointsEntry | None:
    if c.member_id is None or c.owner_kind != OwnerKind.MEMBER.value:
        return None
    start, end = period
    return _add(
        session,
        rules,
        c.member_id,
        PERIOD_MISSED,
        "period:" + end.strftime("%Y%m%d"),
        c.id,
        f"{RULE_LABELS[PERIOD_MISSED]}：{c.title}（{start.isoformat()} 至 {end.isoformat()}）",
        _end_of_local_day(end),
        known,
    )


# -- sync ---------------------------------------------------------------------------------


def _member_ids_under(org: Organisation | None) -> object:
    q = select(Member.id)
    if org is not None:
        q = q.join(Organisation, Organisation.id == Member.org_id).where(
            Organisation.path.startswith(org.path)
        )
    return q


def sync(
    session: Session,
    rules: Mapping[str, int],
    on: date | None = None,
    org: Organisation | None = None,
) -> int:
    """Create every ledger entry the verified events up to ``on`` call for; returns how many
    are new. Safe to run any number of times (it never creates an entry twice).

    A fixed number of queries however many members and events: the existing ledger keys,
    the commitments, the verified and all daily sums are each read once.
    """
    on = on or local_date()
    members = _member_ids_under(org)
    known: set[Key] = {
        (int(m), str(r), str(t), int(i))
        for m, r, t, i in session.execute(
            select(
                PointsEntry.member_id,
                PointsEntry.rule,
                PointsEntry.source_type,
                PointsEntry.source_id,
            ).where(PointsEntry.member_id.in_(members))  # type: ignore[arg-type]
        )
    }
    before = len(known)
    # Held in a local list so that award_verified_log's session.get finds them loaded.
    commitments = list(
        session.scalars(
            select(Commitment)
            .where(Commitment.member_id.in_(members))  # type: ignore[arg-type]
            .order_by(Commitment.id)
        )
    )
    logs = session.scalars(
        select(FulfilmentLog)
        .where(
            FulfilmentLog.verified_at.is_not(None),
            FulfilmentLog.member_id.in_(members),  # type: ignore[arg-type]
        )
        .order_by(FulfilmentLog.id)
    )
    for log in logs:
        award_verified_log(session, rules, log, known)
    published = [
        c
        for c in commitments
        if c.owner_kind == OwnerKind.MEMBER.value and c.status == CommitmentStatus.PUBLISHED.value
    ]
    ids = [c.id for c in published]
    all_sums = progress.daily_sums(session, ids)
    verified_sums = progress.daily_sums(session, ids, verified_only=True)
    for c in published:
        award_commitment_completed(
            session, rules, c, on, known, verified=verified_sums.get(c.id, [])
        )
        for period in missed_periods(c, all_sums.get(c.id, []), on):
            award_period_missed(session, rules, c, period, known)
    reqs = session.scalars(
        select(Request)
        .where(
            Request.rating == Rating.SATISFIED.value,
            Request.assignee_member_id.in_(members),  # type: ignore[arg-type]
        )
        .order_by(Request.id)
    )
    for req in reqs:
        award_request_rated(session, rules, req, known)
    session.flush()
    return len(known) - before


# -- reading ------------------------------------------------------------------------------


def year_bounds(year: int) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    start = datetime(year, 1, 1, tzinfo=local_tz()).astimezone(UTC)
    end = datetime(year + 1, 1, 1, tzinfo=local_tz()).astimezone(UTC)
    return PointsEntry.occurred_at >= start, PointsEntry.occurred_at < end


def index_of(session: Session, member_id: int, year: int | None = None) -> int:
    q = select(func.coalesce(func.sum(PointsEntry.points), 0)).where(
        PointsEntry.member_id == member_id
    )
    if year is not None:
        q = q.where(*year_bounds(year))
    return int(session.scalar(q) or 0)
