"""The resident confirms and reopens by message: a second 确认 says it is already confirmed,
and the answers say until when 重开 is possible."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from sqlalchemy import select

from infra.clock import now_utc
from models import Member, Request
from services import requests
from services.actors import actor_for_member
from tests import factories

from .conftest import Wx


def test_confirm_twice_and_reopen_within_the_window(oa_app: Flask, wx: Wx) -> None:
    db = oa_app.extensions["db"]
    openid = "o-resident-zhou"
    with db.session() as s:
        orgs = factories.tree(s)
        member = factories.member(s, orgs["branch"], "张卫东")
        house = factories.household(s, orgs["branch"], linked=[member])
        factories.account(s, household=house, oa_openid=openid)
        member_id = member.id
    assert "编号" in wx.say(openid, "反映 路灯坏了")
    with db.session() as s:
        (req,) = s.scalars(select(Request)).all()
        number = req.number
        requests.resolve(
            s, actor_for_member(s, s.get_one(Member, member_id)), req, "done", "修好了"
        )
        s.commit()
    window = oa_app.config["SETTINGS"].requests.reopen_window_days

    first = wx.say(openid, f"确认 {number}")
    assert "已确认解决" in first and f"重开 {number}" in first and " 前" in first
    again = wx.say(openid, f"确认 {number}")
    assert "已经确认解决" in again and "办结后才能确认" not in again
    assert "重新打开" in again
    assert "重新打开" in wx.say(openid, f"重开 {number} 灯又不亮了")
    with db.session() as s:
        req = requests.by_number(s, number)
        assert req.status == "assigned"
        requests.resolve(s, actor_for_member(s, s.get_one(Member, member_id)), req, "done", "换了")
        s.commit()
    assert "已确认解决" in wx.say(openid, f"确认 {number}")
    with db.session() as s:
        req = requests.by_number(s, number)
        req.resolved_at = now_utc() - timedelta(days=window + 1)
        s.commit()
    late = wx.say(openid, f"重开 {number} 又坏了")
    assert f"超过 {window} 天" in late and "重新反映" in late
    with db.session() as s:
        assert requests.by_number(s, number).status == "confirmed"
