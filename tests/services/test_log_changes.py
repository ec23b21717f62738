"""Changes to a fulfilment log: every edit, deletion, verification and sign-off is on the
commitment's timeline with the actor and the log before and after; a 不满意 sign-off is
recorded but is no verification and earns nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from infra.clock import local_date
from models import Evaluation, PointsEntry, TimelineEntry
from services import evaluation, fulfilment, timeline
from services.evaluation import points, standings
from tests import factories as f

RULES = {"verified_log": 2, "commitment_completed": 10}


@pytest.fixture
def world(session):
    today = local_date()
    t = f.tree(session)
    zhang = f.member(session, t["branch"], "张大爷")
    secretary = f.member(session, t["branch"], "李书记")
    f.grant(session, "secretary", t["branch"], member=secretary)
    c = f.published(
        session,
        zhang,
        "为邻居免费维修水电二十次",
        target_kind="count",
        frequency=None,
        target_quantity=20,
        start_date=today - timedelta(days=60),
        end_date=today + timedelta(days=300),
    )
    served = f.account(
        session,
        name="王秀英",
        household=f.household(session, t["branch"], linked=[zhang]),
    )
    session.commit()
    return {**t, "today": today, "zhang": zhang, "secretary": secretary, "c": c, "served": served}


def _log(session, world, qty=3, days_ago=2):
    return fulfilment.log(
        session,
        f.as_actor(session, world["zhang"]),
        world["c"],
        quantity=qty,
        note="修好了水龙头",
        happened_on=world["today"] - timedelta(days=days_ago),
    )


def _log_entries(session, c):
    return [e for e in timeline.entries_for(session, c) if e.action in timeline.LOG_ACTIONS]


# -- item 4: 不满意 is no sign-off -----------------------------------------------------------


def test_an_unsatisfied_sign_off_is_recorded_but_does_not_verify(session, world):
    entry = _log(session, world)
    resident = f.as_actor(session, world["served"])
    ev = evaluation.confirm_log(session, resident, entry, "unsatisfied", "没修好", RULES)
    session.commit()
    assert ev.rating == "unsatisfied" and ev.subject_member_id == world["zhang"].id
    assert entry.verified_at is None and entry.verified_by_account_id is None
    assert session.scalars(select(PointsEntry)).all() == []
    assert points.sync(session, RULES, world["today"]) == 0
    assert points.index_of(session, world["zhang"].id) == 0
    # the rating counts in the satisfaction rate, and the timeline has it
    sat = evaluation.satisfaction_of_member(session, world["zhang"])
    assert (sat.total, sat.unsatisfied) == (1, 1)
    (line,) = _log_entries(session, world["c"])
    assert line.action == "log_rated" and line.log_id == entry.id
    assert "不满意" in line.note and "不作为核实" in line.note
    assert line.actor_label == "王**"  # a resident on a public timeline is masked
    before, after = timeline.states(line)
    assert before["verified"] is False and after["verified"] is False
    # the branch can still verify it, and then it earns
    fulfilment.verify_log(session, f.as_actor(session, world["secretary"]), entry, RULES)
    assert points.index_of(session, world["zhang"].id) == 2


def test_a_satisfied_sign_off_verifies_and_is_on_the_timeline(session, world):
    entry = _log(session, world)
    resident = f.as_actor(session, world["served"])
    evaluation.confirm_log(session, resident, entry, "basically_satisfied", "", RULES)
    assert entry.verified_at is not None and entry.verified_by_account_id == world["served"].id
    assert [e.rule for e in standings.ledger(session, world["zhang"].id)] == ["verified_log"]
    (line,) = _log_entries(session, world["c"])
    assert line.action == "log_signed_off" and line.actor_account_id == world["served"].id
    before, after = timeline.states(line)
    assert (before["verified"], after["verified"]) == (False, True)
    # a later 不满意 does not verify twice nor add points; it is recorded
    evaluation.confirm_log(session, resident, entry, "unsatisfied", "", RULES)
    assert [e.action for e in _log_entries(session, world["c"])] == ["log_signed_off", "log_rated"]
    assert points.index_of(session, world["zhang"].id) == 2
    assert session.scalar(select(Evaluation.rating)) == "unsatisfied"


# -- item 6: edits, deletions, verifications leave a trace ----------------------------------


def test_an_edit_is_on_the_timeline_with_before_and_after(session, world):
    entry = _log(session, world, qty=3)
    owner = f.as_actor(session, world["zhang"])
    fulfilment.edit_log(session, owner, entry, 24, quantity=8)
    session.commit()
    (line,) = _log_entries(session, world["c"])
    assert line.action == "log_edited" and line.actor_member_id == world["zhang"].id
    assert line.actor_label == "张大爷" and "3次 → 8次" in line.note
    before, after = timeline.states(line)
    assert (before["quantity"], after["quantity"]) == (3, 8)
    # the same values again change nothing and record nothing
    fulfilment.edit_log(session, owner, entry, 24, quantity=8, note="修好了水龙头")
    assert len(_log_entries(session, world["c"])) == 1
    fulfilment.edit_log(session, owner, entry, 24, note="修好了水龙头和灯")
    edit = _log_entries(session, world["c"])[-1]
    assert timeline.states(edit)[0]["note"] == "修好了水龙头"
    assert timeline.states(edit)[1]["note"] == "修好了水龙头和灯"


def test_a_deleted_log_stays_on_the_timeline(session, world):
    entry = _log(session, world, qty=5)
    log_id = entry.id
    fulfilment.delete_log(session, f.as_actor(session, world["zhang"]), entry, 24)
    session.commit()
    assert fulfilment.progress_of(session, world["c"]).done == 0
    (line,) = timeline.entries_for_log(session, log_id)
    assert line.action == "log_deleted" and line.commitment_id == world["c"].id
    assert "5次" in line.note
    before, after = timeline.states(line)
    assert before["quantity"] == 5 and before["note"] == "修好了水龙头" and after is None
    assert session.get(TimelineEntry, line.id) is not None


def test_a_verification_is_on_the_timeline_once(session, world):
    entry = _log(session, world)
    secretary = f.as_actor(session, world["secretary"])
    fulfilment.verify_log(session, secretary, entry, RULES)
    fulfilment.verify_log(session, secretary, entry, RULES)  # already verified: no second entry
    session.commit()
    (line,) = timeline.entries_for_log(session, entry.id)
    assert line.action == "log_verified" and line.actor_member_id == world["secretary"].id
    assert line.actor_label == "李书记" and "已核实" in line.note
    before, after = timeline.states(line)
    assert (before["verified"], after["verified"]) == (False, True)
    assert timeline.ACTION_LABELS[line.action] == "核实践诺记录"
