"""月结 (``services.month_close``): a closed month's tallies give the same figures as grouping the
whole log, and stay so when what they counted changes afterwards; the job and the summaries.

Every check compares the numbers read from the close (``progress_sql.with_closed_tallies``)
with those grouped from the log (``progress_sql.period_tallies``), and ``summaries.compute``
with the close against without it, on the demo township and after changes to what the closed
months counted."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import delete, event, func, select
from sqlalchemy.orm import Session

from infra.config import load_settings
from models import Commitment, FulfilmentLog, MonthClose, MonthTally
from models.db import Database
from scheduler import jobs
from services import month_close, progress_sql
from services.errors import ValidationError
from services.reads import summaries
from services.reads.periods import Period

pytestmark = pytest.mark.demo_township

NOW = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)  # 3 December in Shanghai: November has ended


def _ends(p: Period) -> dict[str, Any]:
    lo, hi = p.utc_bounds()
    return {
        "start": p.start,
        "end": p.end,
        "moment": hi,
        "before_end": p.previous_end,
        "before_moment": lo,
    }


def _same_as_the_logs(session: Session, p: Period) -> dict[int, tuple[int, ...]]:
    """Every commitment's ten numbers read from the close equal those grouped from the log."""
    params = progress_sql.closed_params(session, **_ends(p))
    assert params is not None, f"{p.code} and the month before it are closed"
    query = progress_sql.with_closed_tallies(select(Commitment.id), Commitment.id)
    kept = {r[0]: tuple(int(x) for x in r[1:]) for r in session.execute(query, params)}
    live = progress_sql.period_tallies(session, **_ends(p))
    assert set(live) <= set(kept)
    empty = progress_sql.EMPTY
    assert kept == {cid: tuple(int(x) for x in live.get(cid, empty)[1:]) for cid in kept}
    return kept


def _figures(session: Session, p: Period) -> dict[str, Any]:
    f = summaries.compute(session, p)
    return {
        "branches": {k: asdict(v) for k, v in f.branches.items()},
        "townships": {k: asdict(v) for k, v in f.townships.items()},
    }


def _read_the_close(session: Session) -> list[str]:
    """The statements the next summary runs (to tell a read of the close from the grouping)."""
    seen: list[str] = []
    event.listen(session.get_bind(), "before_cursor_execute", lambda *a: seen.append(a[2]))
    return seen


def _november_log(session: Session) -> FulfilmentLog:
    lo, hi = summaries.month("2026-11").utc_bounds()
    log = session.scalar(
        select(FulfilmentLog)
        .where(FulfilmentLog.created_at >= lo, FulfilmentLog.created_at < hi)
        .order_by(FulfilmentLog.id)
        .limit(1)
    )
    assert log is not None, "the demo township has logs recorded in November"
    return log


def test_closed_months_give_the_figures_of_the_logs(session: Session) -> None:
    november, quarter = summaries.month("2026-11"), summaries.quarter("2026Q3")
    live = _figures(session, november), _figures(session, quarter)
    for code in ("2026-06", "2026-09", "2026-10", "2026-11"):
        month_close.close(session, code, NOW)
    assert session.scalar(select(func.count()).select_from(MonthTally)) > 0
    assert any(any(t) for t in _same_as_the_logs(session, november).values())
    _same_as_the_logs(session, quarter)
    seen = _read_the_close(session)
    assert (_figures(session, november), _figures(session, quarter)) == live
    assert any("month_tally" in sql for sql in seen)
    assert not any("s_now" in sql for sql in seen), "the whole log was grouped again"


def test_a_month_not_closed_or_a_part_of_a_month_reads_the_logs(session: Session) -> None:
    month_close.close(session, "2026-11", NOW)  # October is not closed
    seen = _read_the_close(session)
    summaries.compute(session, summaries.month("2026-11"))
    assert any("s_now" in sql for sql in seen)
    assert progress_sql.closed_params(session, **_ends(summaries.month("2026-11"))) is None
    partial = Period("2026H2", date(2026, 7, 1), date(2026, 11, 20), "2026年下半年")
    seen.clear()
    summaries.compute(session, partial)
    assert any("s_now" in sql for sql in seen)


def test_a_month_that_has_not_ended_is_refused(session: Session) -> None:
    with pytest.raises(ValidationError) as err:
        month_close.close(session, "2026-12", NOW)
    assert "2026年12月还没有结束" in err.value.message and "2026-11" in err.value.message
    assert session.scalar(select(func.count()).select_from(MonthClose)) == 0


