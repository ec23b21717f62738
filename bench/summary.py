"""Monthly summary for the whole district: wall time and number of SQL statements.

    .venv/bin/python -m bench.gen --url sqlite:///bench/data/district.db      # once
    .venv/bin/python -m bench.summary --url sqlite:///bench/data/district.db --period 2026-10

Gives every branch and township a group robot (if it has none), then computes, renders and
queues the month's summary for all of them — the same ``scheduler.pushes.monthly_summary``
the scheduler runs — inside a transaction that is rolled back, so it can be repeated.
"""

from __future__ import annotations

import argparse
import time

from sqlalchemy import event, func, insert, select

from bench.loadgen import machine
from infra.config import ROOT
from models import GroupRobot, Organisation, OutboundMessage
from models.db import Database
from scheduler import pushes


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


def run(url: str, period: str, repeat: int = 3) -> dict[str, object]:
    db = Database(url, root=ROOT)
    robots = ensure_robots(db)
    statements = [0]

    @event.listens_for(db.engine, "before_cursor_execute")
    def _count(*_args: object) -> None:
        statements[0] += 1

    times = []
    queued = 0
    for _ in range(repeat):
        session = db.session_factory()
        statements[0] = 0
        started = time.perf_counter()
        pushes.monthly_summary(session, period, "https://jiannuo.example")
        session.flush()
        times.append(time.perf_counter() - started)
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
        session.close()
    db.dispose()
    return {
        "backend": db.engine.dialect.name,
        "robots": robots,
        "messages_queued": queued,
        "sql_statements": counted,
        "best_seconds": round(min(times), 2),
        "median_seconds": round(sorted(times)[len(times) // 2], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description="全区月度汇总基准")
    parser.add_argument("--url", default="sqlite:///bench/data/district.db")
    parser.add_argument("--period", default="2026-10")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    result = run(args.url, args.period, args.repeat)
    print(f"机器：{machine()}")
    for k, v in result.items():
        print(f"  {k}: {v}")


if __name__ == "__main__":
    main()
