"""Mini-program subscription grants (订阅消息): each answer a user gave to
``wx.requestSubscribeMessage`` for one template. An ``accept`` lets the app send that user one
message with that template (WeChat's one-time subscriptions); sending spends it (``used_at``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, StrEnum, utcnow


class SubscriptionDecision(StrEnum):
    ACCEPT = "accept"  # 允许
    REJECT = "reject"  # 拒绝
    BAN = "ban"  # the template was banned by WeChat
    FILTER = "filter"  # filtered by WeChat's background (the title matched others)


class SubscriptionGrant(Base):
    __tablename__ = "subscription_grant"
    __table_args__ = (Index("ix_subscription_grant_open", "account_id", "template_id", "used_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    template_id: Mapped[str] = mapped_column(String(64))
    scene: Mapped[str] = mapped_column(String(16))  # where it was asked: request / inbox
    decision: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(default=None)