def test_changes_to_what_a_closed_month_counted_keep_it_true(session: Session) -> None:
    """Edited, moved and deleted logs recorded before the end, a log imported with an earlier
    recording time, a commitment's target changed: each flush refreshes the close."""
    for code in ("2026-09", "2026-10", "2026-11"):
        month_close.close(session, code, NOW)
    session.commit()
    november = summaries.month("2026-11")
    before = _same_as_the_logs(session, november)

    log = _november_log(session)
    log.quantity += 5
    session.flush()
    assert _same_as_the_logs(session, november) != before

    other = session.scalar(
        select(Commitment).where(Commitment.id != log.commitment_id).order_by(Commitment.id)
    )
    assert other is not None
    log.commitment_id = other.id
    session.flush()
    _same_as_the_logs(session, november)

    session.delete(log)
    session.flush()
    _same_as_the_logs(session, november)

    c = session.scalars(select(Commitment).order_by(Commitment.id)).all()[-1]
    session.add(
        FulfilmentLog(
            commitment_id=c.id,
            member_id=c.member_id,
            quantity=3,
            happened_on=date(2026, 10, 20),
            channel="import",
            created_at=datetime(2026, 10, 21, 2, 0, tzinfo=UTC),
        )
    )
    session.flush()
    _same_as_the_logs(session, november)
    _same_as_the_logs(session, summaries.month("2026-10"))

    target = session.scalars(
        select(Commitment).where(Commitment.id.in_(select(FulfilmentLog.commitment_id)))
    ).first()
    assert target is not None
    target.target_quantity += 2
    target.end_date = target.end_date - timedelta(days=40)
    session.flush()
    _same_as_the_logs(session, november)
    session.commit()  # and after a commit, read afresh
    _same_as_the_logs(session, november)


def test_a_log_of_this_month_costs_the_close_nothing(session: Session) -> None:
    """Every 践诺 message writes a log recorded now: the flush reads nothing of the close."""
    month_close.close(session, "2026-11", NOW)
    session.commit()
    c = session.scalars(select(Commitment).order_by(Commitment.id)).first()
    assert c is not None
    seen = _read_the_close(session)
    log = FulfilmentLog(
        commitment_id=c.id,
        member_id=c.member_id,
        quantity=1,
        happened_on=date.today(),
        channel="bot",
    )
    session.add(log)
    session.flush()
    log.quantity = 2  # 改数量 within the edit window: recorded this month too
    session.flush()
    assert seen and not any("month_close" in sql or "month_tally" in sql for sql in seen)


def test_the_job_closes_the_month_and_the_one_before_and_the_summary_reads_them(
    db_url: str,
) -> None:
    db = Database(db_url)
    settings = load_settings(overrides={"database": {"url": db_url}})
    try:
        with db.session() as s:
            s.execute(delete(MonthClose))
        with db.session_factory() as s:
            live = _figures(s, summaries.month("2026-11"))
        result = jobs.run_job(db, settings, "month_close", "2026-11", clock=lambda: NOW)
        assert result.status == "done"
        assert result.detail == (
            "月结：保存承诺进度 2026年10月 "
            f"{_count(db, '2026-10')} 条，2026年11月 {_count(db, '2026-11')} 条"
        )
        again = jobs.run_job(db, settings, "month_close", "2026-11", clock=lambda: NOW)
        assert again.status == "skipped"
        with db.session_factory() as s:
            seen = _read_the_close(s)
            kept = _figures(s, summaries.month("2026-11"))
        assert kept == live and live["branches"]
        assert any("month_tally" in sql for sql in seen)
        with pytest.raises(ValidationError, match="2026年12月还没有结束"):
            jobs.run_job(db, settings, "month_close", "2026-12", clock=lambda: NOW)
    finally:
        db.dispose()


def _count(db: Database, code: str) -> int:
    with db.session_factory() as s:
        n = s.scalar(select(MonthClose.commitments).where(MonthClose.month == code))
    assert n
    return int(n)


def test_the_job_runs_before_the_summary_on_its_day() -> None:
    settings = load_settings()
    t = jobs.triggers(settings)
    day = datetime(2026, 12, 1, tzinfo=UTC) - timedelta(hours=8)  # midnight in Shanghai
    close_at = t["month_close"].get_next_fire_time(None, day)
    summary_at = t["monthly_summary"].get_next_fire_time(None, day)
    assert close_at < summary_at and close_at.date() == summary_at.date()
    assert list(t).index("month_close") < list(t).index("monthly_summary")  # catch-up order
    assert jobs.default_period("month_close", date(2026, 12, 1)) == "2026-11"
