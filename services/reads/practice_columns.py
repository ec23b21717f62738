"""The year-end workbook's columns of the practices (``services.practices.coverage``): each
branch's average monthly 走访覆盖率, its visit records of the year and the average 到会率 of its
party days. The total row: visits summed, the two averages over the branches that have one."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, Protocol

from sqlalchemy.orm import Session

from models import Organisation
from services.practices import coverage
from services.reads.sheets import Percent

HEADERS = ["月均走访覆盖率", "走访记录", "主题党日平均到会率"]
Year = coverage.BranchYear


class _HasBranch(Protocol):
    branch: Organisation
    practices: Year | None


def fill(session: Session, data: Sequence[Any], year: int, on: date) -> None:
    figures = coverage.yearly(session, year, [b.branch.id for b in data], on)
    for b in data:
        b.practices = figures.get(b.branch.id)


def _pct(value: int | None) -> Percent | None:
    return None if value is None else Percent(value / 100)


def cells(y: Year | None) -> list[object]:
    if y is None:
        return [None, 0, None]
    return [_pct(y.average_coverage), y.visits, _pct(y.average_attendance)]


def _mean(values: list[int]) -> int | None:
    return round(sum(values) / len(values)) if values else None


def total_cells(years: Sequence[Year | None]) -> list[object]:
    have = [y for y in years if y is not None]
    cov = [v for y in have if (v := y.average_coverage) is not None]
    att = [v for y in have if (v := y.average_attendance) is not None]
    return [_pct(_mean(cov)), sum(y.visits for y in have), _pct(_mean(att))]
