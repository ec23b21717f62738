"""The township's routines (practices): 联户走访 visits, 主题党日 party days with attendance and
members' reports, the secretary's monthly branch score (支部考评) and the quarterly residents'
survey (群众测评)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, StrEnum, utcnow


class HouseholdVisit(Base):
    """One visit of a linked member to a household (连心笔记本): what was asked, mediated, seen."""

    __tablename__ = "household_visit"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"), index=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    visited_on: Mapped[date] = mapped_column(index=True)
    note: Mapped[str] = mapped_column(Text, default="")
    photo_key: Mapped[str | None] = mapped_column(String(255))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    location_label: Mapped[str] = mapped_column(String(200), default="")
    channel: Mapped[str] = mapped_column(String(16), default="")  # bot, mp, console
    created_by_account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Attendance(StrEnum):
    PRESENT = "present"
    LEAVE = "leave"  # 请假: recorded, not counted as absence
    ABSENT = "absent"


class PartyDay(Base):
    """A branch's 主题党日 of a month (date and topic), created by its secretary."""

    __tablename__ = "party_day"
    __table_args__ = (UniqueConstraint("org_id", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    month: Mapped[str] = mapped_column(String(7))  # 2026-11
    held_on: Mapped[date]
    topic: Mapped[str] = mapped_column(String(200))
    created_by_member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PartyDayAttendance(Base):
    """A member's attendance at a party day: present (scan, mini-program or marked), on leave."""

    __tablename__ = "party_day_attendance"
    __table_args__ = (UniqueConstraint("party_day_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    party_day_id: Mapped[int] = mapped_column(ForeignKey("party_day.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    status: Mapped[str] = mapped_column(String(10))
    via: Mapped[str] = mapped_column(String(10), default="")  # scan, mp, secretary, self
    note: Mapped[str] = mapped_column(String(200), default="")
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class PartyDayReport(Base):
    """A member's report (发言稿) for a party day: drafted from the month's logs, then edited."""

    __tablename__ = "party_day_report"
    __table_args__ = (UniqueConstraint("party_day_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    party_day_id: Mapped[int] = mapped_column(ForeignKey("party_day.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    text: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class BranchScore(Base):
    """The secretary's monthly score of a member (每月一次支部考评), from the configured rubric."""

    __tablename__ = "branch_score"
    __table_args__ = (UniqueConstraint("member_id", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    month: Mapped[str] = mapped_column(String(7))  # 2026-11
    grade: Mapped[str] = mapped_column(String(16))
    score: Mapped[int] = mapped_column(Integer)  # the rubric's value of the grade when scored
    note: Mapped[str] = mapped_column(String(500), default="")
    scored_by_member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    scored_by_account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Survey(Base):
    """A branch's quarterly residents' survey (每季一次群众测评)."""

    __tablename__ = "survey"
    __table_args__ = (UniqueConstraint("org_id", "quarter"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    quarter: Mapped[str] = mapped_column(String(7))  # 2026Q4
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)


class SurveyResponse(Base):
    """One resident's answer to a survey: one per resident (account) per survey."""

    __tablename__ = "survey_response"
    __table_args__ = (UniqueConstraint("survey_id", "account_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    comment: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SurveyRating(Base):
    """A resident's rating of one member within their survey answer."""

    __tablename__ = "survey_rating"
    __table_args__ = (UniqueConstraint("response_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("survey_response.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    rating: Mapped[str] = mapped_column(String(16))
    score: Mapped[int] = mapped_column(Integer)
