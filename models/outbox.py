"""Outgoing messages, group robots, scheduler job runs, inbound dedupe and replay window,
API tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, StrEnum, utcnow


class OutboundChannel(StrEnum):
    ROBOT = "robot"  # WeCom group robot webhook
    CUSTOMER_SERVICE = "customer_service"  # official-account customer-service message
    TEMPLATE = "template"  # official-account template message
    SUBSCRIPTION = "subscription"  # mini-program subscription message
    MEDIA_DOWNLOAD = "media_download"  # fetch an image the user sent (work, not a message)
    CONTENT_CHECK = "content_check"  # msg_sec_check of text that becomes public
    OA_IMAGE = "oa_image"  # official-account image (media uploaded first): the posters
    OA_VOICE = "oa_voice"  # a resident's voice message passed on to whoever holds the request


class OutboundStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


class GroupRobot(Base):
    """A WeCom group robot; its webhook key lives in an environment variable."""

    __tablename__ = "group_robot"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    name: Mapped[str] = mapped_column(String(50))
    webhook_env: Mapped[str] = mapped_column(String(100))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class OutboundMessage(Base):
    __tablename__ = "outbound_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    robot_id: Mapped[int | None] = mapped_column(ForeignKey("group_robot.id"), index=True)
    recipient: Mapped[str] = mapped_column(String(100), default="")  # openid, when personal
    payload: Mapped[str] = mapped_column(Text)  # JSON
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    status: Mapped[str] = mapped_column(String(10), default=OutboundStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    outcome_unknown: Mapped[bool] = mapped_column(Boolean, default=False)
    last_error: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class JobRun(Base):
    """One run of a scheduled job for one (job, period, target): never done twice."""

    __tablename__ = "job_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    job: Mapped[str] = mapped_column(String(50), index=True)
    period: Mapped[str] = mapped_column(String(20))
    target: Mapped[str] = mapped_column(String(50), default="")
    status: Mapped[str] = mapped_column(String(10), default="running")
    detail: Mapped[str] = mapped_column(Text, default="")
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]


class InboundMessage(Base):
    """A WeChat delivery seen by the callback: dedupe key and the answer given."""

    __tablename__ = "inbound_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(150), unique=True)
    openid: Mapped[str] = mapped_column(String(64), index=True)
    msg_type: Mapped[str] = mapped_column(String(20))
    reply: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class CallbackNonce(Base):
    """A (timestamp, nonce) the official-account callback has accepted, kept for the replay
    window when Redis is not configured; ``fingerprint`` is the message it carried."""

    __tablename__ = "callback_nonce"

    id: Mapped[int] = mapped_column(primary_key=True)
    nonce_key: Mapped[str] = mapped_column(String(100), unique=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(index=True)


class WechatToken(Base):
    """Cached access tokens per app id, when Redis is not configured."""

    __tablename__ = "wechat_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    app_id: Mapped[str] = mapped_column(String(64), unique=True)
    access_token: Mapped[str] = mapped_column(String(600))
    expires_at: Mapped[datetime]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=0)
