"""The chat's own state: a short conversation waiting for "1"/"2", and voice messages kept
with the log or request they belong to."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow


class ChatState(Base):
    """One pending question per account (e.g. "要把这条作为问题反映提交吗？"), held server-side
    so that the answer may reach another worker or a restarted one; void after ``expires_at``."""

    __tablename__ = "chat_state"

    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    payload: Mapped[str] = mapped_column(Text, default="{}")  # JSON
    expires_at: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class VoiceClip(Base):
    """A voice message a user sent: WeChat's recognised text (if any) and the audio itself,
    downloaded by the outbox worker (media/get) and kept with its log or request."""

    __tablename__ = "voice_clip"

    id: Mapped[int] = mapped_column(primary_key=True)
    wechat_media_id: Mapped[str] = mapped_column(String(128))
    recognition: Mapped[str] = mapped_column(Text, default="")
    audio_format: Mapped[str] = mapped_column(String(16), default="amr")
    storage_key: Mapped[str | None] = mapped_column(String(255), unique=True)
    status: Mapped[str] = mapped_column(String(12), default="downloading")  # ready|failed
    account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"), index=True)
    log_id: Mapped[int | None] = mapped_column(ForeignKey("fulfilment_log.id"), index=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("request.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
