"""The facts on a branch's monthly poster (issue 21): the month's figures from the same
``summaries.compute`` as the group summary, the board's rows (``wall.branch_view``, lagging
first as on the big screen), the branch's flag that month, and who receives it (the branch
secretaries with an official-account openid). The drawing lives in ``scheduler/posters.py``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from infra.clock import local_date
from models import Account, Organisation, Role
from services.actors import holders

from .lookup import branch_of
from .overview import branch_flag
from .periods import Period, month
from .screen import ScreenRow
from .summaries import BranchSummary, compute
from .wall import branch_view


@dataclass
class PosterFacts:
    branch: Organisation
    period: Period
    summary: BranchSummary
    rows: list[ScreenRow]  # the board, lagging first
    flag: str  # red | yellow | ""
    on: date  # the board as of this day (the period's end, or today if earlier)


def poster_facts(
    session: Session, org: Organisation, period_code: str, *, red_count: int, yellow_below: int
) -> PosterFacts:
    branch = branch_of(session, org)
    period = month(period_code)
    summary = compute(session, period, [branch.id]).branches[branch.id]
    on = min(period.end, local_date())
    view = branch_view(session, branch, on)
    rows = sorted(
        (ScreenRow.of(r, branch.name) for r in view.member_rows), key=lambda r: r.rank_key
    )
    flag = branch_flag(session, branch, on, red_count=red_count, yellow_below=yellow_below)
    return PosterFacts(branch, period, summary, rows, flag, on)


def secretaries(session: Session, branch: Organisation) -> list[Account]:
    """The branch secretaries' accounts that can receive official-account messages."""
    ids = holders(session, Role.SECRETARY.value, branch.id)
    if not ids:
        return []
    return list(session.scalars(select(Account).where(Account.id.in_(ids)).order_by(Account.id)))
