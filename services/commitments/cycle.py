"""年初承诺、年内践诺、年终评诺: which cycle years are closed (``flask cycle close``).

The current wall, board and bot list show the commitments of the years not yet closed; a
closed year's commitments stay, frozen, under 往年 (``services.reads.year_records``)."""

from __future__ import annotations

from sqlalchemy import ColumnElement, func, or_, select, true
from sqlalchemy.orm import Session

from models import Commitment, CycleClose


def last_closed_year(session: Session) -> int | None:
    return session.scalar(select(func.max(CycleClose.year)))


def closed_years(session: Session) -> list[int]:
    return list(session.scalars(select(CycleClose.year).order_by(CycleClose.year.desc())))


def is_closed(session: Session, year: int) -> bool:
    return session.get(CycleClose, year) is not None


def current(session: Session) -> ColumnElement[bool]:
    """Commitments of the current cycle: every year after the last closed one."""
    last = last_closed_year(session)
    return true() if last is None else Commitment.cycle_year > last


def current_sql() -> ColumnElement[bool]:
    """``current`` as one SQL condition, the last closed year read inside it (no lookup
    first): for a query that must not cost a statement more."""
    last = select(func.max(CycleClose.year)).scalar_subquery()
    return or_(last.is_(None), Commitment.cycle_year > last)
