"""年终评诺 → 归档: closing a cycle year (``flask cycle close --year 2026``).

The close, after the year-end evaluation:
- freezes the year's record: each published commitment's progress, each member's points,
  grade and figures, each branch's grade and figures (``YearRecord`` rows, JSON figures);
- takes the year's commitments off the current wall, board and bot list
  (``services.commitments.cycle.current``); they stay under 往年 (``services.reads.year_records``);
- offers each owner to carry an unfinished or ongoing (periodic) commitment into the next year:
  a new draft, copied text and target, for the member to submit for review.

Nothing is deleted, and a second close of the same year changes nothing.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from infra.clock import now_utc
from models import (
    Commitment,
    CommitmentStatus,
    CycleClose,
    EvaluationKind,
    Member,
    Organisation,
    OrgKind,
    OwnerKind,
    TargetKind,
    YearRecord,
)
from services import progress, timeline
from services.actors import Actor
from services.errors import ValidationError
from services.evaluation import points
from services.evaluation.grades import grades as graded_in
from services.progress import Progress, State
from services.reads import year_records

DONE_STATES = (State.COMPLETED, State.COMPLETED_LATE)


@dataclass(frozen=True)
class CloseResult:
    year: int
    already_closed: bool
    commitments: int  # commitments frozen
    members: int
    branches: int
    carried: int  # drafts created for the next year


def _records(session: Session, year: int) -> dict[str, int]:
    rows = session.execute(
        select(YearRecord.kind, func.count())
        .where(YearRecord.year == year)
        .group_by(YearRecord.kind)
    )
    return {str(kind): int(n) for kind, n in rows}


def _carried_count(session: Session, year: int) -> int:
    source = select(Commitment.id).where(Commitment.cycle_year == year)
    return int(
        session.scalar(
            select(func.count()).where(Commitment.carried_from_id.in_(source.scalar_subquery()))
        )
        or 0
    )


def close_year(session: Session, actor: Actor, year: int, today: date) -> CloseResult:
    """Close ``year`` as it stands on ``today`` (the figures the wall showed just before)."""
    if not 2000 <= year <= 2100:
        raise ValidationError("year", "年份应为四位数字，例如 2026")
    if today.year <= year:
        raise ValidationError(
            "year", f"{year} 年还没有结束：{year + 1} 年 1 月 1 日以后、年终评议之后才能归档"
        )
    if session.get(CycleClose, year) is not None:
        counts = _records(session, year)
        return CloseResult(
            year,
            True,
            counts.get(year_records.COMMITMENT, 0),
            counts.get(year_records.MEMBER, 0),
            counts.get(year_records.BRANCH, 0),
            _carried_count(session, year),
        )
    commitments = list(
        session.scalars(
            select(Commitment)
            .where(
                Commitment.cycle_year == year,
                Commitment.status == CommitmentStatus.PUBLISHED.value,
            )
            .order_by(Commitment.id)
        )
    )
    prog = progress.progress_of(session, commitments, today)
    for c in commitments:
        _freeze(session, year, "commitment", c.id, c.org_id, {"progress": prog[c.id].as_dict()})
    n_members = _freeze_members(session, year, commitments, prog)
    n_branches = _freeze_branches(session, year, commitments, prog)
    carried = sum(
        1 for c in commitments if _carry(session, actor, c, prog[c.id], year + 1) is not None
    )
    session.add(
        CycleClose(
            year=year,
            closed_on=today,
            closed_at=now_utc(),
            closed_by_account_id=actor.account_id,
        )
    )
    session.flush()
    return CloseResult(year, False, len(commitments), n_members, n_branches, carried)


def _freeze(
    session: Session, year: int, kind: str, subject_id: int, org_id: int | None, figures: Any
) -> None:
    session.add(
        YearRecord(
            year=year,
            kind=kind,
            subject_id=subject_id,
            org_id=org_id,
            figures=json.dumps(figures, ensure_ascii=False, sort_keys=True),
            created_at=now_utc(),
        )
    )


def _figures(items: Sequence[Progress]) -> dict[str, int]:
    return {
        "commitments": len(items),
        "done": sum(1 for p in items if p.state in DONE_STATES),
        "percent": sum(p.percent for p in items) // len(items) if items else 0,
    }


def _freeze_members(
    session: Session, year: int, commitments: Sequence[Commitment], prog: dict[int, Progress]
) -> int:
    own: dict[int, list[Progress]] = defaultdict(list)
    for c in commitments:
        if c.owner_kind == OwnerKind.MEMBER.value and c.member_id:
            own[c.member_id].append(prog[c.id])
    graded = graded_in(session, EvaluationKind.BRANCH_GRADE.value, year)
    members = session.scalars(select(Member).where(Member.active.is_(True)).order_by(Member.id))
    n = 0
    for m in members:
        figures: dict[str, Any] = {
            **_figures(own.get(m.id, [])),
            "points": points.index_of(session, m.id, year),
            "grade": graded[m.id].rating if m.id in graded else "",
            "exempt": m.exempt,
        }
        _freeze(session, year, year_records.MEMBER, m.id, m.org_id, figures)
        n += 1
    return n


def _freeze_branches(
    session: Session, year: int, commitments: Sequence[Commitment], prog: dict[int, Progress]
) -> int:
    by_org: dict[int, list[Progress]] = defaultdict(list)
    pledges: dict[int, list[Progress]] = defaultdict(list)
    for c in commitments:
        by_org[c.org_id].append(prog[c.id])
        if c.owner_kind == OwnerKind.BRANCH.value:
            pledges[c.org_id].append(prog[c.id])
    graded = graded_in(session, EvaluationKind.TOWNSHIP_GRADE.value, year)
    branches = session.scalars(
        select(Organisation)
        .where(Organisation.kind == OrgKind.BRANCH.value)
        .order_by(Organisation.id)
    )
    n = 0
    for b in branches:
        figures: dict[str, Any] = {
            **_figures(by_org.get(b.id, [])),
            "pledges": _figures(pledges.get(b.id, [])),
            "grade": graded[b.id].rating if b.id in graded else "",
        }
        _freeze(session, year, year_records.BRANCH, b.id, b.id, figures)
        n += 1
    return n


def _shift(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _carry(
    session: Session, actor: Actor, c: Commitment, p: Progress, new_year: int
) -> Commitment | None:
    """A draft for ``new_year`` copying an unfinished or ongoing commitment (once)."""
    ongoing = c.target_kind == TargetKind.PERIODIC.value
    if p.state in DONE_STATES and not ongoing:
        return None
    if c.owner_kind == OwnerKind.MEMBER.value:
        member = session.get(Member, c.member_id) if c.member_id else None
        if member is None or not member.active or member.exempt:
            return None
    exists = session.scalar(select(Commitment.id).where(Commitment.carried_from_id == c.id))
    if exists is not None:
        return None
    end = _shift(c.end_date, new_year - c.cycle_year)
    draft = Commitment(
        owner_kind=c.owner_kind,
        member_id=c.member_id,
        org_id=c.org_id,
        partner_org_id=c.partner_org_id,  # 结对共建 stays paired with the same village
        category=c.category,
        title=c.title,
        description=c.description,
        target_quantity=c.target_quantity,
        unit=c.unit,
        target_kind=c.target_kind,
        frequency=c.frequency,
        start_date=date(new_year, 1, 1),
        end_date=max(end, date(new_year, 1, 1)),
        cycle_year=new_year,
        carried_from_id=c.id,
        beneficiary=c.beneficiary,
        status=CommitmentStatus.DRAFT.value,
        content_status=c.content_status,
        created_by_account_id=c.created_by_account_id,
        created_at=now_utc(),
    )
    session.add(draft)
    session.flush()
    why = "已完成的常态承诺" if p.state in DONE_STATES else f"{p.label}（{p.percent}%）"
    timeline.record(
        session,
        draft,
        actor,
        "carried_over",
        None,
        draft.status,
        f"由 {c.cycle_year} 年度承诺转入 {new_year} 年度（{why}），本人修改后提交审核",
    )
    timeline.record(
        session,
        c,
        actor,
        "year_closed",
        c.status,
        c.status,
        f"{c.cycle_year} 年度归档，已转入 {new_year} 年度草稿（编号 {draft.id}）",
    )
    return draft
