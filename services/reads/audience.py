"""Who a push goes to: the enabled group robots, the members who have not logged this month
(not the exempt, nor those whose commitments are all done), the members whose period or
deadline is about to be missed. Facts for ``scheduler/pushes.py``."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from models import (
    Account,
    Commitment,
    CommitmentStatus,
    FulfilmentLog,
    GroupRobot,
    Member,
    Organisation,
    OwnerKind,
)
from services import progress
from services.reads.items import DONE_STATES
from services.reads.periods import Period


def published_daily_sums(
    session: Session, *conditions: ColumnElement[bool]
) -> dict[int, list[tuple[date, int]]]:
    """Logged quantity per (published commitment, day), in one grouped query."""
    sums: dict[int, list[tuple[date, int]]] = defaultdict(list)
    parse_day = progress.DayParser()
    for cid, day, qty in session.execute(
        select(
            FulfilmentLog.commitment_id, progress.raw_day_column(), func.sum(FulfilmentLog.quantity)
        )
        .join(Commitment, Commitment.id == FulfilmentLog.commitment_id)
        .where(Commitment.status == CommitmentStatus.PUBLISHED.value, *conditions)
        .group_by(FulfilmentLog.commitment_id, FulfilmentLog.happened_on)
    ):
        sums[cid].append((parse_day(day), int(qty)))
    return sums


@dataclass(frozen=True)
class Robot:
    id: int
    org_id: int
    org_kind: str


def robots(session: Session) -> list[Robot]:
    """Every enabled group robot with the kind of organisation it serves, in one query."""
    return [
        Robot(int(r[0]), int(r[1]), str(r[2]))
        for r in session.execute(
            select(GroupRobot.id, GroupRobot.org_id, Organisation.kind)
            .join(Organisation, Organisation.id == GroupRobot.org_id)
            .where(GroupRobot.enabled.is_(True))
            .order_by(GroupRobot.id)
        )
    ]


def not_logged_this_month(session: Session, period: Period, today: date) -> dict[int, list[str]]:
    """Per branch: members with a started, unfinished published commitment who have logged
    nothing this month. The exempt and those whose commitments are all done are not asked."""
    end = min(period.end, today)
    logged = {
        int(m or 0)
        for m in session.scalars(
            select(FulfilmentLog.member_id)
            .where(
                FulfilmentLog.happened_on >= period.start,
                FulfilmentLog.happened_on <= end,
                FulfilmentLog.member_id.is_not(None),
            )
            .distinct()
        )
    }
    rows = session.execute(
        select(
            Commitment.id,
            Commitment.member_id,
            Member.name,
            Member.org_id,
            Commitment.target_kind,
            Commitment.target_quantity,
            Commitment.start_date,
            Commitment.end_date,
            Commitment.frequency,
        )
        .join(Member, Member.id == Commitment.member_id)
        .where(
            Commitment.status == CommitmentStatus.PUBLISHED.value,
            Commitment.owner_kind == OwnerKind.MEMBER.value,
            Commitment.start_date <= end,
            Member.active.is_(True),
            Member.exempt.is_(False),
        )
    ).all()
    sums = published_daily_sums(
        session,
        Commitment.owner_kind == OwnerKind.MEMBER.value,
        FulfilmentLog.happened_on <= end,
    )
    unfinished: dict[int, tuple[str, int]] = {}
    for c in rows:
        if c.member_id in logged or c.member_id in unfinished:
            continue
        target = progress.Target(
            c.target_kind, c.target_quantity, c.start_date, c.end_date, c.frequency
        )
        if progress.compute(target, sums.get(c.id, []), end).state not in DONE_STATES:
            unfinished[c.member_id] = (c.name, c.org_id)
    pending: dict[int, list[str]] = defaultdict(list)
    for mid in sorted(unfinished):
        name, org_id = unfinished[mid]
        pending[org_id].append(name)
    return pending


@dataclass(frozen=True)
class Due:
    """A member's published commitment whose period or deadline ends soon and is not yet met."""

    commitment_id: int
    title: str
    member_id: int | None
    openid: str | None
    next_due: date


def reminders_due(session: Session, today: date, days_ahead: int) -> list[Due]:
    """Commitments whose current period or deadline ends within ``days_ahead`` days, unmet."""
    rows = session.execute(
        select(
            Commitment.id,
            Commitment.title,
            Commitment.member_id,
            Commitment.target_kind,
            Commitment.target_quantity,
            Commitment.start_date,
            Commitment.end_date,
            Commitment.frequency,
        ).where(
            Commitment.status == CommitmentStatus.PUBLISHED.value,
            Commitment.owner_kind == OwnerKind.MEMBER.value,
            Commitment.start_date <= today,
            Commitment.end_date >= today,
        )
    ).all()
    sums = published_daily_sums(
        session, Commitment.end_date >= today, FulfilmentLog.happened_on <= today
    )
    openids: dict[Any, Any] = dict(
        session.execute(  # type: ignore[arg-type]
            select(Account.member_id, Account.oa_openid).where(
                Account.member_id.is_not(None), Account.oa_openid.is_not(None)
            )
        ).all()
    )
    due: list[Due] = []
    for c in rows:
        target = progress.Target(
            c.target_kind, c.target_quantity, c.start_date, c.end_date, c.frequency
        )
        p = progress.compute(target, sums.get(c.id, []), today)
        if p.state in DONE_STATES:
            continue
        if p.next_due is None or not today <= p.next_due <= today + timedelta(days=days_ahead):
            continue
        if c.target_kind == "periodic" and c.frequency:
            start = progress.period_start(today, c.frequency)
            if sum(q for d, q in sums.get(c.id, []) if d >= start) >= c.target_quantity:
                continue
        due.append(Due(c.id, c.title, c.member_id, openids.get(c.member_id), p.next_due))
    return due
