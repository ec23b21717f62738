"""Whole journeys by messages alone, through the real endpoint (encrypted), the outbox
dispatcher and the fake WeChat API server on loopback."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from sqlalchemy import func, select

from delivery.dispatcher import Dispatcher
from models import (
    FulfilmentLog,
    Note,
    OutboundMessage,
    Photo,
    Request,
)
from services import fulfilment, requests
from services.actors import actor_for_member
from services.org import bindcodes
from tests import factories
from tests.fakes.wechat_api import JPEG_STUB, FakeWechat

from .conftest import Wx, commitment_fields


def _dispatch(app: Flask) -> None:
    db = app.extensions["db"]
    Dispatcher.from_settings(db.session_factory, app.config["SETTINGS"]).run_once()


def _percent(app: Flask, commitment_id: int) -> int:
    with app.extensions["db"].session() as s:
        c = s.get_one(factories.Commitment, commitment_id)
        return fulfilment.progress_of(s, c).percent


def test_member_journey(oa_app: Flask, wx: Wx, fake_wechat: FakeWechat, tmp_path: Path) -> None:
    db = oa_app.extensions["db"]
    with db.session() as s:
        orgs = factories.tree(s)
        member = factories.member(s, orgs["branch"], "王建国")
        c = factories.published(s, member, "给村东生产路树木浇水", **commitment_fields())
        code = bindcodes.issue(s, member).code
        commitment_id, public_code = c.id, member.public_code
    page = oa_app.test_client()
    card_before = page.get(f"/m/{public_code}").get_data(as_text=True)
    assert 'aria-valuenow="0"' in card_before
    openid = "o-member-wang"

    assert "欢迎关注" in wx.event(openid, "subscribe")
    assert "绑定成功" in wx.say(openid, f"绑定 {code}")
    listing = wx.say(openid, "我的承诺")
    assert "1. 给村东生产路树木浇水" in listing and "0%" in listing

    reply = wx.say(openid, "践诺 1 浇水 3次")
    assert "数量 3次" in reply and "25%" in reply
    assert _percent(oa_app, commitment_id) == 25

    fake_wechat.media["MEDIA-1"] = JPEG_STUB
    assert "照片已附在践诺记录" in wx.image(openid, "MEDIA-1")
    with db.session() as s:
        photo = s.scalars(select(Photo)).one()
        assert photo.status == "downloading" and photo.log_id is not None
        assert s.scalars(select(OutboundMessage)).one().channel == "media_download"
    _dispatch(oa_app)  # the worker, not the request, downloads the image
    with db.session() as s:
        photo = s.scalars(select(Photo)).one()
        assert photo.status == "ready"
        assert (tmp_path / "uploads" / photo.storage_key).read_bytes() == JPEG_STUB
    assert fake_wechat.calls_to("/cgi-bin/media/get")[0].query["media_id"] == "MEDIA-1"

    # Full-width digits, ×N and Chinese punctuation.
    assert "数量 3次" in wx.say(openid, "践诺１，扫落叶×３")
    assert _percent(oa_app, commitment_id) == 50
    card_after = page.get(f"/m/{public_code}").get_data(as_text=True)
    assert 'aria-valuenow="50"' in card_after
    assert "进度榜" in wx.event(openid, "CLICK", "PROGRESS")

    # Looks like a log but names no commitment: kept and explained.
    assert "已保存" in wx.say(openid, "今天帮李奶奶打扫了院子")
    assert "已保存" in wx.say(openid, "践诺 9 修路灯")
    with db.session() as s:
        assert s.scalar(select(func.count(Note.id))) == 2
        assert s.scalar(select(func.count(FulfilmentLog.id))) == 2


def test_resident_journey(oa_app: Flask, wx: Wx, fake_wechat: FakeWechat) -> None:
    db = oa_app.extensions["db"]
    openid = "o-resident-li"
    with db.session() as s:
        orgs = factories.tree(s)
        member = factories.member(s, orgs["branch"], "张卫东")
        house = factories.household(s, orgs["branch"], linked=[member])
        factories.account(s, household=house, oa_openid=openid)
        member_id = member.id

    reply = wx.say(openid, "反映 路灯坏了")
    assert "编号" in reply and "党员张卫东" in reply
    with db.session() as s:
        number = s.scalars(select(Request.number)).one()
    assert number in reply
    status = wx.say(openid, f"查询 {number}")
    assert number in status and "已分派" in status
    assert number in wx.event(openid, "CLICK", "MY_REQUESTS")

    with db.session() as s:
        req = requests.by_number(s, number)
        member = s.get_one(factories.Member, member_id)
        requests.resolve(s, actor_for_member(s, member), req, "done", "已更换灯泡")
    _dispatch(oa_app)
    sent = fake_wechat.calls_to("/cgi-bin/message/custom/send")
    assert len(sent) == 1
    assert sent[0].json["touser"] == openid
    assert number in sent[0].json["text"]["content"] and sent[0].response["errcode"] == 0

    assert "已确认解决" in wx.say(openid, f"确认 {number}")
    with db.session() as s:
        assert requests.by_number(s, number).status == "confirmed"


def test_non_member_cannot_log_and_gets_told_how_to_bind(wx: Wx) -> None:
    assert "绑定 绑定码" in wx.say("o-stranger", "践诺 1 浇水")


def test_qr_scene_binding(oa_app: Flask, wx: Wx) -> None:
    db = oa_app.extensions["db"]
    with db.session() as s:
        orgs = factories.tree(s)
        m1 = factories.member(s, orgs["branch"], "赵一")
        m2 = factories.member(s, orgs["branch"], "钱二")
        code1, code2 = bindcodes.issue(s, m1).code, bindcodes.issue(s, m2).code
    assert "绑定成功" in wx.event("o-qr-1", "subscribe", f"qrscene_bind:{code1}")
    assert "绑定成功" in wx.event("o-qr-2", "SCAN", f"bind:{code2}")
    assert "我的承诺卡" in wx.say("o-qr-1", "进度")  # members get their own card link
    assert "已经使用过" in wx.say("o-qr-3", f"绑定 {code1}")
