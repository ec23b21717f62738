"""The outbox dispatcher: sends ``OutboundMessage`` rows, safely, in order, within rate limits.

How a row travels: ``pending`` → (claimed: ``sending``, ``attempts`` + 1, committed) → the
network call → ``sent`` (committed) — or back to ``pending`` with a later ``next_attempt_at``
(network error, HTTP 5xx, rate limit: exponential backoff), or ``failed`` (a permanent error
such as an invalid webhook key, or ``max_attempts`` used up). Failed rows stay visible
(``flask outbox list --failed``) until someone retries them (``flask outbox retry``).

Claiming is safe with several dispatchers: on PostgreSQL with ``FOR UPDATE SKIP LOCKED``; on
SQLite the claim runs inside a ``BEGIN IMMEDIATE`` transaction (see ``models/db.py``) as an
``UPDATE … WHERE id = ? AND status = 'pending'`` whose row count says who won.

Group robots: rows claim one at a time, and a robot that already has a row in ``sending`` is
left alone, so each robot has at most one message in flight across all dispatchers; rows go out
in creation order; and before each claim the number of messages the robot sent in the last 60
seconds (``sent_at`` in the database, and a Redis sorted set when Redis is configured) must be
below ``wecom.rate_per_minute``.

A dispatcher that dies between sending and marking leaves its one in-flight row in ``sending``.
After ``stale_claim_seconds`` the next run puts it back to ``pending`` with ``outcome_unknown``
set and logs it: resending it is the only way a duplicate can happen, and it is logged as such.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from delivery import notices
from infra.clock import now_utc
from models import (
    GroupRobot,
    OutboundChannel,
    OutboundMessage,
    OutboundStatus,
)
from services.errors import NotFound
from wechat.errors import WechatPermanentError

log = logging.getLogger("jiannuo.dispatch")

WINDOW = timedelta(seconds=60)
PENDING = OutboundStatus.PENDING.value
SENDING = OutboundStatus.SENDING.value
SENT = OutboundStatus.SENT.value
FAILED = OutboundStatus.FAILED.value
ROBOT = OutboundChannel.ROBOT.value


class RobotSenderLike(Protocol):
    def send(self, msg: OutboundMessage, robot: GroupRobot) -> None: ...


@dataclass
class DispatchStats:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    recovered: int = 0
    duplicates_possible: list[int] = field(default_factory=list)

    def __str__(self) -> str:
        return (
            f"发送 {self.sent} 条，稍后重试 {self.retried} 条，失败 {self.failed} 条，"
            f"恢复未知结果 {self.recovered} 条"
        )


class RateWindow:
    """Messages a robot sent in the last 60 s: from ``sent_at``, and from Redis if configured."""

    def __init__(self, redis: Any | None = None, prefix: str = "jiannuo:robot-window:") -> None:
        self.redis = redis
        self.prefix = prefix

    def count(self, session: Session, robot_id: int, now: datetime) -> int:
        in_db = (
            session.scalar(
                select(func.count(OutboundMessage.id)).where(
                    OutboundMessage.robot_id == robot_id,
                    OutboundMessage.status == SENT,
                    OutboundMessage.sent_at > now - WINDOW,
                )
            )
            or 0
        )
        if self.redis is None:
            return int(in_db)
        key = f"{self.prefix}{robot_id}"
        in_redis = self.redis.zcount(key, f"({(now - WINDOW).timestamp()}", "+inf")
        return max(int(in_db), int(in_redis))

    def record(self, robot_id: int, when: datetime, message_id: int) -> None:
        if self.redis is None:
            return
        key = f"{self.prefix}{robot_id}"
        ts = when.timestamp()
        pipe = self.redis.pipeline()
        pipe.zadd(key, {f"{message_id}:{ts}": ts})
        pipe.zremrangebyscore(key, "-inf", ts - 2 * WINDOW.total_seconds())
        pipe.expire(key, int(3 * WINDOW.total_seconds()))
        pipe.execute()


def _transient_classes() -> tuple[type[BaseException], type[BaseException]]:
    from wechat.errors import WechatPermanentError, WechatTransientError

    return WechatTransientError, WechatPermanentError


class Dispatcher:
    """One dispatcher process (or thread). ``clock`` is injectable for simulated time."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        robot_sender: RobotSenderLike,
        *,
        senders: Mapping[str, Callable[..., None]] | None = None,
        context_factory: Callable[[Session], Any] | None = None,
        rate_per_minute: int = 20,
        max_attempts: int = 10,
        backoff_base_seconds: float = 10,
        backoff_max_seconds: float = 1800,
        stale_claim_seconds: float = 120,
        clock: Callable[[], datetime] = now_utc,
        window: RateWindow | None = None,
        name: str | None = None,
        after_send: Callable[[OutboundMessage], None] | None = None,
    ) -> None:
        self.factory = factory
        self.robot_sender = robot_sender
        self._senders = senders
        self.context_factory = context_factory
        self.rate = rate_per_minute
        self.max_attempts = max_attempts
        self.backoff_base = backoff_base_seconds
        self.backoff_max = backoff_max_seconds
        self.stale = timedelta(seconds=stale_claim_seconds)
        self.clock = clock
        self.window = window or RateWindow()
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.after_send = after_send  # test hook: runs between the send and the mark
        self.transient, self.permanent = _transient_classes()

    # -- wiring ---------------------------------------------------------------------------

    @classmethod
    def from_settings(cls, factory: sessionmaker[Session], settings: Any, **kw: Any) -> Dispatcher:
        from wechat.robot import RobotSender

        w = settings.wecom
        redis = None
        if settings.redis.url:
            import redis as redis_lib

            redis = redis_lib.Redis.from_url(settings.redis.url)

        def context(session: Session) -> Any:
            from delivery.senders import SendContext

            return SendContext.build(settings, session)

        options: dict[str, Any] = {
            "context_factory": context,
            "rate_per_minute": w.rate_per_minute,
            "max_attempts": w.max_attempts,
            "backoff_base_seconds": w.backoff_base_seconds,
            "backoff_max_seconds": w.backoff_max_seconds,
            "stale_claim_seconds": settings.scheduler.stale_claim_seconds,
            "window": RateWindow(redis),
        }
        options.update(kw)
        sender = options.pop("robot_sender", None) or RobotSender(
            w.robot_base_url, w.timeout_seconds
        )
        return cls(factory, sender, **options)

    @property
    def senders(self) -> Mapping[str, Callable[..., None]]:
        if self._senders is None:
            from delivery.senders import SENDERS

            self._senders = SENDERS
        return self._senders

    def _is_pg(self, session: Session) -> bool:
        return session.get_bind().dialect.name == "postgresql"

    # -- one pass -------------------------------------------------------------------------

    def run_once(self, robot_ids: list[int] | None = None, budget: int = 10_000) -> DispatchStats:
        """Send everything that is due now (robots within their rate); returns counts."""
        stats = DispatchStats()
        stats.recovered = self.recover_stale()
        for robot_id in robot_ids if robot_ids is not None else self._due_robots():
            while budget > 0:
                msg_id = self._claim_robot_head(robot_id)
                if msg_id is None:
                    break
                budget -= 1
                if not self._send_one(msg_id, stats):
                    break  # retry later; later rows of this robot wait to keep the order
        if robot_ids is None:
            while budget > 0:
                msg_id = self._claim_other()
                if msg_id is None:
                    break
                budget -= 1
                self._send_one(msg_id, stats)
        return stats

    def recover_stale(self) -> int:
        """Rows left in 'sending' by a dead dispatcher go back to 'pending', outcome unknown."""
        now = self.clock()
        session = self.factory()
        try:
            q = select(OutboundMessage).where(
                OutboundMessage.status == SENDING, OutboundMessage.claimed_at < now - self.stale
            )
            if self._is_pg(session):
                q = q.with_for_update(skip_locked=True)
            rows = list(session.scalars(q.order_by(OutboundMessage.id)))
            for row in rows:
                log.warning(
                    "outbox %s (%s, robot %s) left in 'sending' by %s since %s: outcome unknown; "
                    "it will be sent again and MAY ARRIVE TWICE",
                    row.id,
                    row.channel,
                    row.robot_id,
                    row.claimed_by,
                    row.claimed_at,
                )
                row.status = PENDING
                row.outcome_unknown = True
                row.claimed_by = None
                row.claimed_at = None
                row.next_attempt_at = now
                row.last_error = "发送结果未知（发送进程中断），将重发，可能重复"
            session.commit()
            return len(rows)
        finally:
            session.close()

    def _due_robots(self) -> list[int]:
        now = self.clock()
        with self.factory() as session:
            rows = session.execute(
                select(OutboundMessage.robot_id, func.min(OutboundMessage.id))
                .where(
                    OutboundMessage.channel == ROBOT,
                    OutboundMessage.status == PENDING,
                    OutboundMessage.next_attempt_at <= now,
                    OutboundMessage.robot_id.is_not(None),
                )
                .group_by(OutboundMessage.robot_id)
                .order_by(func.min(OutboundMessage.id))
            ).all()
            session.rollback()
        return [int(r[0]) for r in rows]

    def _claim_robot_head(self, robot_id: int) -> int | None:
        """Claim the robot's oldest pending row if the robot is free, due and within rate."""
        now = self.clock()
        session = self.factory()
        try:
            if self._is_pg(session):
                locked = session.scalar(
                    select(GroupRobot.id)
                    .where(GroupRobot.id == robot_id)
                    .with_for_update(skip_locked=True)
                )
                if locked is None:
                    return None  # another dispatcher is claiming for this robot right now
            in_flight = session.scalar(
                select(func.count(OutboundMessage.id)).where(
                    OutboundMessage.robot_id == robot_id, OutboundMessage.status == SENDING
                )
            )
            if in_flight:
                return None
            head = session.execute(
                select(OutboundMessage.id, OutboundMessage.next_attempt_at)
                .where(OutboundMessage.robot_id == robot_id, OutboundMessage.status == PENDING)
                .order_by(OutboundMessage.id)
                .limit(1)
            ).first()
            if head is None or head[1] > now:
                return None
            if self.window.count(session, robot_id, now) >= self.rate:
                return None
            if not self._mark_claimed(session, head[0], now):
                return None
            session.commit()
            return int(head[0])
        finally:
            session.rollback()
            session.close()

    def _claim_other(self) -> int | None:
        now = self.clock()
        session = self.factory()
        try:
            q = (
                select(OutboundMessage.id)
                .where(
                    OutboundMessage.channel != ROBOT,
                    OutboundMessage.status == PENDING,
                    OutboundMessage.next_attempt_at <= now,
                )
                .order_by(OutboundMessage.next_attempt_at, OutboundMessage.id)
                .limit(1)
            )
            if self._is_pg(session):
                q = q.with_for_update(skip_locked=True)
            msg_id = session.scalar(q)
            if msg_id is None or not self._mark_claimed(session, msg_id, now):
                return None
            session.commit()
            return int(msg_id)
        finally:
            session.rollback()
            session.close()

    def _mark_claimed(self, session: Session, msg_id: int, now: datetime) -> bool:
        result = session.execute(
            update(OutboundMessage)
            .where(OutboundMessage.id == msg_id, OutboundMessage.status == PENDING)
            .values(
                status=SENDING,
                claimed_by=self.name,
                claimed_at=now,
                attempts=OutboundMessage.attempts + 1,
            )
            .execution_options(synchronize_session=False)
        )
        return getattr(result, "rowcount", 0) == 1

    # -- sending --------------------------------------------------------------------------

    def _send_one(self, msg_id: int, stats: DispatchStats) -> bool:
        """Send a claimed row. False when it must be retried later (the robot pauses)."""
        session = self.factory()
        try:
            msg = session.get_one(OutboundMessage, msg_id)
            if msg.outcome_unknown:
                stats.duplicates_possible.append(msg.id)
                log.warning(
                    "outbox %s: resending after an unknown outcome — POSSIBLE DUPLICATE "
                    "(idempotency key %s)",
                    msg.id,
                    msg.idempotency_key,
                )
            try:
                if msg.channel == ROBOT:
                    robot = session.get(GroupRobot, msg.robot_id) if msg.robot_id else None
                    if robot is None:
                        raise self.permanent("群机器人不存在")
                    session.commit()  # hold no lock (SQLite: the write lock) over the network
                    self.robot_sender.send(msg, robot)
                else:
                    sender = self.senders.get(msg.channel)
                    if sender is None:
                        raise self.permanent(f"没有 {msg.channel} 渠道的发送程序")
                    session.commit()  # senders call ctx.release() before their own network I/O
                    ctx = self.context_factory(session) if self.context_factory else None
                    sender(msg, ctx)
            except Exception as exc:
                session.rollback()
                return self._after_error(session, msg_id, exc, stats)
            if self.after_send is not None:
                self.after_send(msg)
            now = self.clock()
            msg.status = SENT
            msg.sent_at = now
            msg.last_error = "" if not msg.outcome_unknown else msg.last_error
            session.commit()
            stats.sent += 1
            if msg.robot_id is not None:
                self.window.record(msg.robot_id, now, msg.id)
            return True
        finally:
            session.close()

    def _after_error(
        self, session: Session, msg_id: int, exc: BaseException, stats: DispatchStats
    ) -> bool:
        msg = session.get_one(OutboundMessage, msg_id)
        now = self.clock()
        error = str(exc)[:500] or type(exc).__name__
        msg.last_error = error
        msg.claimed_by = None
        if isinstance(exc, self.permanent) or msg.attempts >= self.max_attempts:
            msg.status = FAILED
            session.commit()
            stats.failed += 1
            log.error(
                "outbox %s failed for good after %s attempt(s): %s", msg_id, msg.attempts, error
            )
            return True
        if not isinstance(exc, self.transient):
            log.exception("outbox %s: unexpected error, will retry", msg_id, exc_info=exc)
        delay = min(self.backoff_max, self.backoff_base * 2 ** max(0, msg.attempts - 1))
        if getattr(exc, "errcode", None) == 45009:
            delay = max(delay, WINDOW.total_seconds())  # rate-limited: wait out the window
        msg.status = PENDING
        msg.next_attempt_at = now + timedelta(seconds=delay)
        session.commit()
        stats.retried += 1
        log.info(
            "outbox %s: attempt %s failed (%s); retry in %ss",
            msg_id,
            msg.attempts,
            error,
            int(delay),
        )
        return False


