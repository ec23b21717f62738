"""Monthly summary for the whole district: wall time and number of SQL statements, side by
side with one hand-written aggregate query over the same data.

    .venv/bin/python -m bench.gen --url sqlite:///bench/data/district.db      # once
    .venv/bin/python -m bench.summary --url sqlite:///bench/data/district.db --period 2026-10

Gives every branch and township a group robot (if it has none) and closes the month and the
one before it (月结, ``services.month_close``: what the scheduler's ``month_close`` job does on
the 1st, before the summary; its time is printed as ``month_close_seconds``, paid once a month),
then computes, renders and queues the month's summary for all of them — the same
``scheduler.pushes.monthly_summary`` the scheduler runs — inside a transaction that is rolled
back, so it can be repeated.

The reference (``REFERENCE``) is the summary's core written by hand and run on the raw
driver connection: the logs recorded by the end of the month grouped by commitment and
calendar period of its frequency, the periods that reached the target counted per commitment
and everything rolled up per branch with the month's log count and quantity — one statement,
1,300 rows back, no ORM, no Python per row. Rounds alternate (summary, reference, summary, …)
so that the machine's load hits both alike; the last line is the ratio of the best times.
"""

from __future__ import annotations

import argparse
import time

from sqlalchemy import event, func, insert, select

from bench.loadgen import machine
from bench.serve import load_average
from infra.config import ROOT
from models import GroupRobot, Organisation, OutboundMessage
from models.db import Database
from scheduler import pushes
from services import month_close
from services.reads import summaries


def ensure_robots(db: Database) -> int:
    with db.session() as session:
        have = set(session.scalars(select(GroupRobot.org_id)))
        orgs = (
            session.execute(
                select(Organisation.id).where(Organisation.kind.in_(("branch", "township")))
            )
            .scalars()
            .all()
        )
        rows = [
            {"org_id": oid, "name": "践诺群", "webhook_env": f"BENCH_ROBOT_{oid}", "enabled": True}
            for oid in orgs
            if oid not in have
        ]
        if rows:
            session.execute(insert(GroupRobot), rows)
        return len(orgs)


# Period keys by hand: days since 1900-01-01 (weeks, fortnights), months since year 0.
_DAYS = {
    "sqlite": "CAST(julianday(l.happened_on) - 2415020.5 AS INTEGER)",
    "postgresql": "(l.happened_on - DATE '1900-01-01')",
}
_MONTHS = {
    "sqlite": "(CAST(substr(l.happened_on, 1, 4) AS INTEGER) * 12"
    " + CAST(substr(l.happened_on, 6, 2) AS INTEGER) - 1)",
    "postgresql": "(CAST(EXTRACT(YEAR FROM l.happened_on) AS INTEGER) * 12"
    " + CAST(EXTRACT(MONTH FROM l.happened_on) AS INTEGER) - 1)",
}
_MDAY = {
    "sqlite": "CAST(substr(l.happened_on, 9, 2) AS INTEGER)",
    "postgresql": "CAST(EXTRACT(DAY FROM l.happened_on) AS INTEGER)",
}
REFERENCE = """
SELECT org, COUNT(DISTINCT cid), SUM(n_month), SUM(q_month), SUM(s),
       SUM(CASE WHEN s >= q THEN 1 ELSE 0 END)
FROM (
  SELECT l.commitment_id AS cid, MAX(c.org_id) AS org, MAX(c.target_quantity) AS q,
         CASE WHEN c.target_kind <> 'periodic' THEN 0
              WHEN c.frequency = 'daily' THEN {days}
              WHEN c.frequency = 'weekly' THEN {days} / 7
              WHEN c.frequency = 'biweekly' THEN {days} / 14
              WHEN c.frequency = 'halfmonth' THEN {months} * 2
                   + CASE WHEN {mday} > 15 THEN 1 ELSE 0 END
              WHEN c.frequency = 'monthly' THEN {months}
              WHEN c.frequency = 'bimonthly' THEN {months} / 2
              WHEN c.frequency = 'quarterly' THEN {months} / 3
              WHEN c.frequency = 'halfyearly' THEN {months} / 6
              ELSE {months} / 12 END AS k,
         SUM(l.quantity) AS s,
         SUM(CASE WHEN l.happened_on >= :start THEN 1 ELSE 0 END) AS n_month,
         SUM(CASE WHEN l.happened_on >= :start THEN l.quantity ELSE 0 END) AS q_month
  FROM fulfilment_log l JOIN commitment c ON c.id = l.commitment_id
  WHERE l.happened_on <= :end AND l.created_at < :recorded AND l.happened_on >= c.start_date
  GROUP BY l.commitment_id, k
) AS per
GROUP BY org
"""


# This process's CPU seconds per round (SQLite runs in-process, so on a shared machine this is
# the fairer figure; PostgreSQL's work is in its own processes and shows only in wall time).
CPU: dict[str, list[float]] = {"summary": [], "figures": [], "reference": []}


