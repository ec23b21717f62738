"""先锋指数: only verified events earn points, every entry has a reason, rankings = ledger sums."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from infra.clock import local_date
from models import PointsEntry
from services import evaluation, fulfilment, requests
from services.errors import PermissionDenied
from services.evaluation import points, standings
from services.progress import period_start
from tests import factories as f

RULES = {
    "verified_log": 2,
    "commitment_completed": 10,
    "request_rated_satisfied": 5,
    "period_missed": -2,
}


@pytest.fixture
def world(session):
    today = local_date()
    t = f.tree(session)
    secretary = f.member(session, t["branch"], "李书记")
    zhang = f.member(session, t["branch"], "张大爷")
    wang = f.member(session, t["branch"], "王师傅")
    f.grant(session, "secretary", t["branch"], member=secretary)
    count_c = f.published(
        session,
        zhang,
        "为邻居免费维修水电二十次",
        target_kind="count",
        frequency=None,
        target_quantity=3,
        start_date=today - timedelta(days=60),
        end_date=today + timedelta(days=300),
    )
    session.commit()
    return {
        **t,
        "today": today,
        "secretary": secretary,
        "zhang": zhang,
        "wang": wang,
        "count_c": count_c,
    }


def _log(session, member, c, days_ago, qty=1):
    return fulfilment.log(
        session,
        f.as_actor(session, member),
        c,
        quantity=qty,
        note="修好了水龙头",
        happened_on=local_date() - timedelta(days=days_ago),
        today=local_date() - timedelta(days=days_ago),  # logged on the day
    )


def _ledger_sum(session, member_id):
    return session.scalar(
        select(func.coalesce(func.sum(PointsEntry.points), 0)).where(
            PointsEntry.member_id == member_id
        )
    )


def test_unverified_logs_earn_nothing(session, world):
    for days in (5, 4, 3):
        _log(session, world["zhang"], world["count_c"], days)
    assert points.sync(session, RULES, world["today"]) == 0
    assert session.scalar(select(func.count(PointsEntry.id))) == 0
    assert (
        points.award_verified_log(
            session, RULES, _log(session, world["zhang"], world["count_c"], 2)
        )
        is None
    )


def test_verified_log_earns_once_with_reason(session, world):
    entry = _log(session, world["zhang"], world["count_c"], 5)
    secretary = f.as_actor(session, world["secretary"])
    fulfilment.verify_log(session, secretary, entry)
    assert points.sync(session, RULES, world["today"]) == 1
    assert points.sync(session, RULES, world["today"]) == 0  # idempotent
    (line,) = standings.ledger(session, world["zhang"].id)
    assert (line.rule, line.points, line.source_type, line.source_id) == (
        "verified_log",
        2,
        "log",
        entry.id,
    )
    assert "践诺记录经核实" in line.reason and world["count_c"].title in line.reason


def test_member_cannot_verify_own_log(session, world):
    entry = _log(session, world["zhang"], world["count_c"], 5)
    with pytest.raises(PermissionDenied):
        fulfilment.verify_log(session, f.as_actor(session, world["zhang"]), entry)


def test_completion_counts_only_verified_logs(session, world):
    secretary = f.as_actor(session, world["secretary"])
    logs = [_log(session, world["zhang"], world["count_c"], d) for d in (9, 8, 7)]
    for entry in logs[:2]:
        fulfilment.verify_log(session, secretary, entry)
    points.sync(session, RULES, world["today"])
    rules = {e.rule for e in standings.ledger(session, world["zhang"].id)}
    assert rules == {"verified_log"}  # target 3, only 2 verified
    fulfilment.verify_log(session, secretary, logs[2])
    points.sync(session, RULES, world["today"])
    assert _ledger_sum(session, world["zhang"].id) == 3 * 2 + 10


def test_resident_served_confirms_a_log_and_that_verifies_it(session, world):
    entry = _log(session, world["zhang"], world["count_c"], 3)
    stranger = f.account(session, household=f.household(session, world["branch"]))
    with pytest.raises(PermissionDenied):
        evaluation.confirm_log(
            session, f.as_actor(session, stranger), entry, "satisfied", "", RULES
        )
    served = f.account(
        session, household=f.household(session, world["branch"], linked=[world["zhang"]])
    )
    ev = evaluation.confirm_log(
        session, f.as_actor(session, served), entry, "satisfied", "很及时", RULES
    )
    assert entry.verified_at is not None and ev.subject_member_id == world["zhang"].id
    assert [e.rule for e in standings.ledger(session, world["zhang"].id)] == ["verified_log"]
    sat = evaluation.satisfaction_of_member(session, world["zhang"])
    assert (sat.total, sat.rate) == (1, 1.0)


def test_request_rated_satisfied_earns_for_the_handler(session, world):
    resident = f.account(
        session,
        name="赵秀英",
        household=f.household(session, world["branch"], linked=[world["wang"]]),
    )
    r_actor = f.as_actor(session, resident)
    wang = f.as_actor(session, world["wang"])
    good = requests.submit(session, r_actor, kind="problem", text="村东路灯坏了")
    bad = requests.submit(session, r_actor, kind="problem", text="垃圾没人收")
    for req in (good, bad):
        assert req.assignee_member_id == world["wang"].id
        requests.resolve(session, wang, req, "done")
    evaluation.rate_request(session, r_actor, good, "satisfied", "", RULES)
    evaluation.rate_request(session, r_actor, bad, "unsatisfied", "还是没人收", RULES)
    assert points.sync(session, RULES, world["today"]) == 0  # already awarded by rate_request
    lines = standings.ledger(session, world["wang"].id)
    assert [(e.rule, e.source_id) for e in lines] == [("request_rated_satisfied", good.id)]
    assert good.number in lines[0].reason


def test_missed_periods_are_negative_and_counted_once(session, world):
    today = world["today"]
    start = period_start(
        period_start(today, "monthly") - timedelta(days=70), "monthly"
    )  # 3 months back
    c = f.published(
        session,
        world["wang"],
        "每月走访联系户一次",
        start_date=start,
        end_date=today + timedelta(days=200),
    )
    fulfilment.log(
        session,
        f.as_actor(session, world["wang"]),
        c,
        happened_on=start + timedelta(days=3),
        today=start + timedelta(days=3),
    )
    points.sync(session, RULES, today)
    points.sync(session, RULES, today)
    missed = [e for e in standings.ledger(session, world["wang"].id) if e.rule == "period_missed"]
    # three whole months ended before this one; the first had its log
    assert len(missed) == 2
    assert all(e.points == -2 and "承诺周期未完成" in e.reason for e in missed)


def test_rankings_equal_ledger_sums(session, world):
    secretary = f.as_actor(session, world["secretary"])
    for d in (6, 5, 4):
        fulfilment.verify_log(
            session, secretary, _log(session, world["zhang"], world["count_c"], d)
        )
    wang_c = f.published(
        session,
        world["wang"],
        "每周打扫村口公厕两次",
        target_kind="count",
        frequency=None,
        target_quantity=50,
        start_date=world["today"] - timedelta(days=30),
        end_date=world["today"] + timedelta(days=300),
    )
    fulfilment.verify_log(session, secretary, _log(session, world["wang"], wang_c, 3))
    _log(session, world["wang"], wang_c, 2)  # unverified: nothing
    points.sync(session, RULES, world["today"])
    ranked = standings.ranking(session, world["township"])
    assert [r.name for r in ranked][:2] == ["张大爷", "王师傅"]
    for r in ranked:
        assert r.points == _ledger_sum(session, r.member_id)
        assert all(e.reason for e in standings.ledger(session, r.member_id))
    assert ranked[0].points == 3 * 2 + 10 and ranked[1].points == 2
    assert sum(
        p for _b, p in standings.branch_ranking(session, world["township"])
    ) == session.scalar(select(func.sum(PointsEntry.points)))


def test_star_nominations_need_satisfaction(session, world):
    secretary = f.as_actor(session, world["secretary"])
    fulfilment.verify_log(session, secretary, _log(session, world["zhang"], world["count_c"], 6))
    points.sync(session, RULES, world["today"])
    year = world["today"].year
    kw = {"count": 3, "min_satisfaction": 0.9, "min_ratings": 1}
    assert (
        standings.star_nominations(session, world["township"], year, **kw) == []
    )  # no ratings yet
    served = f.account(
        session, household=f.household(session, world["branch"], linked=[world["zhang"]])
    )
    entry = _log(session, world["zhang"], world["count_c"], 1)
    evaluation.confirm_log(session, f.as_actor(session, served), entry, "satisfied", "", RULES)
    (star,) = standings.star_nominations(session, world["township"], entry.happened_on.year, **kw)
    assert star.name == "张大爷" and star.points == points.index_of(session, world["zhang"].id)
