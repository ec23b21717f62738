"""Residents' side of the ledger: 雷锋文明存折 civic points and their exchange, and 议事.

Civic points never mix with members' 先锋指数 (``points_entry``): separate tables. A book's
``balance`` and a good's ``stock`` are kept in the row (changed only by conditional UPDATEs,
and never below zero: a check constraint stands behind the rule); a scan token is redeemed at
most once (unique ``civic_redemption.token``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, StrEnum, utcnow


class CivicBook(Base):
    """A 文明存折: one per household or per resident (``civic.book_per``)."""

    __tablename__ = "civic_book"
    __table_args__ = (CheckConstraint("balance >= 0", name="balance_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    household_id: Mapped[int | None] = mapped_column(ForeignKey("household.id"), unique=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"), unique=True)
    holder_name: Mapped[str] = mapped_column(String(50), default="")
    balance: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CivicEntryKind(StrEnum):
    AWARD = "award"
    EXCHANGE = "exchange"


class CivicEntry(Base):
    """One line of a book: an award (+) under a rule, or an exchange (−)."""

    __tablename__ = "civic_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    book_id: Mapped[int] = mapped_column(ForeignKey("civic_book.id"), index=True)
    points: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(10))
    rule: Mapped[str] = mapped_column(String(32), default="")
    reason: Mapped[str] = mapped_column(String(200), default="")
    photo_key: Mapped[str | None] = mapped_column(String(255))
    month: Mapped[str] = mapped_column(String(7), index=True)  # local YYYY-MM, for the caps
    actor_member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"), index=True)
    actor_account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    actor_label: Mapped[str] = mapped_column(String(50), default="")
    redemption_id: Mapped[int | None] = mapped_column(Integer, unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CivicCounter(Base):
    """A 兑换点 (e.g. the village's 便民服务中心) with its exchange days."""

    __tablename__ = "civic_counter"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    name: Mapped[str] = mapped_column(String(50))
    address: Mapped[str] = mapped_column(String(200), default="")
    # Days of the month on which the counter exchanges, "5,20"; empty: every day.
    days: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CivicGood(Base):
    """A good of a counter's catalogue: its price in points and its stock."""

    __tablename__ = "civic_good"
    __table_args__ = (
        CheckConstraint("stock >= 0", name="stock_not_negative"),
        UniqueConstraint("counter_id", "name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    counter_id: Mapped[int] = mapped_column(ForeignKey("civic_counter.id"), index=True)
    name: Mapped[str] = mapped_column(String(50))
    price: Mapped[int] = mapped_column(Integer)
    stock: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CivicScanToken(Base):
    """The short-lived code a resident shows (as a QR) at the counter."""

    __tablename__ = "civic_scan_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(40), unique=True)
    book_id: Mapped[int] = mapped_column(ForeignKey("civic_book.id"), index=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CivicRedemption(Base):
    """One exchange at a counter: one scan token, one good, its price in points."""

    __tablename__ = "civic_redemption"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(40), unique=True)
    book_id: Mapped[int] = mapped_column(ForeignKey("civic_book.id"), index=True)
    good_id: Mapped[int] = mapped_column(ForeignKey("civic_good.id"), index=True)
    counter_id: Mapped[int] = mapped_column(ForeignKey("civic_counter.id"), index=True)
    points: Mapped[int] = mapped_column(Integer)
    officer_member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    officer_account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    officer_label: Mapped[str] = mapped_column(String(50), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


# -- 议事 ---------------------------------------------------------------------------------


class AgendaStatus(StrEnum):
    RAISED = "raised"  # 已提出
    SCHEDULED = "scheduled"  # 已列入议事会
    DECIDED = "decided"  # 已议决
    DROPPED = "dropped"  # 不予采纳 (with a reason)


class AgendaOutcome(StrEnum):
    COMMITMENT = "commitment"
    REQUEST = "request"
    RULE = "rule"
    NONE = "none"


class AgendaMeeting(Base):
    """A 屋场会 / 议事亭 meeting: when, where, who came, what was said."""

    __tablename__ = "agenda_meeting"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    held_at: Mapped[datetime]
    place: Mapped[str] = mapped_column(String(100))
    attendees: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    created_by_member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class VillageRule(Base):
    """A 村规民约 article adopted by a 议事 decision."""

    __tablename__ = "village_rule"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AgendaItem(Base):
    """A matter residents or members raise (民事民提), discuss (民议) and decide (民决)."""

    __tablename__ = "agenda_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(16), unique=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default=AgendaStatus.RAISED.value, index=True)
    channel: Mapped[str] = mapped_column(String(12), default="")
    source_msg_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    raised_by_account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    raised_by_member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    raised_label: Mapped[str] = mapped_column(String(50), default="")  # masked for residents
    content_status: Mapped[str] = mapped_column(String(12), default="not_checked")
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("agenda_meeting.id"), index=True)
    hands_for: Mapped[int | None] = mapped_column(Integer)
    hands_against: Mapped[int | None] = mapped_column(Integer)
    decision: Mapped[str] = mapped_column(Text, default="")
    outcome: Mapped[str] = mapped_column(String(12), default="")
    commitment_id: Mapped[int | None] = mapped_column(ForeignKey("commitment.id"), unique=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("request.id"), unique=True)
    village_rule_id: Mapped[int | None] = mapped_column(ForeignKey("village_rule.id"))
    decided_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class AgendaVote(Base):
    """One vote per household on an item (a second vote of the household changes nothing)."""

    __tablename__ = "agenda_vote"
    __table_args__ = (UniqueConstraint("item_id", "household_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("agenda_item.id"), index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    choice: Mapped[str] = mapped_column(String(10))  # for / against / abstain
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AgendaEvent(Base):
    """The item's timeline: raised, scheduled, voted, decided, dropped (who, when, what)."""

    __tablename__ = "agenda_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("agenda_item.id"), index=True)
    action: Mapped[str] = mapped_column(String(20))
    from_status: Mapped[str | None] = mapped_column(String(12))
    to_status: Mapped[str | None] = mapped_column(String(12))
    actor_account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    actor_member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    actor_label: Mapped[str] = mapped_column(String(50), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
