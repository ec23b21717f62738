"""The township overview: its branches ranked by the progress of their public commitments, then
residents' satisfaction, with the month's red and yellow flags. Flags belong to branches (the
top ``red_count`` get a red one, those below ``yellow_below`` percent a yellow one); members get
no coloured flags on public boards."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import String, func, select, type_coerce
from sqlalchemy.orm import Session

from models import Commitment, FulfilmentLog, Member, Organisation, OrgKind
from services import evaluation, progress, progress_sql, visibility
from services.commitments import cycle
from services.progress_sql import core

from .items import DONE_STATES
from .lookup import township_above


@dataclass
class BranchStat:
    org: Organisation
    members: int
    commitments: int
    completed: int
    completion: int  # mean progress percent of public commitments
    month_logs: int  # public logs this month
    satisfaction: evaluation.Satisfaction
    rank: int = 0
    flag: str = ""  # red | yellow | ""

    @property
    def satisfaction_percent(self) -> int | None:
        return self.satisfaction.percent


def branch_stats(
    session: Session, township: Organisation, on: date, *, red_count: int, yellow_below: int
) -> list[BranchStat]:
    """Branches under ``township`` ranked by completion, then satisfaction; the top
    ``red_count`` with any commitment get a red flag, those below ``yellow_below`` percent a
    yellow one (flags for the month of ``on``). Only public commitments and logs count."""
    branches = list(
        session.scalars(
            select(Organisation)
            .where(
                Organisation.kind == OrgKind.BRANCH.value,
                Organisation.path.startswith(township.path),
            )
            .order_by(Organisation.sort_order, Organisation.id)
        )
    )
    ids = [b.id for b in branches]
    members: dict[int, int] = dict(
        session.execute(  # type: ignore[arg-type]
            select(Member.org_id, func.count(Member.id))
            .where(Member.org_id.in_(ids), Member.active.is_(True), Member.exempt.is_(False))
            .group_by(Member.org_id)
        ).all()
    )
    public = (
        Commitment.org_id.in_(ids),
        *visibility.public_commitment(),
        cycle.current(session),  # a closed year is off the township's board too
    )
    org_of: dict[int, int] = {}
    targets: dict[int, progress.Target] = {}
    parse_day = progress.DayParser()
    for cid, org_id, kind, qty, start, end, freq in core(session).execute(
        select(
            Commitment.id,
            Commitment.org_id,
            Commitment.target_kind,
            Commitment.target_quantity,
            type_coerce(Commitment.start_date, String),
            type_coerce(Commitment.end_date, String),
            Commitment.frequency,
        ).where(*public)
    ):
        org_of[cid] = org_id
        targets[cid] = progress.Target(kind, qty, parse_day(start), parse_day(end), freq)
    # percent and state by one aggregate query (``services.progress_sql``)
    by_branch: dict[int, list[tuple[int, progress.State]]] = defaultdict(list)
    for cid, standing in progress_sql.standings_at(session, targets, on, *public).items():
        by_branch[org_of[cid]].append(standing)
    month_start = on.replace(day=1)
    month_logs: dict[int, int] = dict(
        session.execute(  # type: ignore[arg-type]
            select(Commitment.org_id, func.count(FulfilmentLog.id))
            .join(Commitment, Commitment.id == FulfilmentLog.commitment_id)
            .where(
                Commitment.org_id.in_(ids),
                *visibility.public_log(),
                FulfilmentLog.happened_on >= month_start,
                FulfilmentLog.happened_on <= on,
            )
            .group_by(Commitment.org_id)
        ).all()
    )
    sat = evaluation.satisfaction_by_branch(session, township, on.year)
    stats = []
    for b in branches:
        ps = by_branch.get(b.id, [])
        stats.append(
            BranchStat(
                org=b,
                members=int(members.get(b.id, 0)),
                commitments=len(ps),
                completed=sum(1 for _percent, state in ps if state in DONE_STATES),
                completion=sum(percent for percent, _state in ps) // len(ps) if ps else 0,
                month_logs=int(month_logs.get(b.id, 0)),
                satisfaction=sat.get(b.id, evaluation.EMPTY),
            )
        )
    stats.sort(
        key=lambda s: (
            -s.completion,
            -(s.satisfaction.rate or 0),
            -s.month_logs,
            s.org.sort_order,
            s.org.id,
        )
    )
    for i, s in enumerate(stats, start=1):
        s.rank = i
        if s.commitments and i <= red_count:
            s.flag = "red"
        elif s.commitments == 0 or s.completion < yellow_below:
            s.flag = "yellow"
    return stats


@dataclass(frozen=True)
class Flagged:
    """A branch's place in its township's ranking, as boards and screens show it: plain values
    (a channel may keep the ranking for a short while, e.g. in Redis)."""

    org_id: int
    name: str
    flag: str  # red, yellow or ""


def flag_ranking(
    session: Session, township: Organisation, on: date, *, red_count: int, yellow_below: int
) -> list[Flagged]:
    """The township's branches in their overview's order, each with its flag this month."""
    stats = branch_stats(session, township, on, red_count=red_count, yellow_below=yellow_below)
    return [Flagged(s.org.id, s.org.name, s.flag) for s in stats]


def flags_of(ranking: Sequence[Flagged]) -> dict[int, str]:
    return {f.org_id: f.flag for f in ranking}


def branch_flag(
    session: Session, branch: Organisation, on: date, *, red_count: int, yellow_below: int
) -> str:
    """The branch's flag this month (``red``, ``yellow`` or ``""``), as on its township's overview."""
    township = township_above(session, branch)
    if township is None:
        return ""
    ranking = flag_ranking(session, township, on, red_count=red_count, yellow_below=yellow_below)
    return flags_of(ranking).get(branch.id, "")
