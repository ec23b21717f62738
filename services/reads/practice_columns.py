"""The year-end workbook's columns of the practices (``services.practices.coverage``): each
branch's average monthly 走访覆盖率, its visit records of the year and the average 到会率 of its
party days. The total row: visits summed, the two averages over the branches that have one.
Each branch sheet also gets a 三评 section: per member the year's averages (0–100) of the monthly
branch score, the residents' survey and the mutual evaluation, and their monthly coverage."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from models import Member
from services.evaluation import standings
from services.practices import coverage, survey
from services.reads import sheets
from services.reads.sheets import Percent

HEADERS = ["月均走访覆盖率", "走访记录", "主题党日平均到会率"]
SECTION = "六、三评与联户走访"
SECTION_HEADERS = [
    "党员",
    "支部月评均分",
    "群众测评均分",
    "党员互评均分",
    "联系户",
    "月均走访覆盖率",
]


@dataclass
class Year:
    coverage: coverage.BranchYear
    branch_score: dict[int, float] = field(default_factory=dict)
    survey: dict[int, float] = field(default_factory=dict)
    mutual: dict[int, float] = field(default_factory=dict)

    @property
    def average_coverage(self) -> int | None:
        return self.coverage.average_coverage

    @property
    def average_attendance(self) -> int | None:
        return self.coverage.average_attendance

    @property
    def visits(self) -> int:
        return self.coverage.visits


def fill(session: Session, data: Sequence[Any], year: int, on: date) -> None:
    figures = coverage.yearly(session, year, [b.branch.id for b in data], on)
    ids = [m.id for b in data for m in b.members]
    monthly, residents = survey.averages(session, ids, year)
    mutual = standings.mutual_averages(session, ids, year)
    for b in data:
        b.practices = Year(
            figures.get(b.branch.id) or coverage.BranchYear(b.branch.id), monthly, residents, mutual
        )


def _score(value: float | None) -> object:
    return None if value is None else round(value)


def write_section(ws: Any, members: Sequence[Member], y: Year | None, section: Any) -> None:
    """The branch sheet's 三评 section (``section`` writes the title, as the other sections)."""
    if y is None:
        return
    section(ws, SECTION)
    sheets.append(ws, SECTION_HEADERS)
    for m in members:
        cov = y.coverage.members.get(m.id)
        sheets.append(
            ws,
            [
                m.name,
                _score(y.branch_score.get(m.id)),
                _score(y.survey.get(m.id)),
                _score(y.mutual.get(m.id)),
                cov.linked if cov else 0,
                _pct(cov.average) if cov else None,
            ],
        )


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
