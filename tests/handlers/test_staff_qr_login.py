"""扫码登录: the login page shows WeChat's parametric QR ``login:<nonce>``; a signed SCAN (or
subscribe) event through the real callback signs that person in on that PC — once, only with
a console role, only before the code expires."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from app import create_app
from infra.clock import now_utc
from models import Account, RoleGrant, StaffAudit
from tests.fakes.wechat_api import FakeWechat
from tests.wechat.conftest import Wx, oa_config
from tests.wechat.wxcrypto import event_xml

pytestmark = pytest.mark.demo_township


@pytest.fixture
def oa_app(db_url: str, tmp_path: Path, fake_wechat: FakeWechat) -> Iterator[Flask]:
    application = create_app(oa_config(db_url, tmp_path, fake_wechat.base_url))
    application.config["TESTING"] = True
    yield application
    application.extensions["db"].dispose()


def _openid(app: Flask, role: str) -> str:
    with app.extensions["db"].session_factory() as s:
        return s.scalar(
            select(Account.oa_openid)
            .join(RoleGrant, RoleGrant.member_id == Account.member_id)
            .where(RoleGrant.role == role, Account.oa_openid.is_not(None))
            .order_by(Account.id)
        )


def _show_login(pc, fake_wechat: FakeWechat) -> str:
    page = pc.get("/staff/need-login")
    assert page.status_code == 401
    html = page.get_data(as_text=True)
    assert 'src="data:image/svg+xml;base64,' in html and "微信扫一扫" in html
    assert "flask" not in html  # no command line shown to the public
    scene = fake_wechat.calls_to("/cgi-bin/qrcode/create")[-1].json["action_info"]["scene"]
    assert scene["scene_str"].startswith("login:")
    return scene["scene_str"]


def test_scan_signs_the_secretary_in_on_that_pc(oa_app, fake_wechat):
    pc, other_pc = oa_app.test_client(), oa_app.test_client()
    scene = _show_login(pc, fake_wechat)
    call = fake_wechat.calls_to("/cgi-bin/qrcode/create")[-1]
    assert call.json["expire_seconds"] == 300 and call.json["action_name"] == "QR_STR_SCENE"
    assert pc.get("/staff/login/qr/state").json == {"state": "waiting", "next": ""}
    assert pc.get("/staff/").status_code == 302

    reply = Wx(oa_app.test_client()).event(_openid(oa_app, "secretary"), "SCAN", scene)
    assert "已在电脑上登录" in reply

    assert other_pc.get("/staff/login/qr/state").json["state"] == "expired"  # not that PC
    assert pc.get("/staff/login/qr/state").json == {"state": "ready", "next": "/staff/"}
    page = pc.get("/staff/")
    assert page.status_code == 200 and "支部书记" in page.get_data(as_text=True)
    assert other_pc.get("/staff/").status_code == 302
    with oa_app.extensions["db"].session_factory() as s:
        assert (
            s.scalar(select(StaffAudit.action).order_by(StaffAudit.id.desc())) == "staff.login_qr"
        )

    # The code is spent: scanning it again (a new event, not WeChat's retry) signs nobody in.
    wx = Wx(oa_app.test_client())
    again = event_xml(_openid(oa_app, "secretary"), "SCAN", scene, int(time.time()) + 5)
    assert "已过期" in wx.decode(wx.post_xml(again))["Content"]


def test_subscribe_by_scan_works_and_no_js_button_continues(oa_app, fake_wechat):
    pc = oa_app.test_client()
    scene = _show_login(pc, fake_wechat)
    waiting = pc.get("/staff/login/qr/continue")
    assert waiting.status_code == 401 and "还没有收到扫码" in waiting.get_data(as_text=True)
    reply = Wx(oa_app.test_client()).event(
        _openid(oa_app, "group_leader"),
        "subscribe",
        "qrscene_" + scene,
    )
    assert "已在电脑上登录" in reply
    resp = pc.get("/staff/login/qr/continue")
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/staff/")
    assert pc.get("/staff/").status_code == 200


def test_a_scan_without_a_role_or_after_expiry_signs_nobody_in(oa_app, fake_wechat, monkeypatch):
    pc = oa_app.test_client()
    scene = _show_login(pc, fake_wechat)
    wx = Wx(oa_app.test_client())
    assert "没有后台权限" in wx.event("demo-oa-resident-01", "SCAN", scene)
    assert "没有后台权限" in wx.event("o-stranger-never-seen", "SCAN", scene)
    assert pc.get("/staff/login/qr/state").json["state"] == "waiting"

    later = now_utc() + timedelta(seconds=301)
    monkeypatch.setattr("services.org.staff_qr.now_utc", lambda: later)
    assert "已过期" in wx.event(_openid(oa_app, "secretary"), "SCAN", scene)
    assert pc.get("/staff/login/qr/state").json["state"] == "expired"
    assert pc.get("/staff/").status_code == 302


def test_logout_everywhere_ends_the_sessions_on_every_pc(oa_app, fake_wechat):
    from tests.handlers.test_staff_scope import csrf, login_as

    with oa_app.extensions["db"].session_factory() as s:
        account_id = s.scalar(
            select(Account.id).where(Account.oa_openid == _openid(oa_app, "secretary"))
        )
    home, lost = oa_app.test_client(), oa_app.test_client()
    login_as(oa_app, home, account_id)
    scene = _show_login(lost, fake_wechat)  # someone else's PC, scanned by mistake
    Wx(oa_app.test_client()).event(_openid(oa_app, "secretary"), "SCAN", scene)
    assert lost.get("/staff/login/qr/state").json["state"] == "ready"
    assert lost.get("/staff/").status_code == 200
    done = home.post("/staff/logout-everywhere", data={"csrf_token": csrf(home)})
    assert done.status_code == 200 and "共 2 处" in done.get_data(as_text=True)
    assert lost.get("/staff/").status_code == 302 and home.get("/staff/").status_code == 302
