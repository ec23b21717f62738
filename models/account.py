"""WeChat identities and the single-use codes that bind them to roster entries."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow
from .org import Household, Member


class Account(Base):
    """A WeChat user (official account and/or mini-program), resident or bound member."""

    __tablename__ = "account"

    id: Mapped[int] = mapped_column(primary_key=True)
    oa_openid: Mapped[str | None] = mapped_column(String(64), unique=True)
    mp_openid: Mapped[str | None] = mapped_column(String(64), unique=True)
    unionid: Mapped[str | None] = mapped_column(String(64), unique=True)
    nickname: Mapped[str] = mapped_column(String(64), default="")
    name: Mapped[str] = mapped_column(String(50), default="")
    phone: Mapped[str] = mapped_column(String(20), default="")
    member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"), unique=True)
    household_id: Mapped[int | None] = mapped_column(ForeignKey("household.id"), index=True)
    # How and when the resident linked to the household (their consent): code, scan or phone.
    household_linked_via: Mapped[str] = mapped_column(String(10), default="")
    household_consent_at: Mapped[datetime | None]
    subscribed: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    member: Mapped[Member | None] = relationship()
    household: Mapped[Household | None] = relationship()


class BindCode(Base):
    """A single-use, expiring code that binds a WeChat account to a member."""

    __tablename__ = "bind_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    used_by_account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    member: Mapped[Member] = relationship()
