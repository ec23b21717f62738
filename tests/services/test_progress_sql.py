"""The grouped progress figures (``services.progress_sql``) are ``progress.compute``'s: the
same percent and state for every kind, frequency and boundary, computed by the database."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from models import Commitment, FulfilmentLog
from services import progress, progress_sql
from services.progress import FORTNIGHT_EPOCH, Target, period_start
from services.reads.periods import month, quarter
from tests import factories

FREQUENCIES = ("daily", "weekly", "biweekly", "halfmonth", *progress.MONTHS)


def test_period_keys_name_the_calendar_periods():
    day = date(1999, 12, 1)
    for _ in range(1200):  # 1999-12 … 2003-03: leap years, year ends, fortnight epoch
        for f in FREQUENCIES:
            nxt = day + timedelta(days=1)
            same = period_start(day, f) == period_start(nxt, f)
            assert (progress_sql.period_key(day, f) == progress_sql.period_key(nxt, f)) == same
        day += timedelta(days=1)
    assert progress_sql.period_key(FORTNIGHT_EPOCH, "biweekly") != progress_sql.period_key(
        FORTNIGHT_EPOCH - timedelta(days=1), "biweekly"
    )


def _district(
    session: Session, rnd: random.Random
) -> tuple[dict[int, Target], list[dict[str, Any]]]:
    branch = factories.tree(session)["branch"]
    targets: dict[int, Target] = {}
    commitments = []
    for i in range(1, 161):
        kind = rnd.choice(("count", "deadline", "periodic", "periodic"))
        freq = rnd.choice(FREQUENCIES) if kind == "periodic" else None
        start = date(2026, 1, 1) + timedelta(days=rnd.choice((0, 0, 13, 45, 200)))
        end = rnd.choice((date(2026, 12, 31), start + timedelta(days=rnd.randint(0, 250))))
        qty = rnd.choice((1, 1, 2, 3, 5, 20))
        targets[i] = Target(kind, qty, start, end, freq)
        commitments.append(
            dict(
                id=i,
                owner_kind="branch",
                org_id=branch.id,
                title=f"承诺{i}",
                target_quantity=qty,
                unit="次",
                target_kind=kind,
                frequency=freq,
                start_date=start,
                end_date=end,
                status="published",
            )
        )
    session.execute(insert(Commitment), commitments)
    logs = []
    for i in range(1, 2401):
        cid = rnd.randint(1, 160)
        t = targets[cid]
        day = t.start + timedelta(days=rnd.randint(-20, (t.end - t.start).days + 40))
        recorded = datetime.combine(day, datetime.min.time(), UTC) + timedelta(
            hours=rnd.choice((2, 10, 30, 24 * 20))  # some recorded weeks after the day
        )
        logs.append(
            dict(
                id=i,
                commitment_id=cid,
                quantity=rnd.choice((1, 1, 1, 2, 4)),
                happened_on=day,
                channel="web",
                created_at=recorded,
                updated_at=recorded,
            )
        )
    session.execute(insert(FulfilmentLog), logs)
    session.flush()
    return targets, logs


def test_grouped_figures_equal_compute_at_every_boundary(session: Session):
    rnd = random.Random(20)
    targets, logs = _district(session, rnd)

    def recorded(on: date, moment: datetime) -> dict[int, list[tuple[date, int]]]:
        out: dict[int, list[tuple[date, int]]] = {}
        for x in logs:
            if x["happened_on"] <= on and x["created_at"] < moment:
                out.setdefault(x["commitment_id"], []).append((x["happened_on"], x["quantity"]))
        return out

    periods = [month(f"2026-{m}") for m in (1, 2, 3, 6, 9, 10, 12)] + [quarter("2026Q3")]
    checked = 0
    for period in periods:
        lo, hi = period.utc_bounds()
        tallies = progress_sql.period_tallies(
            session,
            start=period.start,
            end=period.end,
            moment=hi,
            before_end=period.previous_end,
            before_moment=lo,
        )
        now = recorded(period.end, hi)
        before = recorded(period.previous_end, lo)
        for cid, t in targets.items():
            row = tallies.get(cid, progress_sql.EMPTY)
            for on, sums, at in (
                (period.end, now, progress_sql.NOW),
                (period.previous_end, before, progress_sql.BEFORE),
            ):
                want = progress.compute(t, sums.get(cid, []), on)
                assert progress_sql.standing(t, row, on, at) == (want.percent, want.state), (
                    cid,
                    t,
                    on,
                )
                checked += 1
            in_period = [(d, q) for d, q in now.get(cid, []) if period.start <= d <= period.end]
            assert row[progress_sql.PERIOD_LOGS] == len(in_period)
            assert row[progress_sql.PERIOD_QUANTITY] == sum(q for _d, q in in_period)
    assert checked == 2 * 160 * len(periods)


def test_the_tally_on_a_day_gives_computes_figures_and_next_due(session: Session):
    """``tally_on_query`` (the board's statement) with ``standing`` and ``next_due``: the same
    percent, state and next due date as ``progress.compute`` on every day the random targets
    cross (before the start, on period boundaries, after the end)."""
    rnd = random.Random(7)
    targets, logs = _district(session, rnd)
    statement = progress_sql.tally_on_query()
    days = sorted(
        {date(2025, 12, 20) + timedelta(days=d) for d in range(0, 420, 3)}
        | {d for t in targets.values() for d in (t.start, t.end, t.end + timedelta(days=1))}
    )
    by_commitment: dict[int, list[tuple[date, int]]] = {cid: [] for cid in targets}
    for x in logs:
        by_commitment[x["commitment_id"]].append((x["happened_on"], x["quantity"]))
    checked = 0
    for on in days:
        rows = {
            r[0]: (0, *r[1:])
            for r in session.execute(statement, progress_sql.tally_on_params(on)).all()
        }
        for cid, t in targets.items():
            want = progress.compute(t, [(d, q) for d, q in by_commitment[cid] if d <= on], on)
            numbers = rows.get(cid, progress_sql.EMPTY[:5])
            percent, state = progress_sql.standing(t, numbers, on, 1)
            assert (percent, state) == (want.percent, want.state), (cid, t, on)
            assert progress_sql.next_due(t, state, numbers, on, 1) == want.next_due, (cid, t, on)
            checked += 1
    assert checked == len(days) * 160
