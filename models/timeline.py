"""Every state change of a commitment or a request: who, when, what, why.

A change to a fulfilment log (edit, delete, verification, a resident's sign-off) is an entry on
its commitment's timeline: ``log_id`` names the log (no foreign key: the entry outlives a
deleted log) and ``state_before`` / ``state_after`` hold the log's fields as JSON."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow


class TimelineEntry(Base):
    __tablename__ = "timeline_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    commitment_id: Mapped[int | None] = mapped_column(ForeignKey("commitment.id"), index=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("request.id"), index=True)
    log_id: Mapped[int | None] = mapped_column(Integer, index=True)
    actor_account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    actor_member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    actor_label: Mapped[str] = mapped_column(String(50), default="")
    action: Mapped[str] = mapped_column(String(20))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str | None] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    state_before: Mapped[str | None] = mapped_column(Text)  # JSON, log entries only
    state_after: Mapped[str | None] = mapped_column(Text)  # JSON, log entries only
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
