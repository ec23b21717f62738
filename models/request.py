"""Residents' requests (诉求): problems, small wishes, suggestions, complaints."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .account import Account
from .base import Base, StrEnum, utcnow
from .org import Member, Organisation


class RequestKind(StrEnum):
    PROBLEM = "problem"
    WISH = "wish"
    SUGGESTION = "suggestion"
    COMPLAINT = "complaint"


class RequestStatus(StrEnum):
    SUBMITTED = "submitted"
    ASSIGNED = "assigned"
    CLAIMED = "claimed"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    CONFIRMED = "confirmed"


class Resolution(StrEnum):
    DONE = "done"
    NOT_FEASIBLE = "not_feasible"
    DUPLICATE = "duplicate"
    REFERRED = "referred"


class Rating(StrEnum):
    SATISFIED = "satisfied"
    BASICALLY_SATISFIED = "basically_satisfied"
    UNSATISFIED = "unsatisfied"


class Request(Base):
    __tablename__ = "request"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    kind: Mapped[str] = mapped_column(String(12))
    text: Mapped[str] = mapped_column(Text)
    location: Mapped[str] = mapped_column(String(200), default="")
    # a location message sent in the chat: WeChat's coordinates (GCJ-02) and place label
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    location_label: Mapped[str] = mapped_column(String(200), default="")
    channel: Mapped[str] = mapped_column(String(16), default="web")
    # left on the web form for the callback (回访); staff only, masked everywhere public
    callback_phone: Mapped[str] = mapped_column(String(20), default="")
    source_msg_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    submitter_account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"), index=True)
    household_id: Mapped[int | None] = mapped_column(ForeignKey("household.id"))
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    assignee_member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"), index=True)
    status: Mapped[str] = mapped_column(
        String(12), default=RequestStatus.SUBMITTED.value, index=True
    )
    resolution: Mapped[str | None] = mapped_column(String(12))
    resolution_note: Mapped[str] = mapped_column(Text, default="")
    due_at: Mapped[datetime]
    first_answered_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    confirmed_at: Mapped[datetime | None]
    reopened_count: Mapped[int] = mapped_column(Integer, default=0)
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    escalated_at: Mapped[datetime | None]
    rating: Mapped[str | None] = mapped_column(String(20))
    rating_comment: Mapped[str] = mapped_column(String(500), default="")
    rated_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    submitter: Mapped[Account | None] = relationship()
    org: Mapped[Organisation] = relationship()
    assignee: Mapped[Member | None] = relationship()
