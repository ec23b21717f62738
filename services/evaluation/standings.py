"""Standings (用诺): a member's points ledger, rankings over a subtree, and 闪亮之星 nominations.
Points themselves are awarded in ``points``; this module only reads them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from models import Evaluation, EvaluationKind, Member, Organisation, OrgKind, PointsEntry
from services.actors import Actor
from services.errors import PermissionDenied
from services.evaluation import points


def ledger_for(
    session: Session, actor: Actor, member: Member, year: int | None = None
) -> list[PointsEntry]:
    """A member's ledger, for the member themself or their secretary / township staff."""
    own = actor.member_id is not None and actor.member_id == member.id
    if not (own or actor.manages(session.get_one(Organisation, member.org_id))):
        raise PermissionDenied("只能查看自己的积分明细；书记和街镇管理员可以查看本支部党员的")
    return ledger(session, member.id, year)


def ranking_for(
    session: Session, actor: Actor, org: Organisation, year: int | None = None
) -> list[Ranked]:
    """The ranking of ``org``'s subtree, for members inside it and those who manage it."""
    if not actor.manages(org):
        mine = session.get(Member, actor.member_id) if actor.member_id else None
        branch = session.get(Organisation, mine.org_id) if mine else None
        if branch is None or not branch.path.startswith(org.path):
            raise PermissionDenied("只有本组织的党员、书记和街镇管理员可以查看先锋指数排名")
    return ranking(session, org, year)


def ledger(session: Session, member_id: int, year: int | None = None) -> list[PointsEntry]:
    q = select(PointsEntry).where(PointsEntry.member_id == member_id)
    if year is not None:
        q = q.where(*points.year_bounds(year))
    return list(session.scalars(q.order_by(PointsEntry.occurred_at, PointsEntry.id)))


@dataclass(frozen=True)
class Ranked:
    rank: int
    member_id: int
    name: str
    org_id: int
    points: int


def ranking(session: Session, org: Organisation, year: int | None = None) -> list[Ranked]:
    """Active members of ``org``'s subtree by index (ledger sum), highest first; ties share a
    rank and are listed by name. Exempt members (免于承诺) are not ranked."""
    join_cond = [PointsEntry.member_id == Member.id]
    if year is not None:
        join_cond.extend(points.year_bounds(year))  # type: ignore[arg-type]
    total = func.coalesce(func.sum(PointsEntry.points), 0)
    rows = session.execute(
        select(Member.id, Member.name, Member.org_id, total)
        .join(Organisation, Organisation.id == Member.org_id)
        .outerjoin(PointsEntry, and_(*join_cond))  # type: ignore[arg-type]
        .where(
            Organisation.path.startswith(org.path),
            Member.active.is_(True),
            Member.exempt.is_(False),
        )
        .group_by(Member.id, Member.name, Member.org_id)
        .order_by(total.desc(), Member.name, Member.id)
    ).all()
    out: list[Ranked] = []
    prev: int | None = None
    rank = 0
    for i, (mid, name, org_id, pts) in enumerate(rows, start=1):
        if pts != prev:
            rank, prev = i, int(pts)
        out.append(Ranked(rank, mid, name, org_id, int(pts)))
    return out


def branch_ranking(
    session: Session, township: Organisation, year: int | None = None
) -> list[tuple[Organisation, int]]:
    """Branches under ``township`` by the sum of their members' indexes."""
    per_member = ranking(session, township, year)
    totals: dict[int, int] = defaultdict(int)
    for r in per_member:
        totals[r.org_id] += r.points
    branches = session.scalars(
        select(Organisation).where(
            Organisation.kind == OrgKind.BRANCH.value, Organisation.path.startswith(township.path)
        )
    )
    return sorted(
        ((b, totals.get(b.id, 0)) for b in branches),
        key=lambda t: (-t[1], t[0].sort_order, t[0].id),
    )


@dataclass(frozen=True)
class Nomination:
    member_id: int
    name: str
    org_id: int
    points: int
    satisfaction: float
    ratings: int
    rank: int = 0  # place by index (or by the weighted score) within the branch
    of: int = 0  # members ranked in the branch
    score: float | None = None  # the weighted score (README), when weights are given


# The half-year mutual evaluation on the 0–100 scale of the other two evaluations (三评).
MUTUAL_VALUES = {"good": 100, "fair": 80, "average": 60, "poor": 0}
WEIGHT_KEYS = ("points", "branch_score", "survey", "mutual")


def mutual_averages(session: Session, member_ids: list[int], year: int) -> dict[int, float]:
    """Per member, the year's average mutual evaluation (both halves) on 0–100."""
    votes: dict[int, list[int]] = defaultdict(list)
    if member_ids:
        for mid, rating in session.execute(
            select(Evaluation.subject_member_id, Evaluation.rating).where(
                Evaluation.kind == EvaluationKind.MUTUAL.value,
                Evaluation.subject_member_id.in_(member_ids),
                Evaluation.period.in_((f"{year}H1", f"{year}H2")),
            )
        ):
            if rating in MUTUAL_VALUES:
                votes[mid].append(MUTUAL_VALUES[rating])
    return {mid: sum(v) / len(v) for mid, v in votes.items()}


