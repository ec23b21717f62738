"""A location sent first, then an explicit request command within 10 minutes: the place goes
on the new request (issue 15, location). A 践诺 in between neither uses nor drops it; after
10 minutes the place has lapsed. Through the real callback (signed and encrypted)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from infra.clock import now_utc
from models import FulfilmentLog, Request
from tests import factories

from .conftest import Wx, commitment_fields


def test_a_place_then_fanying_attaches_the_place(oa_app: Flask, wx: Wx) -> None:
    openid = "o-place-then-command"
    with oa_app.extensions["db"].session() as s:
        orgs = factories.tree(s)
        member = factories.member(s, orgs["branch"], "王建国", group=orgs["group1"])
        factories.published(s, member, "给村东生产路树木浇水", **commitment_fields())
        factories.account(s, member=member, oa_openid=openid)
        s.commit()
    assert "请说一下这里有什么问题" in wx.location(openid, "28.2", "112.9", "村口小桥")
    # a 践诺 in between is a 践诺, and leaves the place waiting
    assert "已记录践诺" in wx.say(openid, "践诺 1 浇水 3次")
    reply = wx.say(openid, "反映 桥栏杆断了一根")
    assert "编号" in reply and "已附上您刚才发送的位置：村口小桥" in reply
    with oa_app.extensions["db"].session() as s:
        req = s.scalars(select(Request)).one()
        assert (req.text, req.location_label, req.latitude, req.longitude) == (
            "桥栏杆断了一根", "村口小桥", 28.2, 112.9,
        )  # fmt: skip
        assert s.scalars(select(FulfilmentLog)).one().quantity == 3
    # the place was used once: the next request has none
    assert "已附上" not in wx.say(openid, "心愿 村口装个健身器材")
    with oa_app.extensions["db"].session() as s:
        second = s.scalars(select(Request).order_by(Request.id.desc())).first()
        assert second is not None and second.latitude is None and not second.location_label


def test_a_place_older_than_ten_minutes_is_not_attached(
    oa_app: Flask, wx: Wx, monkeypatch: pytest.MonkeyPatch
) -> None:
    openid = "o-place-late"
    with oa_app.extensions["db"].session() as s:
        orgs = factories.tree(s)
        factories.account(s, household=factories.household(s, orgs["branch"]), oa_openid=openid)
        s.commit()
    assert "请说一下" in wx.location(openid, "28.2", "112.9", "村口小桥")
    later = now_utc() + timedelta(minutes=11)
    monkeypatch.setattr("handlers.bot.inbound.now_utc", lambda: later)
    reply = wx.say(openid, "反映 路灯坏了")
    assert "编号" in reply and "已附上" not in reply and "可以接着发送照片或位置" in reply
    with oa_app.extensions["db"].session() as s:
        req = s.scalars(select(Request)).one()
        assert req.latitude is None and not req.location_label
