"""Which of a member's logs this caller may sign off (群众销账), for the button on the card.

The rule itself is ``grades.is_served_by`` (the one the sign-off enforces); this read applies
it to a list of logs so that every channel shows the button to the same people."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Account, Commitment, Evaluation, EvaluationKind, FulfilmentLog
from services.actors import Actor
from services.evaluation.grades import is_served_by


@dataclass(frozen=True)
class SignOffs:
    confirmable: list[int] = field(default_factory=list)  # log ids the caller may sign off
    rated: dict[int, str] = field(default_factory=dict)  # log id -> the caller's rating


def sign_offs(session: Session, actor: Actor | None, log_ids: Sequence[int]) -> SignOffs:
    """Of ``log_ids``, those whose member serves the caller's household (never the author's
    own logs), and the caller's rating where they already gave one for that month."""
    if actor is None or actor.account_id is None or not log_ids:
        return SignOffs()
    account = session.get(Account, actor.account_id)
    if account is None or account.household_id is None:
        return SignOffs()
    logs = session.scalars(select(FulfilmentLog).where(FulfilmentLog.id.in_(list(log_ids))))
    out = SignOffs()
    for log in sorted(logs, key=lambda x: x.id):
        if log.member_id is None or log.member_id == actor.member_id:
            continue
        c = session.get_one(Commitment, log.commitment_id)
        if not is_served_by(session, account, log.member_id, c):
            continue
        out.confirmable.append(log.id)
        rating = session.scalar(
            select(Evaluation.rating).where(
                Evaluation.kind == EvaluationKind.RESIDENT_RATING.value,
                Evaluation.commitment_id == c.id,
                Evaluation.evaluator_account_id == account.id,
                Evaluation.period == log.happened_on.strftime("%Y-%m"),
            )
        )
        if rating:
            out.rated[log.id] = rating
    return out
