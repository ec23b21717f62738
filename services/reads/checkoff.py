"""半年销号: the half-year check-off. One formula and one setting for every channel.

A branch's completion is the summaries' completion rate at the end of the half (the mean progress
of its published commitments that had started by then); completed commitments are 销号;
a branch whose completion is below ``scheduler.checkoff_threshold`` is named as slow (进度滞后).
The scheduler's group push and ``flask report half-year`` both read :func:`half_year`.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from models import Organisation
from services.errors import ValidationError
from services.reads import summaries
from services.reads.periods import Period


@dataclass(frozen=True)
class CheckoffRow:
    org_id: int
    branch: str
    code: str
    commitments: int
    completed: int
    completion: int | None
    slow: bool


@dataclass(frozen=True)
class Checkoff:
    township: str
    code: str
    period: Period
    threshold: int
    completion: int | None
    rows: list[CheckoffRow]

    @property
    def slow(self) -> list[CheckoffRow]:
        return [r for r in self.rows if r.slow]


def is_slow(completion: int | None, threshold: int) -> bool:
    """Below the line, or nothing measurable at all."""
    return (completion or 0) < threshold


def half_year(session: Session, township: Organisation, period: Period, threshold: int) -> Checkoff:
    """The check-off of ``township`` for ``period`` (a half year, ``summaries.half_year``)."""
    figures = summaries.compute(session, period)
    t = figures.townships.get(township.id)
    if t is None:
        raise ValidationError("org", "半年销号只能按乡镇（街道）统计，请选择乡镇")
    rows = [
        CheckoffRow(
            b.org_id,
            b.name,
            b.code,
            b.percent_n,
            b.completed,
            b.completion,
            is_slow(b.completion, threshold),
        )
        for b in t.branches
    ]
    return Checkoff(t.name, t.code, period, threshold, t.completion, rows)
