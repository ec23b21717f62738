"""The big screen (大屏) of a branch or of the township in the 党群服务中心: every member's board
row, lagging and overdue first, with this month's public logs per member, the month's red and
yellow flags of the township's branches and the year's four request rates (``services.reads.rates``).

Built from the same public reads as the board (its lean lines, ``board.lines_query``, the wall's
member rows and figures, ``overview.flag_ranking``), so the screen never shows what the board
would not; a township's screen reads all its branches' members in two statements.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import Commitment, FulfilmentLog, Member, Organisation, OrgKind
from services import privacy, progress_sql, visibility
from services.progress import Progress
from services.progress_sql import core

from . import board, rates, wall
from .items import public_logs_query
from .lookup import township_above
from .overview import Flagged, flag_ranking, flags_of
from .periods import month
from .wall import Row, fulfilled, mean_percent, next_due_of, worst_bar

# Lagging first: the worst state of a row decides its place, then its progress (lowest first).
SORT_ORDER = {"overdue": 0, "behind": 1, "on_track": 2, "none": 3, "completed": 4}
LATEST_LOGS = 5


@dataclass
class ScreenRow:
    """One member on the screen (and on the month's poster): who, and their current public
    commitments' progress; the figures are the wall's (``wall.mean_percent`` …)."""

    name: str
    public_code: str | None
    photo_key: str | None
    subtitle: str
    group: str
    exempt: bool
    exempt_reason: str
    progresses: tuple[Progress, ...]
    branch: str  # the branch's name (the township's screen shows members of every branch)
    month_logs: int = 0  # public logs dated this month

    @classmethod
    def of(cls, row: Row, branch: str, progresses: Sequence[Progress] | None = None) -> ScreenRow:
        """A wall row's member; ``progresses``: theirs, when the row carries no items."""
        if progresses is None:
            progresses = [i.progress for i in row.items]
        return cls(
            row.name,
            row.public_code,
            row.photo_key,
            row.subtitle,
            row.group,
            row.exempt,
            row.exempt_reason,
            tuple(progresses),
            branch,
        )

    @property
    def commitments(self) -> int:
        return len(self.progresses)

    @property
    def percent(self) -> int:
        return mean_percent(self.progresses)

    @property
    def bar(self) -> str:
        return worst_bar(self.progresses)

    @property
    def flags(self) -> int:
        return fulfilled(self.progresses)

    @property
    def next_due(self) -> str:
        due = next_due_of(self.progresses)
        return due.isoformat() if due else ""

    @property
    def rank_key(self) -> tuple[int, int, int]:
        exempt = 1 if self.exempt else 0
        return (exempt, SORT_ORDER[self.bar], self.percent)


@dataclass
class LatestLog:
    day: str
    name: str
    title: str
    quantity: int
    unit: str


@dataclass
class ScreenView:
    org: Organisation
    township: Organisation | None
    on: date
    month_label: str
    rows: list[ScreenRow]
    red: list[str] = field(default_factory=list)  # this month's 红旗 branches
    yellow: list[str] = field(default_factory=list)  # this month's 黄旗 branches
    flag: str = ""  # the branch's own flag (a branch's screen)
    rates: rates.Counts = field(default_factory=rates.Counts)  # this year, the screen's scope
    latest: list[LatestLog] = field(default_factory=list)

    @property
    def overdue(self) -> int:
        return sum(1 for r in self.rows if r.bar == "overdue")


def _branches(session: Session, org: Organisation) -> list[Organisation]:
    if org.kind not in (OrgKind.TOWNSHIP.value, OrgKind.DISTRICT.value):
        return [org]
    return list(
        session.scalars(
            select(Organisation)
            .where(
                Organisation.kind == OrgKind.BRANCH.value,
                Organisation.path.startswith(org.path),
                Organisation.closed_at.is_(None),
            )
            .order_by(Organisation.sort_order, Organisation.id)
        )
    )


def screen_view(
    session: Session,
    org: Organisation,
    on: date,
    *,
    red_count: int,
    yellow_below: int,
    ranking_of: Callable[[Organisation], Sequence[Flagged]] | None = None,
) -> ScreenView:
    """The screen of ``org`` (a branch, or a township: the members of all its branches);
    ``ranking_of``: a township's ``overview.flag_ranking`` as the caller keeps it."""
    township = township_above(session, org)
    period = month(f"{on.year}-{on.month}")
    rows = _rows(session, _branches(session, org), on)
    codes = {r.public_code: r for r in rows if r.public_code}
    counts = _month_logs(session, list(codes), period.start, on)
    for code, r in codes.items():
        r.month_logs = counts.get(code, 0)
    rows.sort(key=lambda r: r.rank_key)
    out = ScreenView(org, township, on, period.label, rows)
    if township is not None:
        ranking = (
            ranking_of(township)
            if ranking_of is not None
            else flag_ranking(session, township, on, red_count=red_count, yellow_below=yellow_below)
        )
        out.red = [f.name for f in ranking if f.flag == "red"]
        out.yellow = [f.name for f in ranking if f.flag == "yellow"]
        out.flag = flags_of(ranking).get(org.id, "")
    out.rates = year_rates(session, org, on.year)
    out.latest = _latest(session, [r.public_code for r in rows if r.public_code])
    return out


def _rows(session: Session, branches: list[Organisation], on: date) -> list[ScreenRow]:
    """Every active member of ``branches`` in the wall's order, branch by branch, with their
    current public commitments' progress: two statements for a township's hundred branches
    (the board's lean read, ``board.lines_query``), not the wall's read of each branch."""
    if not branches:
        return []
    ids = [b.id for b in branches]
    conn = core(session)
    lines = conn.execute(
        board.lines_query(Commitment.org_id.in_(ids)), progress_sql.tally_on_params(on)
    )
    by_member = board.progress_by_member(lines, on)
    place = {b.id: i for i, b in enumerate(branches)}
    name = {b.id: b.name for b in branches}
    members = sorted(  # stable: within a branch, the statement's (the wall's) order
        conn.execute(wall.members_in_query(ids)), key=lambda m: place[m.org_id]
    )
    return [
        ScreenRow.of(wall.member_row(m), name[m.org_id], by_member.get(m.id, ())) for m in members
    ]


def year_rates(session: Session, org: Organisation, year: int) -> rates.Counts:
    """The four rates of ``org`` and everything below it over ``year`` (the board, the screen)."""
    scope = session.scalars(select(Organisation).where(Organisation.path.startswith(org.path)))
    return rates.total(rates.for_year(session, year, within=org), list(scope), org)


def _month_logs(session: Session, codes: list[str], start: date, on: date) -> dict[str, int]:
    if not codes:
        return {}
    found = session.execute(
        select(Member.public_code, func.count(FulfilmentLog.id))
        .join(FulfilmentLog, FulfilmentLog.member_id == Member.id)
        .join(Commitment, Commitment.id == FulfilmentLog.commitment_id)
        .where(
            Member.public_code.in_(codes),
            *visibility.public_log(),
            FulfilmentLog.happened_on >= start,
            FulfilmentLog.happened_on <= on,
        )
        .group_by(Member.public_code)
    ).all()
    return {str(code): int(n) for code, n in found}


def _latest(session: Session, codes: list[str]) -> list[LatestLog]:
    """The newest public logs of the screen's members (the ticker in its corner)."""
    if not codes:
        return []
    ids = select(Member.id).where(Member.public_code.in_(codes))
    entries = session.scalars(
        public_logs_query(FulfilmentLog.member_id.in_(ids)).limit(LATEST_LOGS)
    ).all()
    names: dict[int, str] = dict(
        session.execute(  # type: ignore[arg-type]
            select(Member.id, Member.name).where(
                Member.id.in_({e.member_id for e in entries if e.member_id})
            )
        ).all()
    )
    return [
        LatestLog(
            e.happened_on.isoformat(),
            str(names.get(e.member_id or 0, "")),
            privacy.scrub(e.commitment.title),
            e.quantity,
            e.commitment.unit,
        )
        for e in entries
    ]
