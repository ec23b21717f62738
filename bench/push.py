"""Pushing the district's monthly summaries (1,300 branches + townships) to group robots.

    .venv/bin/python -m bench.push --db bench/data/district.db --period 2026-10

Copies the district database to a temporary directory (the outbox rows must not pollute
it), gives every branch and township a robot (``bench.summary.ensure_robots``), queues the
month's summaries with ``scheduler.pushes.monthly_summary`` (as the scheduler does), then
sends them with the real dispatcher (``services.dispatch.Dispatcher`` with
``wechat.robot.RobotSender``) to a local fake robot server (``tests/fakes/robot.py``) that
enforces WeCom's 20 messages per minute per robot on the real clock. Prints the total time,
the number accepted and the fake's ``over_limit`` (refusals because a robot's window was
full: must be 0). Bounded by ``--max-seconds``.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import sqlite3
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select

from bench.loadgen import machine, print_table
from bench.serve import load_average
from bench.summary import ensure_robots
from delivery.dispatcher import Dispatcher
from infra.config import ROOT
from models import GroupRobot, OutboundMessage
from models.db import Database
from scheduler import pushes
from tests.fakes.robot import FakeRobot
from wechat.robot import RobotSender


def copy_db(src: Path, dst: Path) -> None:
    """A consistent copy (SQLite's backup API also takes what sits in the WAL)."""
    with sqlite3.connect(src) as source, sqlite3.connect(dst) as target:
        source.backup(target)


def counts(db: Database) -> dict[str, int]:
    with db.session() as s:
        rows = s.execute(
            select(OutboundMessage.status, func.count())
            .where(OutboundMessage.channel == "robot")
            .group_by(OutboundMessage.status)
        ).all()
    return {str(k): int(v) for k, v in rows}


def main() -> None:
    parser = argparse.ArgumentParser(description="推送全区月度汇总到群机器人")
    parser.add_argument("--db", default="bench/data/district.db")
    parser.add_argument("--period", default="2026-10")
    parser.add_argument("--rate", type=int, default=20, help="per robot per minute")
    parser.add_argument("--max-seconds", type=float, default=900)
    args = parser.parse_args()

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # the fake's access log
    tmp = Path(tempfile.mkdtemp(prefix="jiannuo-push-"))
    try:
        url = f"sqlite:///{tmp / 'district.db'}"
        t0 = time.perf_counter()
        copy_db(ROOT / args.db, tmp / "district.db")
        print(f"复制数据库 {time.perf_counter() - t0:.1f} s", flush=True)
        db = Database(url, root=ROOT)
        ensure_robots(db)
        with db.session() as s:
            t0 = time.perf_counter()
            pushes.monthly_summary(s, args.period, "https://jiannuo.example")
            s.commit()
            queued_seconds = time.perf_counter() - t0
            robots = list(s.execute(select(GroupRobot.id, GroupRobot.webhook_env)))
        keys = {}
        for robot_id, env in robots:
            keys[robot_id] = f"bench-key-{robot_id}"
            os.environ[env] = keys[robot_id]
        queued = counts(db).get("pending", 0)
        print(f"排队 {queued} 条（{queued_seconds:.1f} s），{len(robots)} 个群机器人", flush=True)

        fake = FakeRobot(
            clock=lambda: datetime.now(UTC), keys=set(keys.values()), limit=args.rate
        ).start()
        try:
            sender = RobotSender(fake.base_url, timeout=5)
            dispatcher = Dispatcher(db.session_factory, sender, rate_per_minute=args.rate)
            started = time.perf_counter()
            deadline = started + args.max_seconds
            passes = 0
            while time.perf_counter() < deadline:
                dispatcher.run_once()
                passes += 1
                left = counts(db)
                if not left.get("pending", 0) and not left.get("sending", 0):
                    break
                time.sleep(1.0)
            total = time.perf_counter() - started
        finally:
            fake.stop()
        final = counts(db)
        accepted = sum(len(v) for v in fake.accepted.values())
        worst_window = max((fake.max_in_any_window(k) for k in fake.accepted), default=0)
        db.dispose()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"机器：{machine()}；负载 (load average)：{load_average()}")
    print_table(
        [
            ("messages queued", queued),
            ("robots", len(robots)),
            ("total push time", f"{total:.1f} s (target ≤ 600 s)"),
            ("dispatcher passes", passes),
            ("accepted by fake robots", accepted),
            ("outbox status after", final),
            ("refused: window full (over_limit)", fake.over_limit),
            ("other refusals", dict(fake.refusals)),
            ("most messages in any 60 s for one robot", f"{worst_window} (limit {args.rate})"),
        ]
    )
    if fake.over_limit or final.get("pending", 0) or accepted != queued:
        raise SystemExit("not everything was sent within the robots' rate limit")


if __name__ == "__main__":
    main()
