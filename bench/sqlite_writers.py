"""SQLite under concurrent writers: no "database is locked", and nothing lost.

    .venv/bin/python -m bench.sqlite_writers --processes 3 --threads 8 --seconds 30

Each writer thread logs fulfilment through ``services.fulfilment.log`` in its own unit of work
(the same path the callback and the API use). At the end the number of rows must equal the
number of successful commits, and no writer may have seen "database is locked".
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

from sqlalchemy import func, select

from infra import migrate
from models import Commitment, FulfilmentLog, Member
from models.db import Database
from services import fulfilment
from services.actors import actor_for_member


def _setup(url: str) -> int:
    from tests import factories as f  # small factories shared with the test suite

    migrate.upgrade(url)
    db = Database(url)
    with db.session() as session:
        t = f.tree(session)
        owner = f.member(session, t["branch"], "压测党员")
        c = f.published(
            session,
            owner,
            title="全年走访100户",
            target_kind="count",
            frequency=None,
            target_quantity=100_000,
            unit="户",
            start_date=date(2026, 1, 1),
            end_date=date(2026, 12, 31),
        )
        cid = c.id
    db.dispose()
    return cid


def _process(url: str, cid: int, threads: int, seconds: float, out: mp.Queue) -> None:
    db = Database(url)
    ok = [0]
    locked = [0]
    other: list[str] = []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def writer() -> None:
        while time.monotonic() < deadline:
            try:
                with db.session() as session:
                    member = session.scalars(select(Member).limit(1)).one()
                    actor = actor_for_member(session, member)
                    c = session.get_one(Commitment, cid)
                    fulfilment.log(
                        session,
                        actor,
                        c,
                        quantity=1,
                        note="压测",
                        happened_on=date(2026, 3, 1),
                        today=date(2026, 3, 1),
                        channel="bench",
                    )
                with lock:
                    ok[0] += 1
            except Exception as exc:  # counted and reported, never hidden
                with lock:
                    if "locked" in str(exc):
                        locked[0] += 1
                    else:
                        other.append(repr(exc)[:200])

    pool = [threading.Thread(target=writer) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    db.dispose()
    out.put((ok[0], locked[0], other[:5]))


def run(
    processes: int = 3, threads: int = 8, seconds: float = 30.0, path: Path | None = None
) -> dict[str, object]:
    tmp = None
    if path is None:
        tmp = tempfile.TemporaryDirectory()
        path = Path(tmp.name) / "writers.db"
    url = f"sqlite:///{path}"
    cid = _setup(url)
    ctx = mp.get_context("spawn")
    out: mp.Queue = ctx.Queue()
    procs = [
        ctx.Process(target=_process, args=(url, cid, threads, seconds, out))
        for _ in range(processes)
    ]
    for p in procs:
        p.start()
    results = [out.get(timeout=seconds + 120) for _ in procs]
    for p in procs:
        p.join(timeout=30)
    db = Database(url)
    with db.session() as session:
        rows = session.scalar(select(func.count()).select_from(FulfilmentLog))
    db.dispose()
    if tmp:
        tmp.cleanup()
    return {
        "successful_commits": sum(r[0] for r in results),
        "locked_errors": sum(r[1] for r in results),
        "other_errors": [e for r in results for e in r[2]],
        "rows": rows,
        "writes_per_second": round(sum(r[0] for r in results) / seconds, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description="SQLite 并发写入可靠性测试")
    parser.add_argument("--processes", type=int, default=3)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=30.0)
    args = parser.parse_args()
    result = run(args.processes, args.threads, args.seconds)
    for k, v in result.items():
        print(f"{k}: {v}")
    good = (
        result["locked_errors"] == 0
        and not result["other_errors"]
        and result["rows"] == result["successful_commits"]
    )
    print("结果：通过" if good else "结果：失败")
    raise SystemExit(0 if good else 1)


if __name__ == "__main__":
    main()
