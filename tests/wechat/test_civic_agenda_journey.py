"""议事 from proposal to decision (issue 19, must-show 3): a resident raises an item with the
bot, the secretary gathers it for a meeting at the 议事亭 (API), six households vote with the
bot (one household twice, and a second resident of it: counted once), the secretary decides
it into a branch commitment (API), and the commitment's progress shows on the item's page."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from delivery.dispatcher import Dispatcher
from infra.clock import local_date, now_utc
from models import Account, AgendaEvent, AgendaItem, AgendaVote, Commitment, Member, OutboundMessage
from services import fulfilment
from tests import factories
from tests.fakes.wechat_api import FakeWechat
from tests.handlers.api.conftest import token_for

from .conftest import Wx

SECRETARY = "o-secretary-li"
RESIDENTS = [f"o-house-{i}" for i in range(1, 7)]
SECOND_OF_FIRST = "o-house-1-daughter"


@pytest.fixture
def village(oa_app: Flask) -> dict[str, Any]:
    with oa_app.extensions["db"].session() as s:
        orgs = factories.tree(s)
        li = factories.member(s, orgs["branch"], "李书记")
        factories.grant(s, "secretary", orgs["branch"], member=li)
        secretary = factories.account(s, member=li, oa_openid=SECRETARY)
        houses = [factories.household(s, orgs["branch"], head_name=f"住户{i}") for i in range(1, 7)]
        for house, openid in zip(houses, RESIDENTS, strict=True):
            factories.account(s, household=house, oa_openid=openid, name="张建华")
        factories.account(s, household=houses[0], oa_openid=SECOND_OF_FIRST)
        # a resident of another village may not vote here
        other = factories.org(s, "branch", "西村党支部", orgs["township"])
        factories.account(s, household=factories.household(s, other), oa_openid="o-west")
        resident = s.scalars(select(Account).where(Account.oa_openid == RESIDENTS[0])).one()
        return {"secretary": secretary, "li": li.id, "resident": resident}


def test_an_item_raised_by_the_bot_becomes_a_commitment_whose_progress_shows(
    oa_app: Flask, wx: Wx, fake_wechat: FakeWechat, village: dict[str, Any]
) -> None:
    client = oa_app.test_client()
    headers = token_for(oa_app, village["secretary"])

    # 民事民提: a resident raises it with the bot
    reply = wx.say(RESIDENTS[0], "议事 村口到小学的路段太暗，建议加装路灯")
    number = re.search(r"编号 (YS\d+)", reply).group(1)  # type: ignore[union-attr]
    assert f"/civic/agenda/{number}" in reply
    with oa_app.extensions["db"].session() as s:
        item = s.scalars(select(AgendaItem)).one()
        assert item.raised_label == "张**"  # a resident is named masked
        # the branch secretary is told (through the outbox)
        assert s.scalar(select(func.count()).where(OutboundMessage.recipient == SECRETARY)) == 1
    assert "不能表决" in wx.say(RESIDENTS[1], f"表决 {number} 同意")  # not yet on a meeting

    # 民事民议: a meeting at the 议事亭
    held = (now_utc() + timedelta(days=2)).isoformat()
    r = client.post(
        "/api/v1/civic/meetings",
        json={"items": [number], "held_at": held, "place": "四邻议事亭",
              "attendees": "李书记、联户党员、住户代表 12 人", "notes": "大家同意先装 4 盏"},
        headers=headers,
    )  # fmt: skip
    assert r.status_code == 201, r.get_json()
    meeting_id = r.get_json()["id"]
    r = client.post(f"/api/v1/civic/agenda/{number}/hands", headers=headers,
                    json={"hands_for": 11, "hands_against": 1})  # fmt: skip
    assert r.status_code == 200, r.get_json()
    r = client.post(f"/api/v1/civic/meetings/{meeting_id}/notes", headers=headers,
                    json={"notes": "大家同意先装 4 盏，电费由村集体承担；电工电话 13812345678"})  # fmt: skip
    assert r.get_json()["items"] == [number]
    resident = token_for(oa_app, village["resident"])
    refused = client.post(f"/api/v1/civic/agenda/{number}/hands", headers=resident,
                          json={"hands_for": 99, "hands_against": 0})  # fmt: skip
    assert refused.status_code == 403 and "书记" in refused.get_json()["error"]["message"]

    # six households vote; the first household votes twice, its second resident once more
    for openid in RESIDENTS[:5]:
        assert "已记下您家" in wx.say(openid, f"表决 {number} 同意")
    assert "已记下您家" in wx.say(RESIDENTS[5], f"表决 {number.lower()} 反对")
    again = wx.say(RESIDENTS[0], f"表决 {number} 反对")
    assert "已经表决过" in again and "不再计入" in again
    assert "已经表决过" in wx.say(SECOND_OF_FIRST, f"表决 {number} 反对")
    assert "本村" in wx.say("o-west", f"表决 {number} 同意")
    with oa_app.extensions["db"].session() as s:
        assert s.scalar(select(func.count()).select_from(AgendaVote)) == 6

    # 民事民决: decided into a branch commitment
    r = client.post(
        f"/api/v1/civic/agenda/{number}/decide",
        json={
            "decision": "同意在村口到小学路段加装路灯 4 盏",
            "outcome": "commitment",
            "commitment": {"title": "年底前在村口到小学路段加装路灯4盏", "target_quantity": 4,
                           "unit": "盏", "end_date": (local_date() + timedelta(days=60)).isoformat()},
        },
        headers=headers,
    )  # fmt: skip
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["status"] == "decided"
    with oa_app.extensions["db"].session() as s:
        item = s.scalars(select(AgendaItem)).one()
        c = s.get_one(Commitment, item.commitment_id)
        assert (c.owner_kind, c.status) == ("branch", "published")
        assert f"源自议事 {number}" in c.description  # the link back
        actions = s.scalars(select(AgendaEvent.action).order_by(AgendaEvent.id)).all()
        assert actions == ["raised", "scheduled", "hands", "decided"]
        li = s.get_one(Member, village["li"])
        fulfilment.log(s, factories.as_actor(s, li), c, quantity=1, note="装好第一盏",
                       happened_on=local_date())  # fmt: skip

    page = client.get(f"/civic/agenda/{number}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "年底前在村口到小学路段加装路灯4盏" in html
    assert "已完成 1/4 盏" in html and "25%" in html
    assert "6 户表决：同意 5，反对 1" in html
    assert "同意 11 人，反对 1 人" in html and "电费由村集体承担" in html
    assert "138****5678" in html and "13812345678" not in html  # phones masked in free text
    assert "四邻议事亭" in html and "提出议事" in html and "列入议事会" in html
    assert "张建华" not in html and "张**" in html
    body = client.get(f"/api/v1/civic/agenda/{number}").get_json()
    assert body["households"] == 6 and body["progress_percent"] == 25

    # the raiser heard each step, the secretary the new item (sent from the outbox)
    Dispatcher.from_settings(
        oa_app.extensions["db"].session_factory, oa_app.config["SETTINGS"]
    ).run_once()
    told = _texts_to(fake_wechat, RESIDENTS[0])
    assert any("已列入议事会" in t and "四邻议事亭" in t for t in told)
    assert any("已有结果：转为支部承诺" in t for t in told)
    assert any(number in t and "议事会" in t for t in _texts_to(fake_wechat, SECRETARY))


def _texts_to(fake: FakeWechat, openid: str) -> list[str]:
    return [
        c.json["text"]["content"]
        for c in fake.calls_to("/cgi-bin/message/custom/send")
        if c.json and c.json.get("touser") == openid and c.json.get("msgtype") == "text"
    ]
