"""Residents' satisfaction (满意率): ratings of requests and of members, tallied per member,
branch or subtree. One definition, used by grades, points, stars, summaries and reports."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import (
    Evaluation,
    EvaluationKind,
    Member,
    Organisation,
    Rating,
)

GOOD_RATINGS = (Rating.SATISFIED.value, Rating.BASICALLY_SATISFIED.value)


@dataclass(frozen=True)
class Satisfaction:
    total: int
    satisfied: int
    basically: int
    unsatisfied: int

    @property
    def rate(self) -> float | None:
        return (self.satisfied + self.basically) / self.total if self.total else None

    @property
    def percent(self) -> int | None:
        r = self.rate
        return None if r is None else round(r * 100)


EMPTY = Satisfaction(0, 0, 0, 0)


def _ratings_query(org: Organisation, year: int | None):  # type: ignore[no-untyped-def]
    q = (
        select(Evaluation.subject_member_id, Evaluation.subject_org_id, Evaluation.rating)
        .join(Organisation, Organisation.id == Evaluation.subject_org_id)
        .where(
            Evaluation.kind == EvaluationKind.RESIDENT_RATING.value,
            Organisation.path.startswith(org.path),
        )
    )
    if year is not None:
        q = q.where(Evaluation.period.startswith(str(year)))
    return q


def tally(ratings: list[str]) -> Satisfaction:
    return Satisfaction(
        len(ratings),
        ratings.count(Rating.SATISFIED.value),
        ratings.count(Rating.BASICALLY_SATISFIED.value),
        ratings.count(Rating.UNSATISFIED.value),
    )


def satisfaction_by_member(
    session: Session, org: Organisation, year: int | None = None
) -> dict[int, Satisfaction]:
    by: dict[int, list[str]] = defaultdict(list)
    for mid, _oid, rating in session.execute(_ratings_query(org, year)):
        if mid is not None:
            by[mid].append(rating)
    return {k: tally(v) for k, v in by.items()}


def satisfaction_by_branch(
    session: Session, org: Organisation, year: int | None = None
) -> dict[int, Satisfaction]:
    by: dict[int, list[str]] = defaultdict(list)
    for _mid, oid, rating in session.execute(_ratings_query(org, year)):
        by[oid].append(rating)
    return {k: tally(v) for k, v in by.items()}


def satisfaction(session: Session, org: Organisation, year: int | None = None) -> Satisfaction:
    """The whole subtree (a township, or one branch)."""
    return tally([r for _m, _o, r in session.execute(_ratings_query(org, year))])


def satisfaction_of_member(
    session: Session, member: Member, year: int | None = None
) -> Satisfaction:
    q = select(Evaluation.rating).where(
        Evaluation.kind == EvaluationKind.RESIDENT_RATING.value,
        Evaluation.subject_member_id == member.id,
    )
    if year is not None:
        q = q.where(Evaluation.period.startswith(str(year)))
    return tally(list(session.scalars(q)))
