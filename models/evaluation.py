"""Evaluations (评诺) and the points ledger (先锋指数)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, StrEnum, utcnow


class EvaluationKind(StrEnum):
    RESIDENT_RATING = "resident_rating"  # the resident served rates a request or commitment
    BRANCH_GRADE = "branch_grade"  # the branch grades a member at year end
    TOWNSHIP_GRADE = "township_grade"  # the township grades a branch at year end
    MUTUAL = "mutual"  # members' half-year mutual evaluation


def _one_per(name: str, kind: str, *columns: str) -> Index:
    """At most one evaluation of ``kind`` per key (a partial unique index: the other kinds
    leave these columns empty, and NULLs never collide)."""
    where = text(f"kind = '{kind}'")
    return Index(name, *columns, unique=True, sqlite_where=where, postgresql_where=where)


class Evaluation(Base):
    __tablename__ = "evaluation"
    # One year-end grade per member / branch, one mutual vote per (voter, subject, half year):
    # a second simultaneous POST is refused by the database, not stored twice.
    __table_args__ = (
        _one_per("uq_evaluation_branch_grade", "branch_grade", "period", "subject_member_id"),
        _one_per("uq_evaluation_township_grade", "township_grade", "period", "subject_org_id"),
        _one_per(
            "uq_evaluation_mutual", "mutual", "period", "subject_member_id", "evaluator_member_id"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    period: Mapped[str] = mapped_column(String(10), default="")  # 2026, 2026H1, 2026-10
    subject_member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"), index=True)
    subject_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    commitment_id: Mapped[int | None] = mapped_column(ForeignKey("commitment.id"), index=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("request.id"), index=True)
    evaluator_account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    evaluator_member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    rating: Mapped[str] = mapped_column(String(20))  # satisfied… or excellent/qualified/…
    score: Mapped[int | None] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PointsEntry(Base):
    """One line of a member's points ledger; only verified events create one."""

    __tablename__ = "points_entry"
    __table_args__ = (UniqueConstraint("member_id", "rule", "source_type", "source_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    points: Mapped[int] = mapped_column(Integer)
    rule: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(String(200))
    source_type: Mapped[str] = mapped_column(String(16))
    source_id: Mapped[int] = mapped_column(Integer)
    occurred_at: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
