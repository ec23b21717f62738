"""The bot applies the requests' access rule (services.requests.access): 查询/确认/重开 by
someone who is not the submitter."""

from __future__ import annotations

from flask import Flask

from services import requests
from services.actors import actor_for_account
from tests import factories

from .conftest import Wx


def _resolved_request(oa_app: Flask) -> str:
    with oa_app.extensions["db"].session() as s:
        orgs = factories.tree(s)
        member = factories.member(s, orgs["branch"], "张卫东")
        house = factories.household(s, orgs["branch"], linked=[member])
        resident = factories.account(s, household=house, oa_openid="o-submitter")
        secretary = factories.member(s, orgs["branch"], "赵书记")
        factories.grant(s, "secretary", orgs["branch"], member=secretary)
        factories.account(s, secretary, oa_openid="o-secretary")
        factories.account(s, oa_openid="o-neighbour")
        req = requests.submit(s, actor_for_account(s, resident), kind="problem", text="路灯坏了")
        requests.resolve(s, factories.as_actor(s, member), req, "done", "已更换灯泡")
        s.commit()
        return req.number


def _status(oa_app: Flask, number: str) -> str:
    with oa_app.extensions["db"].session() as s:
        return requests.by_number(s, number).status


def test_bot_refuses_confirm_and_reopen_by_a_non_submitter(oa_app: Flask, wx: Wx) -> None:
    number = _resolved_request(oa_app)
    # the secretary may see the request but is not its submitter
    assert "群众本人" in wx.say("o-secretary", f"确认 {number}")
    assert "群众本人" in wx.say("o-secretary", f"重开 {number} 还是不亮")
    status = wx.say("o-secretary", f"查询 {number}")
    assert number in status and "确认 " not in status  # no hint to do what they may not
    # a neighbour may not even learn that the number exists
    for text in (f"确认 {number}", f"重开 {number} 没修好", f"查询 {number}"):
        reply = wx.say("o-neighbour", text)
        assert "找不到这条诉求" in reply and "路灯" not in reply
    assert _status(oa_app, number) == "resolved"
    # the submitter is told how to confirm, and may
    assert f"确认 {number}" in wx.say("o-submitter", f"查询 {number}")
    assert "已确认解决" in wx.say("o-submitter", f"确认 {number}")
    assert _status(oa_app, number) == "confirmed"