# -- admin operations (flask outbox …) --------------------------------------------------


def list_messages(
    session: Session, failed_only: bool = False, limit: int = 50
) -> list[OutboundMessage]:
    q = select(OutboundMessage).order_by(OutboundMessage.id.desc()).limit(limit)
    if failed_only:
        q = q.where(OutboundMessage.status == FAILED)
    return list(session.scalars(q))


def retry(
    session: Session,
    message_id: int | None = None,
    *,
    all_failed: bool = False,
    now: datetime | None = None,
) -> int:
    """Put failed rows back to pending (attempts reset); returns how many."""
    now = now or now_utc()
    if message_id is not None:
        msg = session.get(OutboundMessage, message_id)
        if msg is None:
            raise NotFound(f"没有编号为 {message_id} 的待发消息")
        rows = [msg] if msg.status == FAILED else []
    elif all_failed:
        rows = list(
            session.scalars(select(OutboundMessage).where(OutboundMessage.status == FAILED))
        )
    else:
        rows = []
    for msg in rows:
        msg.status = PENDING
        msg.attempts = 0
        msg.next_attempt_at = now
        msg.claimed_by = None
        msg.claimed_at = None
    session.flush()
    return len(rows)


def summary_of(msg: OutboundMessage, width: int = 40) -> str:
    """A one-line preview of the payload for lists (never the recipient in full)."""
    try:
        data = json.loads(msg.payload)
    except ValueError:
        return msg.payload[:width]
    text = ""
    if isinstance(data, dict):
        try:
            data = notices.body_of(data)  # a queued notice previews as the text it will send
        except WechatPermanentError:
            pass
        if msg.channel == OutboundChannel.OA_VOICE.value:
            return "群众的语音留言（转给诉求的办理人收听）"[:width]
        if msg.channel == OutboundChannel.OA_IMAGE.value:
            return "图片（月度海报）"[:width]
        body = data.get("markdown") or data.get("text") or {}
        if isinstance(body, dict):
            text = str(body.get("content", ""))
        text = text or str(data.get("template_id", "")) or json.dumps(data, ensure_ascii=False)
    return text.replace("\n", " ")[:width]
