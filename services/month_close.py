"""月结: closing a month keeps every commitment's progress tally as it stood at the month's end.

Every report of a past period is "as of its end": the logs recorded by then (``summaries``).
Once a month has ended, nothing recorded later can change that figure, so it is computed once
(``close``: the scheduler's ``month_close`` job on the 1st, also
``flask scheduler run-job month_close --period 2026-10``) and the
monthly summary, the quarterly review and the half-year check-off of any period ending with
that month read it (``progress_sql.with_closed_tallies``) instead of grouping the whole fulfilment
log again: at district scale 60,000 small rows instead of half a million logs.

The close keeps itself true. What could change a closed month's tally is a log recorded before
the month's end that is edited or deleted afterwards (within the edit window, which straddles
the 1st), a log written with an earlier recording time (an import), or a commitment whose
target, dates or frequency change; a flush that touches one of these refreshes that
commitment's tallies in every closed month it counted in (``_collect`` / ``_refresh``), in the
same transaction. A flush touching only logs recorded this month — every 践诺 message — costs
no query.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from itertools import chain
from typing import Any

from sqlalchemy import delete, event, insert, inspect, select
from sqlalchemy.orm import Session

from infra.clock import local_tz, now_utc
from models import Commitment, FulfilmentLog, MonthClose, MonthTally
from services import progress_sql
from services.errors import ValidationError
from services.reads.periods import Period, month, previous_month

__all__ = ["check_ended", "close", "close_with_previous", "last_ended"]

# A commitment field whose change changes its tallies.
TARGET_FIELDS = ("target_kind", "target_quantity", "start_date", "end_date", "frequency")
PENDING = "month_close.pending"  # session.info: (log, commitment or id, its recording time)


def last_ended(now: datetime | None = None) -> str:
    """The last month that has ended (local time): on 1 December, November."""
    return previous_month((now or now_utc()).astimezone(local_tz()).date())


def _month_start(now: datetime) -> datetime:
    """The start of the current local month, in UTC: every closed month ended by then."""
    return month(last_ended(now)).utc_bounds()[1]


def _rows(session: Session, p: Period, where: Iterable[Any] = ()) -> list[dict[str, int | str]]:
    _lo, hi = p.utc_bounds()
    tallies = progress_sql.period_tallies(
        session,
        start=p.end,
        end=p.end,
        moment=hi,
        before_end=p.end,
        before_moment=hi,
        where=list(where),
    )
    at = progress_sql.NOW
    return [
        {
            "month": p.code,
            "commitment_id": cid,
            "done": t[at],
            "done_in_time": t[at + 1],
            "met": t[at + 2],
            "met_at": t[at + 3],
        }
        for cid, t in tallies.items()
    ]


def check_ended(code: str, now: datetime | None = None) -> Period:
    """Month ``code`` if it has ended (local time); else a ``ValidationError`` that says which
    month can be closed."""
    p = month(code)
    if (now or now_utc()) < p.utc_bounds()[1]:
        raise ValidationError(
            "month",
            f"{p.label}还没有结束，月结要等到下月 1 日之后；已结束的最近一个月是 {last_ended(now)}",
        )
    return p


def close(session: Session, code: str, now: datetime | None = None) -> int:
    """Close month ``code`` (``2026-10``): keep every commitment's tally at its end. A month
    that has not ended yet is refused; closing a closed month again computes it afresh.
    Returns the number of commitments with a tally."""
    p = check_ended(code, now)
    _lo, hi = p.utc_bounds()
    rows = _rows(session, p)
    conn = progress_sql.core(session)
    conn.execute(delete(MonthTally).where(MonthTally.month == p.code))
    conn.execute(delete(MonthClose).where(MonthClose.month == p.code))
    conn.execute(
        insert(MonthClose).values(
            month=p.code, until=hi, closed_at=now_utc(), commitments=len(rows)
        )
    )
    if rows:
        conn.execute(insert(MonthTally), rows)
    return len(rows)


def close_with_previous(session: Session, code: str, now: datetime | None = None) -> str:
    """The scheduler's job on the 1st: close month ``code`` and, when it is not closed yet, the
    month before it (its summary compares with that month's end). A line for the job log."""
    p = month(code)
    before = previous_month(p.start)
    done = []
    if session.get(MonthClose, before) is None:
        done.append(f"{month(before).label} {close(session, before, now)} 条")
    done.append(f"{p.label} {close(session, code, now)} 条")
    return "月结：保存承诺进度 " + "，".join(done)


# --- keeping closed months true -------------------------------------------------------------


def _collect(session: Session, _context: Any, _instances: Any) -> None:
    """Before a flush: the logs and commitments in it that may change a closed month's tally,
    with their recording time (a log recorded this month, or a commitment created this month,
    is in no closed month: no query)."""
    since = None
    pending: list[tuple[Any, datetime]] | None = None
    for obj in chain(session.new, session.dirty, session.deleted):
        if isinstance(obj, Commitment):
            if obj in session.new:
                continue
            state = inspect(obj)
            if not any(state.attrs[f].history.has_changes() for f in TARGET_FIELDS):
                continue
        elif not isinstance(obj, FulfilmentLog):
            continue
        recorded = obj.created_at
        if recorded is None:  # set at insert: now
            continue
        since = since or _month_start(now_utc())
        if recorded >= since:
            continue
        pending = pending if pending is not None else session.info.setdefault(PENDING, [])
        pending.append((obj, recorded))
        if isinstance(obj, FulfilmentLog):  # moved from another commitment
            for cid in inspect(obj).attrs["commitment_id"].history.deleted or ():
                pending.append((cid, recorded))


def _refresh(session: Session, _context: Any) -> None:
    """After a flush: recompute the noted commitments' tallies in the closed months that
    counted them (those ending after the earliest recording time), without flushing again."""
    pending: list[tuple[Any, datetime]] | None = session.info.pop(PENDING, None)
    if not pending:
        return
    conn = session.connection()
    earliest = min(recorded for _obj, recorded in pending)
    months = conn.execute(
        select(MonthClose.month).where(MonthClose.until > earliest).order_by(MonthClose.month)
    ).scalars()
    ids = sorted(
        {
            obj
            if isinstance(obj, int)
            else obj.id
            if isinstance(obj, Commitment)
            else obj.commitment_id
            for obj, _recorded in pending
        }
        - {None}
    )
    with session.no_autoflush:
        for code in list(months):
            rows = _rows(session, month(code), [Commitment.id.in_(ids)])
            conn.execute(
                delete(MonthTally).where(
                    MonthTally.month == code, MonthTally.commitment_id.in_(ids)
                )
            )
            if rows:
                conn.execute(insert(MonthTally), rows)


event.listen(Session, "before_flush", _collect)
event.listen(Session, "after_flush_postexec", _refresh)