@dataclass(frozen=True)
class Basis:
    """One member's year under the weights: the index, the three evaluations' averages and the
    weighted score with its place in the branch (what the year-end grading looks at)."""

    ranked: Ranked
    branch_score: float | None
    survey: float | None
    mutual: float | None
    score: float


def year_basis(
    session: Session, actor: Actor, branch: Organisation, year: int, weights: Mapping[str, float]
) -> list[Basis]:
    """The branch's members with their 三评 averages and weighted score, for its managers."""
    from services.practices import survey

    if not actor.manages(branch):
        raise PermissionDenied("只有本支部书记和街镇管理员可以查看三评汇总")
    lines = weighted_ranking(session, branch, year, weights)
    ids = [r.member_id for r, _ in lines]
    monthly, residents = survey.averages(session, ids, year)
    mutual = mutual_averages(session, ids, year)
    return [
        Basis(r, monthly.get(r.member_id), residents.get(r.member_id), mutual.get(r.member_id), sc)
        for r, sc in lines
    ]


def weighted_ranking(
    session: Session,
    branch: Organisation,
    year: int,
    weights: Mapping[str, float],
) -> list[tuple[Ranked, float]]:
    """The branch's members by the weighted score of the year (README, 闪亮之星):

        score = points × 先锋指数 + branch_score × 支部月评均分 + survey × 群众测评均分
                + mutual × 党员互评均分

    (the averages on 0–100; a member without any of one counts 0 for it). Ties share a place;
    the ``Ranked.rank`` of each line is its place by this score."""
    from services.practices import survey

    ranked = ranking(session, branch, year)
    ids = [r.member_id for r in ranked]
    monthly, residents = survey.averages(session, ids, year)
    mutual = mutual_averages(session, ids, year)
    w = {k: float(weights.get(k, 0.0)) for k in WEIGHT_KEYS}

    def score(r: Ranked) -> float:
        return round(
            w["points"] * r.points
            + w["branch_score"] * monthly.get(r.member_id, 0.0)
            + w["survey"] * residents.get(r.member_id, 0.0)
            + w["mutual"] * mutual.get(r.member_id, 0.0),
            2,
        )

    scored = sorted(
        ((r, score(r)) for r in ranked), key=lambda t: (-t[1], t[0].name, t[0].member_id)
    )
    out: list[tuple[Ranked, float]] = []
    prev: float | None = None
    place = 0
    for i, (r, sc) in enumerate(scored, start=1):
        if sc != prev:
            place, prev = i, sc
        out.append((Ranked(place, r.member_id, r.name, r.org_id, r.points), sc))
    return out


def star_nominations(
    session: Session,
    org: Organisation,
    year: int,
    *,
    count: int,
    min_satisfaction: float,
    min_ratings: int,
    weights: Mapping[str, float] | None = None,
) -> list[Nomination]:
    """闪亮之星 recommendations of the year, branch by branch (the rule in README.md).

    With ``weights`` (``practices.star_weights``) members are ranked by the weighted score of
    ``weighted_ranking`` instead of the index alone, and that score must be above 0.

    For each branch in ``org``'s subtree (or the branch ``org`` belongs to), its members are
    ranked by 先锋指数 of the year (``ranking``: ties share a place). A member is eligible when

    1. the index is above 0;
    2. the place is in the upper half of the branch: place ≤ ⌈members / 2⌉ (so never below
       the branch median);
    3. residents' satisfaction of the year reaches ``min_satisfaction`` over at least
       ``min_ratings`` ratings.

    The eligible members are taken in ranking order, at most ``count`` per branch; fewer (or
    none) when fewer qualify. Branches come in their sort order.
    """
    from services.evaluation.satisfaction import satisfaction_by_member

    branches = list(
        session.scalars(
            select(Organisation)
            .where(
                Organisation.kind == OrgKind.BRANCH.value,
                Organisation.path.startswith(org.path),
            )
            .order_by(Organisation.sort_order, Organisation.id)
        )
    )
    scope = org
    if not branches:  # a party group: its branch is the nearest branch above it
        above = [int(p) for p in org.path.strip("/").split("/") if p]
        branches = list(
            session.scalars(
                select(Organisation)
                .where(Organisation.id.in_(above), Organisation.kind == OrgKind.BRANCH.value)
                .order_by(Organisation.path.desc())
                .limit(1)
            )
        )
        scope = branches[0] if branches else org
    if count <= 0 or not branches:
        return []
    sat = satisfaction_by_member(session, scope, year)
    out: list[Nomination] = []
    for branch in branches:
        lines: list[tuple[Ranked, float | None]]
        if weights is None:
            lines = [(r, None) for r in ranking(session, branch, year)]
        else:
            lines = list(weighted_ranking(session, branch, year, weights))
        upper_half = (len(lines) + 1) // 2
        chosen = 0
        for r, sc in lines:
            value = r.points if sc is None else sc
            if chosen >= count or r.rank > upper_half or value <= 0:
                break
            s = sat.get(r.member_id)
            if s is None or s.total < min_ratings or s.rate is None or s.rate < min_satisfaction:
                continue
            out.append(
                Nomination(
                    r.member_id, r.name, r.org_id, r.points, s.rate, s.total, r.rank, len(lines), sc
                )
            )
            chosen += 1
    return out
