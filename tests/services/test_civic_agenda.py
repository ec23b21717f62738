"""议事 rules: who may raise, gather, vote and decide; one vote per household; a decision
becomes a request or a village rule with a link back; refusals change nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from infra.clock import now_utc
from models import AgendaEvent, AgendaVote, Household, Request, VillageRule
from services import content
from services.civic import agenda, outcome
from services.errors import Conflict, PermissionDenied, ValidationError
from tests import factories as f


@pytest.fixture
def village(session: Session) -> dict:
    t = f.tree(session)
    li = f.member(session, t["branch"], "李书记")
    zhao = f.member(session, t["branch"], "赵党员")
    f.grant(session, "secretary", t["branch"], member=li)
    house = f.household(session, t["branch"])
    resident = f.account(session, household=house, name="王小二")
    loner = f.account(session, name="没绑定")
    session.commit()
    return {**t, "li": li, "zhao": zhao, "resident": resident, "loner": loner}


def _scheduled(session: Session, v: dict, text: str = "村口垃圾点太近，建议挪走") -> object:
    item = agenda.raise_item(session, f.as_actor(session, v["resident"]), v["resident"], text,
                             channel="mp")  # fmt: skip
    agenda.schedule(session, f.as_actor(session, v["li"]), v["branch"], [item.number],
                    held_at=now_utc() + timedelta(days=1), place="屋场会")  # fmt: skip
    return item


def test_raising_needs_a_village_and_words(session: Session, village: dict) -> None:
    loner = village["loner"]
    with pytest.raises(Conflict) as unbound:
        agenda.raise_item(session, f.as_actor(session, loner), loner, "修路修路修路", channel="bot")
    assert "连心卡" in unbound.value.message
    resident = village["resident"]
    with pytest.raises(ValidationError) as short:
        agenda.raise_item(session, f.as_actor(session, resident), resident, "修路", channel="bot")
    assert short.value.field == "text"
    member = f.as_actor(session, village["zhao"])  # a member raises in their own branch
    item = agenda.raise_item(session, member, None, "党员提议：修缮村史馆", channel="mp")
    assert item.org_id == village["branch"].id and item.raised_label == "赵党员"
    before = content.policy()
    content.configure(["六合彩"], wechat=False)
    try:
        held = agenda.raise_item(session, member, None, "有人在群里卖六合彩", channel="mp")
    finally:
        content.configure(before.blocked_words, wechat=before.wechat)
    assert not agenda.is_public(held)
    assert outcome.page(session, held).text == "（内容审核中）"


def test_only_managers_gather_and_decide(session: Session, village: dict) -> None:
    resident = village["resident"]
    item = agenda.raise_item(session, f.as_actor(session, resident), resident, "建一个健身广场",
                             channel="bot")  # fmt: skip
    zhao = f.as_actor(session, village["zhao"])
    with pytest.raises(PermissionDenied):
        agenda.schedule(session, zhao, village["branch"], [item.number],
                        held_at=now_utc(), place="议事亭")  # fmt: skip
    li = f.as_actor(session, village["li"])
    with pytest.raises(Conflict) as early:
        outcome.decide(session, li, item, "同意", "rule")
    assert "请先列入议事会" in early.value.message
    with pytest.raises(ValidationError) as no_place:
        agenda.schedule(session, li, village["branch"], [item.number], held_at=now_utc(), place="")
    assert no_place.value.field == "place"


def test_one_vote_per_household(session: Session, village: dict) -> None:
    item = _scheduled(session, village)
    house = session.get_one(Household, village["resident"].household_id)
    other = f.account(session, household=house, name="王小三")
    first = agenda.vote(session, f.as_actor(session, village["resident"]), village["resident"],
                        item, "for")  # fmt: skip
    again = agenda.vote(session, f.as_actor(session, other), other, item, "against")
    assert first.counted and not again.counted and again.vote.choice == "for"
    assert session.scalar(select(func.count()).select_from(AgendaVote)) == 1
    assert agenda.tally(session, item).votes == {"for": 1, "against": 0, "abstain": 0}
    with pytest.raises(ValidationError):
        agenda.vote(session, f.as_actor(session, other), other, item, "maybe")


def test_a_decision_becomes_a_request_or_a_rule(session: Session, village: dict) -> None:
    li = f.as_actor(session, village["li"])
    to_request = _scheduled(session, village, "河堤护栏松动，建议维修")
    outcome.decide(session, li, to_request, "请水利员上报维修", "request")
    req = session.get_one(Request, to_request.request_id)
    assert req.org_id == village["branch"].id and to_request.number in req.text
    assert req.channel == "agenda" and req.status == "assigned"
    assert not outcome.is_done(session, to_request)

    to_rule = _scheduled(session, village, "红白喜事不放鞭炮")
    outcome.decide(session, li, to_rule, "全村红白喜事不燃放鞭炮", "rule",
                   rule_text="红白喜事一律不燃放烟花爆竹")  # fmt: skip
    rule = session.get_one(VillageRule, to_rule.village_rule_id)
    assert rule.text == "红白喜事一律不燃放烟花爆竹" and outcome.is_done(session, to_rule)
    page = outcome.page(session, to_rule)
    assert page.rule_text == rule.text and page.outcome_label == "写入村规民约"

    dropped = _scheduled(session, village, "建议全村统一刷成粉色")
    outcome.decide(session, li, dropped, "多数住户不同意", "none")
    assert dropped.status == "dropped"
    with pytest.raises(Conflict):
        outcome.decide(session, li, dropped, "再议", "rule")
    actions = session.scalars(
        select(AgendaEvent.action).where(AgendaEvent.item_id == dropped.id).order_by(AgendaEvent.id)
    ).all()
    assert actions == ["raised", "scheduled", "dropped"]


def test_a_commitment_in_review_shows_its_status_not_its_progress(
    session: Session, village: dict
) -> None:
    admin = f.member(session, village["branch"], "镇管理员")
    f.grant(session, "township_admin", village["township"], member=admin)
    li = f.as_actor(session, village["li"])
    item = _scheduled(session, village, "村口加装路灯")
    outcome.decide(session, li, item, "同意加装 4 盏", "commitment",
                   commitment={"title": "年底前在村口加装路灯4盏", "target_quantity": 4,
                               "unit": "盏", "end_date": now_utc().date() + timedelta(days=30)})  # fmt: skip
    page = outcome.page(session, item)
    assert page.commitment is None and page.commitment_progress is None
    assert page.commitment_status_label == "待街镇备案"
    assert outcome.item_for_commitment(session, item.commitment_id) is item
