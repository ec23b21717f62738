"""Progress of a commitment at any date, computed from its logs.

- count: the sum of logged quantities against the target, within the validity period;
- periodic: the share of elapsed periods with at least the target quantity logged; the
  current period is not counted as missed until it has ended (but counts once it is met);
- deadline: done once the target quantity is reached, overdue after ``end_date`` until then.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from functools import lru_cache
from typing import Any

from sqlalchemy import String, bindparam, func, select, type_coerce
from sqlalchemy.orm import Session

from models import Commitment, FulfilmentLog


class State(StrEnum):
    """Where a commitment stands at a date (compares equal to its string value)."""

    NOT_STARTED = "not_started"
    ON_TRACK = "on_track"
    BEHIND = "behind"
    OVERDUE = "overdue"
    COMPLETED = "completed"
    COMPLETED_LATE = "completed_late"


STATE_LABELS = {
    State.NOT_STARTED: "未开始",
    State.ON_TRACK: "正常推进",
    State.BEHIND: "进度落后",
    State.OVERDUE: "已逾期",
    State.COMPLETED: "已完成",
    State.COMPLETED_LATE: "逾期完成",
}


@dataclass(frozen=True)
class Progress:
    percent: int
    state: State
    done: int  # quantity logged (count/deadline) or periods met (periodic)
    target: int  # target quantity (count/deadline) or periods counted so far (periodic)
    total_periods: int  # periodic only: periods in the whole validity period
    next_due: date | None
    completed_on: date | None

    @property
    def label(self) -> str:
        return STATE_LABELS[self.state]

    def as_dict(self) -> dict[str, object]:
        return {
            "percent": self.percent,
            "state": self.state,
            "label": self.label,
            "done": self.done,
            "target": self.target,
            "total_periods": self.total_periods,
            "next_due": self.next_due.isoformat() if self.next_due else None,
            "completed_on": self.completed_on.isoformat() if self.completed_on else None,
        }


@dataclass(frozen=True)
class Target:
    """The parts of a commitment that progress depends on (a plain value, easy to test)."""

    kind: str
    quantity: int
    start: date
    end: date
    frequency: str | None = None

    @classmethod
    def of(cls, c: Commitment) -> Target:
        return cls(c.target_kind, c.target_quantity, c.start_date, c.end_date, c.frequency)


# -- calendar periods -------------------------------------------------------------------


# Months in a period that spans whole months; fortnights count from a fixed Monday.
MONTHS = {"monthly": 1, "bimonthly": 2, "quarterly": 3, "halfyearly": 6, "yearly": 12}
FORTNIGHT_EPOCH = date(2001, 1, 1)  # a Monday


@lru_cache(maxsize=65536)
def period_start(day: date, frequency: str) -> date:
    if frequency == "daily":
        return day
    if frequency == "weekly":
        return day - timedelta(days=day.weekday())
    if frequency == "biweekly":
        return day - timedelta(days=(day - FORTNIGHT_EPOCH).days % 14)
    if frequency == "halfmonth":
        return day.replace(day=1 if day.day <= 15 else 16)
    months = MONTHS.get(frequency)
    if months is None:
        raise ValueError(f"unknown frequency {frequency!r}")
    return date(day.year, months * ((day.month - 1) // months) + 1, 1)


@lru_cache(maxsize=65536)
def period_end(day: date, frequency: str) -> date:
    """Last day of the calendar period containing ``day``."""
    start = period_start(day, frequency)
    if frequency == "daily":
        return start
    if frequency == "weekly":
        return start + timedelta(days=6)
    if frequency == "biweekly":
        return start + timedelta(days=13)
    if frequency == "halfmonth" and start.day == 1:
        return start.replace(day=15)
    months = MONTHS.get(frequency, 1)
    month0 = start.month - 1 + months
    return date(start.year + month0 // 12, month0 % 12 + 1, 1) - timedelta(days=1)


def periods(start: date, end: date, frequency: str) -> list[tuple[date, date]]:
    """Calendar periods overlapping [start, end], clipped to it."""
    return list(_periods(start, end, frequency))


@lru_cache(maxsize=4096)
def _periods(start: date, end: date, frequency: str) -> tuple[tuple[date, date], ...]:
    # Commitments mostly share a calendar (a year, monthly): computed once per shape.
    out: list[tuple[date, date]] = []
    cursor = start
    while cursor <= end:
        stop = min(period_end(cursor, frequency), end)
        out.append((cursor, stop))
        cursor = stop + timedelta(days=1)
    return tuple(out)


# -- progress ---------------------------------------------------------------------------


def compute(target: Target, logs: Iterable[tuple[date, int]], on: date) -> Progress:
    """Progress of ``target`` as it stands at the end of day ``on``."""
    dated = sorted((d, q) for d, q in logs if target.start <= d <= on)
    if on < target.start:
        total = len(_periods(target.start, target.end, target.frequency)) if target.frequency else 0
        return Progress(
            0,
            State.NOT_STARTED,
            0,
            0 if target.frequency else target.quantity,
            total,
            target.start,
            None,
        )
    if target.kind == "periodic" and target.frequency:
        return _periodic(target, dated, on)
    return _cumulative(target, dated, on)


def _cumulative(target: Target, dated: Sequence[tuple[date, int]], on: date) -> Progress:
    done = 0
    completed_on: date | None = None
    for day, qty in dated:
        done += qty
        if completed_on is None and done >= target.quantity:
            completed_on = day
    percent = min(100, done * 100 // target.quantity) if target.quantity else 100
    if completed_on is not None:
        state = State.COMPLETED if completed_on <= target.end else State.COMPLETED_LATE
        return Progress(100, state, done, target.quantity, 0, None, completed_on)
    if on > target.end:
        return Progress(percent, State.OVERDUE, done, target.quantity, 0, target.end, None)
    state = State.ON_TRACK
    if target.kind == "count":
        # Behind when clearly below the share of time elapsed (one day of slack a week).
        span = (target.end - target.start).days + 1
        elapsed = (on - target.start).days + 1
        expected = target.quantity * max(0, elapsed - span // 52) / span
        if done < expected and done < target.quantity:
            state = State.BEHIND
    return Progress(percent, state, done, target.quantity, 0, target.end, None)


def _periodic(target: Target, dated: Sequence[tuple[date, int]], on: date) -> Progress:
    assert target.frequency
    all_periods = _periods(target.start, target.end, target.frequency)
    sums: dict[date, int] = defaultdict(int)
    for day, qty in dated:
        sums[period_start(day, target.frequency)] += qty
    met = counted = 0
    missed_any = False
    next_due: date | None = None
    for p_start, p_end in all_periods:
        if p_start > on:  # future periods are neither met nor missed
            if next_due is None:
                next_due = p_end
            break
        is_met = sums.get(period_start(p_start, target.frequency), 0) >= target.quantity
        if p_end < on or is_met:
            counted += 1
            met += is_met
            missed_any = missed_any or not is_met
        else:
            next_due = p_end  # the current period: not yet met, not yet missed
    finished = on >= target.end
    percent = met * 100 // counted if counted else 0
    if finished and counted == len(all_periods):
        state = State.COMPLETED if not missed_any else State.OVERDUE
        if not missed_any:
            percent = 100
    elif missed_any:
        state = State.BEHIND
    else:
        state = State.ON_TRACK
    return Progress(percent, state, met, counted, len(all_periods), next_due, None)


@lru_cache(maxsize=2)
def _daily_sums_query(verified_only: bool) -> Any:
    """Built once: a board asks it on every request, and building it cost more than running it."""
    query = (
        select(FulfilmentLog.commitment_id, raw_day_column(), func.sum(FulfilmentLog.quantity))
        .where(FulfilmentLog.commitment_id.in_(bindparam("ids", expanding=True)))
        .group_by(FulfilmentLog.commitment_id, FulfilmentLog.happened_on)
    )
    if verified_only:
        query = query.where(FulfilmentLog.verified_at.is_not(None))
    return query


def daily_sums(
    session: Session, commitment_ids: Sequence[int], verified_only: bool = False
) -> dict[int, list[tuple[date, int]]]:
    """Logged (or only verified) quantity per (commitment, day) for many commitments, in one
    query."""
    out: dict[int, list[tuple[date, int]]] = defaultdict(list)
    if not commitment_ids:
        return out
    query = _daily_sums_query(verified_only)
    if session.autoflush:  # what ``session.execute`` would do; Core skips the ORM's rows
        session.flush()
    result = session.connection().execute(query, {"ids": list(commitment_ids)})
    # The driver's tuples as they are: none of the three columns has a result processor
    # (the day is read raw, see ``raw_day_column``), and a board reads hundreds of rows.
    rows = result.cursor.fetchall() if result.cursor is not None else []
    result.close()
    days: dict[object, date] = {}  # ``DayParser`` inlined: a board reads hundreds of rows
    for cid, raw, qty in rows:
        day = days.get(raw)
        if day is None:
            day = days[raw] = raw if isinstance(raw, date) else date.fromisoformat(str(raw))
        out[cid].append((day, int(qty)))
    return out


def raw_day_column() -> Any:
    """``happened_on`` without SQLAlchemy's per-row date processing (see ``DayParser``)."""
    return type_coerce(FulfilmentLog.happened_on, String).label("day")


class DayParser:
    """Turns a raw day (SQLite text or a driver's ``date``) into a ``date``, memoised:
    a district's half a million log rows span only a few hundred distinct days."""

    def __init__(self) -> None:
        self._seen: dict[object, date] = {}

    def __call__(self, raw: object) -> date:
        found = self._seen.get(raw)
        if found is None:
            found = raw if isinstance(raw, date) else date.fromisoformat(str(raw))
            self._seen[raw] = found
        return found


def progress_of(
    session: Session, commitments: Sequence[Commitment], on: date
) -> dict[int, Progress]:
    sums = daily_sums(session, [c.id for c in commitments])
    return {c.id: compute(Target.of(c), sums.get(c.id, []), on) for c in commitments}
