"""Commitments, their reviews, fulfilment logs and photos."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, StrEnum, utcnow
from .org import Member, Organisation


class OwnerKind(StrEnum):
    MEMBER = "member"
    BRANCH = "branch"


class TargetKind(StrEnum):
    COUNT = "count"  # reach a total quantity within the validity period
    PERIODIC = "periodic"  # at least `target_quantity` in every period
    DEADLINE = "deadline"  # done (target reached) by `end_date`


class Frequency(StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"
    BIWEEKLY = "biweekly"  # 每两周
    HALFMONTH = "halfmonth"  # 每半月: 1st–15th, 16th–end
    MONTHLY = "monthly"
    BIMONTHLY = "bimonthly"  # 每两个月: Jan–Feb, Mar–Apr…
    QUARTERLY = "quarterly"
    HALFYEARLY = "halfyearly"  # 每半年
    YEARLY = "yearly"


class CommitmentStatus(StrEnum):
    DRAFT = "draft"
    PENDING_GROUP = "pending_group"
    PENDING_BRANCH = "pending_branch"
    PENDING_TOWNSHIP = "pending_township"
    PUBLISHED = "published"
    WITHDRAWN = "withdrawn"


class ReviewLevel(StrEnum):
    GROUP = "group"
    BRANCH = "branch"
    TOWNSHIP = "township"


class ContentStatus(StrEnum):
    """Content-gate state of user text that becomes public (``services/content.py``).

    Public: ``pass`` (checked) and ``not_checked`` (WeChat could not check it; the local word
    list found nothing). Not public: ``pending`` (WeChat's answer awaited), ``held`` (waits for
    the branch secretary's approval) and ``rejected``. The rule itself is
    ``services.visibility``.
    """

    NOT_CHECKED = "not_checked"
    PENDING = "pending"
    HELD = "held"
    PASS = "pass"  # noqa: S105 (a state, not a password)
    REJECTED = "rejected"


def _year_of_start(context: Any) -> int:
    """A row inserted without a cycle year belongs to the year it starts in."""
    start = context.get_current_parameters()["start_date"]
    return int(str(start)[:4])


class Commitment(Base):
    __tablename__ = "commitment"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_kind: Mapped[str] = mapped_column(String(10))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"), index=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    # 结对共建: a branch pledge of an organ branch to the paired village branch it serves.
    partner_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    category: Mapped[str] = mapped_column(String(32), default="")
    title: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    target_quantity: Mapped[int] = mapped_column(Integer)
    unit: Mapped[str] = mapped_column(String(10))
    target_kind: Mapped[str] = mapped_column(String(10))
    frequency: Mapped[str | None] = mapped_column(String(10))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    # 年初承诺、年内践诺、年终评诺: the year the commitment belongs to (the wall shows the years
    # not yet closed by ``flask cycle close``); a carried-over draft names its predecessor.
    cycle_year: Mapped[int] = mapped_column(Integer, index=True, default=_year_of_start)
    carried_from_id: Mapped[int | None] = mapped_column(
        ForeignKey("commitment.id"), unique=True, default=None
    )
    beneficiary: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(
        String(20), default=CommitmentStatus.DRAFT.value, index=True
    )
    last_rejection_reason: Mapped[str] = mapped_column(String(500), default="")
    content_status: Mapped[str] = mapped_column(String(12), default=ContentStatus.NOT_CHECKED.value)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    created_by_account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    submitted_at: Mapped[datetime | None]
    published_at: Mapped[datetime | None]
    withdrawn_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    member: Mapped[Member | None] = relationship()
    org: Mapped[Organisation] = relationship(foreign_keys=[org_id])


class CycleClose(Base):
    """A closed cycle year (``flask cycle close``): its figures are frozen in ``YearRecord``."""

    __tablename__ = "cycle_close"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    closed_on: Mapped[date] = mapped_column(Date)
    closed_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_by_account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))


class MonthClose(Base):
    """A closed month (月结, ``services.month_close``): every commitment's progress tally as
    it stood at the month's end is kept in ``MonthTally``, so reports for that month (and the
    quarter or half year it ends) read it instead of grouping the whole fulfilment log."""

    __tablename__ = "month_close"

    month: Mapped[str] = mapped_column(String(7), primary_key=True)  # 2026-10
    until: Mapped[datetime] = mapped_column()  # the month's end (UTC): logs recorded before it
    closed_at: Mapped[datetime] = mapped_column(default=utcnow)
    commitments: Mapped[int] = mapped_column(Integer, default=0)  # tallies kept


class MonthTally(Base):
    """One commitment's progress tally at the end of a closed month, as recorded by then
    (``services.progress_sql``'s four numbers); a commitment with no such logs has no row."""

    __tablename__ = "month_tally"

    month: Mapped[str] = mapped_column(
        ForeignKey("month_close.month", ondelete="CASCADE"), primary_key=True
    )
    commitment_id: Mapped[int] = mapped_column(
        ForeignKey("commitment.id", ondelete="CASCADE"), primary_key=True
    )
    done: Mapped[int] = mapped_column(Integer)
    done_in_time: Mapped[int] = mapped_column(Integer)
    met: Mapped[int] = mapped_column(Integer)
    met_at: Mapped[int] = mapped_column(Integer)


class YearRecord(Base):
    """The frozen record of a closed year for one commitment, member or branch (JSON figures)."""

    __tablename__ = "year_record"
    __table_args__ = (UniqueConstraint("year", "kind", "subject_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    kind: Mapped[str] = mapped_column(String(12))  # commitment | member | branch
    subject_id: Mapped[int] = mapped_column(Integer)
    org_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    figures: Mapped[str] = mapped_column(Text)  # JSON
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CommitmentRequest(Base):
    """A demand from the list (a resident's request) claimed by a commitment."""

    __tablename__ = "commitment_request"
    __table_args__ = (UniqueConstraint("commitment_id", "request_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    commitment_id: Mapped[int] = mapped_column(ForeignKey("commitment.id"), index=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("request.id"), index=True)


class Review(Base):
    __tablename__ = "review"
    # One decision per level of each revision: two simultaneous approvals cannot both land.
    __table_args__ = (UniqueConstraint("commitment_id", "revision", "level"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    commitment_id: Mapped[int] = mapped_column(ForeignKey("commitment.id"), index=True)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    level: Mapped[str] = mapped_column(String(10))
    reviewer_account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    reviewer_member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    decision: Mapped[str] = mapped_column(String(10))  # approved | rejected
    reason: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class FulfilmentLog(Base):
    """What a member did towards a commitment (践诺记实)."""

    __tablename__ = "fulfilment_log"
    # Progress reads (commitment, day, quantity) for many commitments at once, and the
    # summaries' tallies (also when recorded, and by whom): a covering index lets the GROUP BY
    # stream in index order on SQLite and PostgreSQL alike, without reading the table.
    __table_args__ = (
        Index(
            "ix_fulfilment_log_tally",
            "commitment_id",
            "happened_on",
            "quantity",
            "created_at",
            "member_id",
        ),
        # Reads of a range of days (a period's logs per commitment, each member's logs of the
        # last two months) find every column they need in the day index, without the table.
        Index(
            "ix_fulfilment_log_day",
            "happened_on",
            "commitment_id",
            "member_id",
            "quantity",
            "created_at",
        ),
        # The 待核实 queue reads only unverified logs: a partial index keeps it off verified rows.
        Index(
            "ix_fulfilment_log_unverified",
            "commitment_id",
            "created_at",
            sqlite_where=text("verified_at IS NULL"),
            postgresql_where=text("verified_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    commitment_id: Mapped[int] = mapped_column(ForeignKey("commitment.id"))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"), index=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    note: Mapped[str] = mapped_column(Text, default="")
    happened_on: Mapped[date] = mapped_column(Date)  # ix_fulfilment_log_day
    channel: Mapped[str] = mapped_column(String(16))  # bot | miniprogram | web | demo | import
    source_msg_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    content_status: Mapped[str] = mapped_column(String(12), default=ContentStatus.NOT_CHECKED.value)
    verified_at: Mapped[datetime | None]
    verified_by_account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    commitment: Mapped[Commitment] = relationship()
    photos: Mapped[list[Photo]] = relationship(
        back_populates="log", order_by="Photo.id", foreign_keys="Photo.log_id"
    )


class Photo(Base):
    """An uploaded or WeChat-sent image, attached to a log or a request."""

    __tablename__ = "photo"

    id: Mapped[int] = mapped_column(primary_key=True)
    storage_key: Mapped[str | None] = mapped_column(String(255), unique=True)
    content_type: Mapped[str] = mapped_column(String(32), default="image/jpeg")
    wechat_media_id: Mapped[str | None] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(12), default="ready")  # ready | downloading | failed
    uploader_account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"), index=True)
    log_id: Mapped[int | None] = mapped_column(ForeignKey("fulfilment_log.id"), index=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("request.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    log: Mapped[FulfilmentLog | None] = relationship(back_populates="photos", foreign_keys=[log_id])
