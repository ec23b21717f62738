"""A member's half-year mutual-evaluation sheet (互评表): the other active members of their
branch, each with the rating this member already gave (``None``: not yet). The rating
itself is ``grades.mutual`` (one rule for every channel); this is the read beside it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Evaluation, EvaluationKind, Member
from services.actors import Actor
from services.errors import PermissionDenied
from services.evaluation.grades import half_of


@dataclass(frozen=True)
class SheetRow:
    member: Member
    given: Evaluation | None


def mutual_sheet(session: Session, actor: Actor, year: int, half: int) -> list[SheetRow]:
    if actor.member_id is None:
        raise PermissionDenied("只有党员可以参加互评")
    me = session.get_one(Member, actor.member_id)
    given = {
        e.subject_member_id: e
        for e in session.scalars(
            select(Evaluation).where(
                Evaluation.kind == EvaluationKind.MUTUAL.value,
                Evaluation.period == half_of(year, half),
                Evaluation.evaluator_member_id == me.id,
            )
        )
    }
    others = session.scalars(
        select(Member)
        .where(Member.org_id == me.org_id, Member.active.is_(True), Member.id != me.id)
        .order_by(Member.name, Member.id)
    )
    return [SheetRow(m, given.get(m.id)) for m in others]
