"""The facts behind the drafts a secretary edits before a meeting: a member's month for the
主题党日 report, a branch's quarter for the 季度讲评. The wording is in ``handlers/documents.py``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from infra.clock import local_date
from models import Commitment, FulfilmentLog, Member, Organisation, OwnerKind, Request
from services import privacy, progress
from services.errors import ValidationError
from services.progress import State
from services.reads import ledger


@dataclass(frozen=True)
class LoggedItem:
    day: date
    title: str
    quantity: int
    unit: str
    note: str  # masked: residents' phones never leave in a draft
    verified: bool


@dataclass(frozen=True)
class CommitmentLine:
    title: str
    label: str
    percent: int
    next_due: date | None  # None once completed
    owner_kind: str
    member_id: int | None
    lagging: bool


@dataclass(frozen=True)
class PartyDay:
    year: int
    month: int
    member: str
    branch: str
    logs: list[LoggedItem]
    commitments: list[CommitmentLine]


@dataclass(frozen=True)
class MemberQuarter:
    name: str
    logs: int
    commitments: int
    average_percent: int
    lagging: bool
    member_id: int = 0  # whose line it is (the 记实手册 prints a member's own)


@dataclass(frozen=True)
class QuarterReview:
    branch: str
    year: int
    quarter: int
    commitments: int
    completed: int
    logs: int
    requests: int
    requests_resolved: int
    branch_commitments: list[CommitmentLine]
    members: list[MemberQuarter]

    @property
    def lagging(self) -> list[str]:
        return [m.name for m in self.members if m.lagging]


def _line(c: Commitment, p: progress.Progress) -> CommitmentLine:
    done = p.state in ledger.DONE_STATES
    return CommitmentLine(
        c.title,
        p.label,
        p.percent,
        None if done else p.next_due,
        c.owner_kind,
        c.member_id,
        p.state in (State.BEHIND, State.OVERDUE),
    )


def _item(entry: FulfilmentLog) -> LoggedItem:
    c = entry.commitment
    return LoggedItem(
        entry.happened_on,
        c.title,
        entry.quantity,
        c.unit,
        privacy.scrub(entry.note),
        entry.verified_at is not None,
    )


def party_day(
    session: Session, member: Member, year: int, month: int, on: date | None = None
) -> PartyDay:
    """A member's month: their logs and the progress of their published commitments."""
    ledger.check_year(year)
    if not 1 <= month <= 12:
        raise ValidationError("month", "月份应为 1 到 12")
    start, end = date(year, month, 1), ledger.month_end(year, month)
    on = min(on or local_date(), end)
    branch = session.get_one(Organisation, member.org_id)
    logs = ledger.logs(session, branch.id, start, end, member.id)
    mine = [
        c for c in ledger.commitments(session, branch.id, start, end) if c.member_id == member.id
    ]
    prog = progress.progress_of(session, mine, on)
    return PartyDay(
        year,
        month,
        member.name,
        branch.name,
        [_item(e) for e in logs],
        [_line(c, prog[c.id]) for c in mine],
    )


def quarter_review(
    session: Session, branch: Organisation, year: int, quarter: int, on: date | None = None
) -> QuarterReview:
    """A branch's quarter: each member's logs and progress, the lagging, requests handled."""
    ledger.check_year(year)
    if quarter not in (1, 2, 3, 4):
        raise ValidationError("quarter", "季度应为 1 到 4")
    start = date(year, 3 * quarter - 2, 1)
    end = ledger.month_end(year, 3 * quarter)
    on = min(on or local_date(), end)
    commitments = ledger.commitments(session, branch.id, start, end)
    prog = progress.progress_of(session, commitments, on)
    logs = ledger.logs(session, branch.id, start, end)
    s, e = ledger.bounds(start, end)
    reqs = list(
        session.scalars(
            select(Request).where(
                Request.org_id == branch.id, Request.created_at >= s, Request.created_at <= e
            )
        )
    )
    per_member: dict[int, int] = {}
    for entry in logs:
        if entry.member_id:
            per_member[entry.member_id] = per_member.get(entry.member_id, 0) + 1
    members = []
    for m in session.scalars(
        select(Member)
        .where(Member.org_id == branch.id, Member.active.is_(True))
        .order_by(Member.name, Member.id)
    ):
        mine = [c for c in commitments if c.member_id == m.id]
        if not mine:
            continue
        members.append(
            MemberQuarter(
                m.name,
                per_member.get(m.id, 0),
                len(mine),
                sum(prog[c.id].percent for c in mine) // len(mine),
                any(prog[c.id].state in (State.BEHIND, State.OVERDUE) for c in mine),
                m.id,
            )
        )
    return QuarterReview(
        branch.name,
        year,
        quarter,
        len(commitments),
        sum(1 for c in commitments if prog[c.id].state in ledger.DONE_STATES),
        len(logs),
        len(reqs),
        sum(1 for r in reqs if r.resolved_at is not None),
        [_line(c, prog[c.id]) for c in commitments if c.owner_kind == OwnerKind.BRANCH.value],
        members,
    )
