"""Shared reads of the record (记实) for a branch and a date range: its branches, published
commitments in force, logs. Used by the drafts and the year-end workbook."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from infra.clock import local_tz
from models import Commitment, CommitmentStatus, FulfilmentLog, Organisation, OrgKind
from services import progress
from services.errors import ValidationError
from services.progress import State

DONE_STATES = (State.COMPLETED, State.COMPLETED_LATE)


def check_year(year: int) -> None:
    if not 2000 <= year <= 2100:
        raise ValidationError("year", "年份应为四位数字，例如 2026")


def bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """UTC instants for [start 00:00, end+1 00:00) in local time."""
    s = datetime.combine(start, time(0), tzinfo=local_tz()).astimezone(UTC)
    e = datetime.combine(end, time(23, 59, 59, 999999), tzinfo=local_tz()).astimezone(UTC)
    return s, e


def month_end(year: int, month: int) -> date:
    return progress.period_end(date(year, month, 1), "monthly")


def branches(session: Session, org: Organisation) -> list[Organisation]:
    if org.kind == OrgKind.BRANCH.value:
        return [org]
    return list(
        session.scalars(
            select(Organisation)
            .where(
                Organisation.kind == OrgKind.BRANCH.value, Organisation.path.startswith(org.path)
            )
            .order_by(Organisation.sort_order, Organisation.id)
        )
    )


def commitments(session: Session, branch_id: int, start: date, end: date) -> list[Commitment]:
    """Published commitments of the branch (its own and its members') in force in [start, end]."""
    return list(
        session.scalars(
            select(Commitment)
            .where(
                Commitment.org_id == branch_id,
                Commitment.status == CommitmentStatus.PUBLISHED.value,
                Commitment.start_date <= end,
                Commitment.end_date >= start,
            )
            .options(selectinload(Commitment.member))
            .order_by(Commitment.owner_kind, Commitment.member_id, Commitment.id)
        )
    )


def logs(
    session: Session, branch_id: int, start: date, end: date, member_id: int | None = None
) -> list[FulfilmentLog]:
    q = (
        select(FulfilmentLog)
        .join(Commitment, Commitment.id == FulfilmentLog.commitment_id)
        .where(
            Commitment.org_id == branch_id,
            FulfilmentLog.happened_on >= start,
            FulfilmentLog.happened_on <= end,
        )
        .options(selectinload(FulfilmentLog.commitment))
        .order_by(FulfilmentLog.happened_on, FulfilmentLog.id)
    )
    if member_id is not None:
        q = q.where(FulfilmentLog.member_id == member_id)
    return list(session.scalars(q))


def fmt_day(d: date) -> str:
    return f"{d.month}月{d.day}日"