def reference(db: Database, period: str) -> tuple[float, int]:
    """Seconds and rows of the hand-written aggregate query, on the raw driver connection."""
    p = summaries.month(period)
    _lo, hi = p.utc_bounds()
    name = db.engine.dialect.name
    sql = REFERENCE.format(days=_DAYS[name], months=_MONTHS[name], mday=_MDAY[name])
    if name == "sqlite":
        params: dict[str, object] = {
            "start": p.start.isoformat(),
            "end": p.end.isoformat(),
            "recorded": hi.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds"),
        }
    else:
        sql = sql.replace(":start", "%(start)s").replace(":end", "%(end)s")
        sql = sql.replace(":recorded", "%(recorded)s")
        params = {"start": p.start, "end": p.end, "recorded": hi}
    raw = db.engine.raw_connection()
    try:
        cur = raw.cursor()
        started, cpu = time.perf_counter(), time.process_time()
        cur.execute(sql, params)
        rows = cur.fetchall()
        took = time.perf_counter() - started
        CPU["reference"].append(time.process_time() - cpu)
        cur.close()
    finally:
        raw.close()
    return took, len(rows)


def close_months(db: Database, period: str) -> list[float]:
    """Close ``period`` and the month before it (afresh if closed): seconds of each close."""
    p = summaries.month(period)
    took = []
    with db.session() as session:
        for code in (summaries.previous_month(p.start), p.code):
            started = time.perf_counter()
            month_close.close(session, code)
            took.append(time.perf_counter() - started)
    return took


def run(url: str, period: str, repeat: int = 3) -> dict[str, object]:
    db = Database(url, root=ROOT)
    robots = ensure_robots(db)
    closes = close_months(db, period)
    statements = [0]

    @event.listens_for(db.engine, "before_cursor_execute")
    def _count(*_args: object) -> None:
        statements[0] += 1

    times = []
    figures: list[float] = []
    ref_times = []
    ref_rows = 0
    queued = 0
    for _ in range(repeat):
        took, ref_rows = reference(db, period)
        ref_times.append(took)
        session = db.session_factory()
        statements[0] = 0
        started, cpu = time.perf_counter(), time.process_time()
        pushes.monthly_summary(session, period, "https://jiannuo.example")
        session.flush()
        times.append(time.perf_counter() - started)
        CPU["summary"].append(time.process_time() - cpu)
        queued = (
            session.scalar(
                select(func.count())
                .select_from(OutboundMessage)
                .where(OutboundMessage.idempotency_key.like(f"summary:{period}:%"))
            )
            or 0
        )
        counted = statements[0] - 1  # not the count query above
        session.rollback()
        # the figures alone (``summaries.compute``), without wording and queueing
        started, cpu = time.perf_counter(), time.process_time()
        summaries.compute(session, summaries.month(period))
        figures.append(time.perf_counter() - started)
        CPU["figures"].append(time.process_time() - cpu)
        session.rollback()
        session.close()
    db.dispose()
    return {
        "backend": db.engine.dialect.name,
        "robots": robots,
        "month_close_seconds": [round(t, 3) for t in closes],
        "messages_queued": queued,
        "sql_statements": counted,
        "best_seconds": round(min(times), 3),
        "median_seconds": round(sorted(times)[len(times) // 2], 3),
        "reference_rows": ref_rows,
        "reference_best_seconds": round(min(ref_times), 3),
        "reference_median_seconds": round(sorted(ref_times)[len(ref_times) // 2], 3),
        "summary/reference": round(min(times) / min(ref_times), 2),
        "figures_best_seconds": round(min(figures), 3),
        "figures/reference": round(min(figures) / min(ref_times), 2),
        "cpu_best_seconds": round(min(CPU["summary"]), 3),
        "figures_cpu_best_seconds": round(min(CPU["figures"]), 3),
        "reference_cpu_best_seconds": round(min(CPU["reference"]), 3),
        "cpu summary/reference": round(min(CPU["summary"]) / min(CPU["reference"]), 2),
        "cpu figures/reference": round(min(CPU["figures"]) / min(CPU["reference"]), 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description="全区月度汇总基准")
    parser.add_argument("--url", default="sqlite:///bench/data/district.db")
    parser.add_argument("--period", default="2026-10")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    load = load_average()
    result = run(args.url, args.period, args.repeat)
    print(f"机器：{machine()}；负载 (load average)：{load} → {load_average()}")
    for k, v in result.items():
        print(f"  {k}: {v}")
    print(
        f"summary={result['best_seconds']}s reference={result['reference_best_seconds']}s "
        f"summary/reference={result['summary/reference']} "
        f"(CPU {result['cpu summary/reference']}) "
        f"figures/reference={result['figures/reference']} (CPU {result['cpu figures/reference']})"
    )


if __name__ == "__main__":
    main()
