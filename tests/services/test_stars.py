"""闪亮之星: per branch, only members in the upper half of the branch's 先锋指数 ranking with an
index above 0 and residents' satisfaction at the bar; at most ``count`` per branch."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest

from models import Evaluation, Member, PointsEntry
from services.evaluation import standings
from tests import factories as f

YEAR = 2026
KW = {"count": 3, "min_satisfaction": 0.9, "min_ratings": 1}
_source = itertools.count(1)


def _points(session, member: Member, n: int) -> None:
    session.add(
        PointsEntry(
            member_id=member.id,
            points=n,
            rule="verified_log",
            reason="践诺记录经核实",
            source_type="log",
            source_id=next(_source),
            occurred_at=datetime(YEAR, 6, 1, tzinfo=UTC),
        )
    )


def _rated(session, member: Member, *ratings: str) -> None:
    for rating in ratings:
        session.add(
            Evaluation(
                kind="resident_rating",
                period=f"{YEAR}-06",
                subject_member_id=member.id,
                subject_org_id=member.org_id,
                rating=rating,
            )
        )


@pytest.fixture
def branch16(session):
    """A branch of 16: indexes 30, 28, …, 4 for the first 13, then 1, 0, 0."""
    t = f.tree(session)
    members = [f.member(session, t["branch"], f"党员{i:02d}") for i in range(1, 17)]
    for i, m in enumerate(members[:13]):
        _points(session, m, 30 - 2 * i)
    _points(session, members[13], 1)
    session.flush()
    return t, members


def test_a_member_low_in_the_branch_is_never_nominated(session, branch16):
    t, members = branch16
    # the leaders have no residents' ratings or poor ones; the 14th (index 1) has 100%
    _rated(session, members[0], "unsatisfied", "satisfied")
    _rated(session, members[13], "satisfied", "satisfied")
    session.flush()
    for org in (t["township"], t["branch"]):
        assert standings.star_nominations(session, org, YEAR, **KW) == []


def test_nominations_follow_the_rule(session, branch16):
    t, members = branch16
    # 1st: 50% (fails the bar); 2nd, 4th, 5th, 8th: 100%; 9th: 100% but in the lower half
    _rated(session, members[0], "unsatisfied", "satisfied")
    for i in (1, 3, 4, 7, 8):
        _rated(session, members[i], "satisfied")
    session.flush()
    noms = standings.star_nominations(session, t["township"], YEAR, **KW)
    assert [(n.name, n.points, n.rank, n.of) for n in noms] == [
        ("党员02", 28, 2, 16),
        ("党员04", 24, 4, 16),
        ("党员05", 22, 5, 16),
    ]
    one = standings.star_nominations(session, t["branch"], YEAR, **{**KW, "count": 5})
    assert [n.name for n in one] == ["党员02", "党员04", "党员05", "党员08"]  # not the 9th
    # min_ratings: two ratings required, nobody but the 1st has two, and they fail the bar
    assert standings.star_nominations(session, t["branch"], YEAR, **{**KW, "min_ratings": 2}) == []


def test_each_branch_nominates_its_own_and_zero_never_counts(session):
    t = f.tree(session)
    west = f.org(session, "branch", "西村党支部", t["township"])
    east_a, east_b = (f.member(session, t["branch"], n) for n in ("东甲", "东乙"))
    west_a, west_b = (f.member(session, west, n) for n in ("西甲", "西乙"))
    _points(session, east_a, 40)
    _points(session, east_b, 30)
    _points(session, west_a, 3)
    for m in (east_a, east_b, west_a, west_b):
        _rated(session, m, "satisfied")
    session.flush()
    # one per branch: the strong east branch does not crowd out the west branch's first;
    # 西乙 (index 0) is never nominated even with a perfect rating
    noms = standings.star_nominations(session, t["township"], YEAR, **{**KW, "count": 1})
    assert [(n.name, n.org_id) for n in noms] == [("东甲", t["branch"].id), ("西甲", west.id)]
    noms = standings.star_nominations(session, west, YEAR, **KW)
    assert [n.name for n in noms] == ["西甲"]
    # a party group asks for its branch's nominations
    noms = standings.star_nominations(session, t["group1"], YEAR, **KW)
    assert [n.name for n in noms] == ["东甲"]
