"""The outbox dispatcher against a fake WeCom robot running as a real HTTP server."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from delivery import dispatcher as dispatch
from delivery.dispatcher import Dispatcher
from models import GroupRobot, OutboundMessage
from models.db import Database
from services import outbox
from tests import factories
from tests.fakes.robot import FakeRobot, SimClock
from wechat.robot import RobotSender, markdown_payload, split_markdown

KEY = "robot-key-0123456789abcdef"


class SimulatedCrash(BaseException):
    """The dispatcher process dies (not an Exception: nothing may catch it)."""


@pytest.fixture
def clock() -> SimClock:
    # ahead of the real time at which the rows are enqueued, so they are due
    return SimClock(datetime.now(UTC) + timedelta(minutes=5))


@pytest.fixture
def fake(clock: SimClock) -> Iterator[FakeRobot]:
    server = FakeRobot(clock=clock, keys={KEY}).start()
    yield server
    server.stop()


def _robot(session: Session, env: str = "TEST_ROBOT_KEY") -> GroupRobot:
    tree = factories.tree(session)
    robot = GroupRobot(org_id=tree["branch"].id, name="东村党员群", webhook_env=env)
    session.add(robot)
    session.flush()
    return robot


def _queue(session: Session, robot: GroupRobot, n: int, prefix: str = "m") -> None:
    for i in range(n):
        outbox.enqueue(
            session,
            "robot",
            markdown_payload(f"{prefix}{i:02d}"),
            f"t:{prefix}:{i}",
            robot_id=robot.id,
        )
    session.commit()


def _dispatcher(database: Database, fake: FakeRobot, clock: SimClock, **kw: object) -> Dispatcher:
    sender = RobotSender(fake.base_url, timeout=5, environ={"TEST_ROBOT_KEY": KEY})
    options: dict[str, object] = {
        "clock": clock,
        "backoff_base_seconds": 5,
        "backoff_max_seconds": 120,
        "max_attempts": 50,
    }
    options.update(kw)
    return Dispatcher(database.session_factory, sender, senders={}, **options)  # type: ignore[arg-type]


def _drain(
    d: Dispatcher, clock: SimClock, session: Session, step: float = 5, max_steps: int = 2000
) -> int:
    steps = 0
    while steps < max_steps:
        d.run_once()
        session.expire_all()
        left = session.scalar(
            select(OutboundMessage.id).where(OutboundMessage.status.in_(("pending", "sending")))
        )
        session.rollback()
        if left is None:
            return steps
        clock.advance(step)
        steps += 1
    raise AssertionError("dispatcher did not finish")


def test_thirty_messages_arrive_in_order_within_rate_despite_random_errors(
    database: Database, session: Session, fake: FakeRobot, clock: SimClock
) -> None:
    fake.random_errors = 0.3
    robot = _robot(session)
    _queue(session, robot, 30)

    _drain(_dispatcher(database, fake, clock), clock, session)

    arrived = [content for _, content in fake.accepted[KEY]]
    assert arrived == [f"m{i:02d}" for i in range(30)]
    assert fake.max_in_any_window(KEY) <= 20
    assert fake.over_limit == 0
    # the seeded fake did answer with both kinds of error, and they were retried
    assert fake.refusals["45009-random"] > 0 and fake.refusals["500"] > 0
    rows = session.scalars(select(OutboundMessage).order_by(OutboundMessage.id)).all()
    assert {r.status for r in rows} == {"sent"}
    assert (
        sum(r.attempts for r in rows) == 30 + fake.refusals["45009-random"] + fake.refusals["500"]
    )
    assert not any(r.outcome_unknown for r in rows)
    # 30 messages at 20 a minute cannot all go in the first minute
    first, last = fake.accepted[KEY][0][0], fake.accepted[KEY][-1][0]
    assert (last - first).total_seconds() >= 60


def test_rate_window_holds_without_errors(
    database: Database, session: Session, fake: FakeRobot, clock: SimClock
) -> None:
    robot = _robot(session)
    _queue(session, robot, 45)
    d = _dispatcher(database, fake, clock)
    stats = d.run_once()
    assert stats.sent == 20  # the window is full: the rest waits
    clock.advance(30)
    assert d.run_once().sent == 0
    clock.advance(31)
    assert d.run_once().sent == 20
    _drain(d, clock, session)
    assert [c for _, c in fake.accepted[KEY]] == [f"m{i:02d}" for i in range(45)]
    assert fake.max_in_any_window(KEY) == 20 and fake.over_limit == 0


def test_crash_between_send_and_mark_loses_nothing_and_logs_the_duplicate(
    database: Database,
    session: Session,
    fake: FakeRobot,
    clock: SimClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    robot = _robot(session)
    _queue(session, robot, 5)
    calls = {"n": 0}

    def crash_on_third(msg: OutboundMessage) -> None:
        calls["n"] += 1
        if calls["n"] == 3:
            raise SimulatedCrash

    with pytest.raises(SimulatedCrash):
        _dispatcher(database, fake, clock, after_send=crash_on_third).run_once()
    assert [c for _, c in fake.accepted[KEY]] == ["m00", "m01", "m02"]
    session.expire_all()
    stuck = session.scalars(
        select(OutboundMessage).where(OutboundMessage.status == "sending")
    ).all()
    assert [json.loads(m.payload)["markdown"]["content"] for m in stuck] == ["m02"]
    session.rollback()

    # a second dispatcher, right away: the robot has a message in flight, so it waits
    second = _dispatcher(database, fake, clock)
    assert second.run_once().sent == 0
    # once the claim is stale, the row is retried, flagged, and logged as a possible duplicate
    clock.advance(121)
    with caplog.at_level(logging.WARNING, logger="jiannuo.dispatch"):
        stats = second.run_once()
    assert stats.recovered == 1 and stats.sent == 3
    contents = [c for _, c in fake.accepted[KEY]]
    assert contents == ["m00", "m01", "m02", "m02", "m03", "m04"]  # nothing lost
    session.expire_all()
    rows = session.scalars(select(OutboundMessage).order_by(OutboundMessage.id)).all()
    assert all(r.status == "sent" for r in rows)
    flagged = [json.loads(r.payload)["markdown"]["content"] for r in rows if r.outcome_unknown]
    assert flagged == ["m02"]  # the only duplicate is the one whose outcome was unknown
    assert stats.duplicates_possible == [rows[2].id]
    dup_logs = [r for r in caplog.records if "POSSIBLE DUPLICATE" in r.getMessage()]
    assert len(dup_logs) == 1 and str(rows[2].id) in dup_logs[0].getMessage()
    assert any("outcome unknown" in r.getMessage() for r in caplog.records)


def test_permanent_error_stops_and_stays_visible_then_retry(
    database: Database,
    session: Session,
    fake: FakeRobot,
    clock: SimClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    robot = _robot(session)
    _queue(session, robot, 2)
    sender = RobotSender(fake.base_url, timeout=5, environ={"TEST_ROBOT_KEY": "wrong-key-abcdefgh"})
    d = Dispatcher(database.session_factory, sender, senders={}, clock=clock)
    with caplog.at_level(logging.DEBUG):
        stats = d.run_once()
    assert stats.failed == 2 and fake.refusals["93000"] == 2
    failed = dispatch.list_messages(session, failed_only=True)
    assert len(failed) == 2 and all("93000" in m.last_error for m in failed)
    assert all(m.attempts == 1 for m in failed)  # permanent: not retried
    # the key never reaches our logs (the fake server's own access log is WeCom's side)
    ours = [r.getMessage() for r in caplog.records if r.name != "werkzeug"]
    assert any("/cgi-bin/webhook/send" in m for m in ours)  # urllib3 did log the URL
    assert not any("wrong-key-abcdefgh" in m for m in ours)
    assert dispatch.retry(session, all_failed=True, now=clock()) == 2
    session.commit()
    assert _dispatcher(database, fake, clock).run_once().sent == 2


def test_network_error_backs_off_and_hides_the_key(
    database: Database, session: Session, clock: SimClock
) -> None:
    robot = _robot(session)
    _queue(session, robot, 2)
    # nothing listens on port 9 of loopback: connection refused
    sender = RobotSender("http://127.0.0.1:9", timeout=2, environ={"TEST_ROBOT_KEY": KEY})
    d = Dispatcher(
        database.session_factory, sender, senders={}, clock=clock, backoff_base_seconds=10
    )
    stats = d.run_once()
    assert stats.retried == 1 and stats.sent == 0  # the second waits behind the first
    session.expire_all()
    first, second = session.scalars(select(OutboundMessage).order_by(OutboundMessage.id)).all()
    assert first.status == "pending" and first.attempts == 1 and second.attempts == 0
    assert (first.next_attempt_at - clock()).total_seconds() == 10
    assert KEY not in first.last_error and "网络错误" in first.last_error
    session.rollback()  # release SQLite's write lock before the dispatcher runs
    clock.advance(11)
    d.run_once()
    session.expire_all()
    assert session.get_one(OutboundMessage, first.id).next_attempt_at > clock()
    assert session.get_one(OutboundMessage, first.id).attempts == 2


def test_split_markdown_keeps_order_and_byte_limit() -> None:
    lines = [f"第{i}行：" + "党员践诺" * 20 for i in range(200)]
    parts = split_markdown("\n".join(lines))
    assert len(parts) > 1
    assert all(len(p.encode()) <= 4096 for p in parts)
    assert "\n".join(parts).split("\n") == lines
    long_line = "长" * 3000  # 9000 bytes in one line
    cut = split_markdown(long_line)
    assert "".join(cut) == long_line and all(len(p.encode()) <= 4096 for p in cut)
