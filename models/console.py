"""The PC workbench (后台): its audit trail and the nonces of 扫码登录."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow


class StaffAudit(Base):
    """One console action: who, when, what, from which address, and how it ended."""

    __tablename__ = "staff_audit"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"), index=True)
    actor_name: Mapped[str] = mapped_column(String(50), default="")
    action: Mapped[str] = mapped_column(String(80))  # the console route, e.g. staff.verify_many
    target: Mapped[str] = mapped_column(String(200), default="")  # path with its ids
    detail: Mapped[str] = mapped_column(Text, default="")  # the form, without tokens or files
    address: Mapped[str] = mapped_column(String(64), default="")
    status: Mapped[int] = mapped_column(Integer, default=200)


class StaffQrLogin(Base):
    """A 扫码登录 attempt: the PC shows ``login:<nonce>``; scanning it in WeChat records the
    account, and the PC holding the nonce then opens a console session (once)."""

    __tablename__ = "staff_qr_login"

    id: Mapped[int] = mapped_column(primary_key=True)
    nonce_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 of the nonce
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    scanned_at: Mapped[datetime | None]
    used_at: Mapped[datetime | None]
