"""The 连心卡 with official-account credentials: each card's QR is the account's permanent QR
code with the scene ``bind:<户码>`` (asked of the fake WeChat), which the callback turns into a
binding when scanned; the console issues missing codes first."""

from __future__ import annotations

import io
import re

import pytest
import zxingcpp
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import select

from models import Account, Household, Organisation, Role, RoleGrant
from services.org import staff
from tests.fakes.wechat_api import FakeWechat

pytestmark = pytest.mark.demo_township


def _console(app: Flask) -> FlaskClient:
    web = app.test_client()
    with app.extensions["db"].session() as s:
        admin = s.scalars(
            select(Account)
            .join(RoleGrant, RoleGrant.account_id == Account.id)
            .where(RoleGrant.role == Role.TOWNSHIP_ADMIN.value)
        ).first()
        assert admin is not None
        token = staff.open_session(s, admin.id)
        s.commit()
    with web.session_transaction() as sess:
        sess["staff_session"] = token
        sess["staff_nonce"] = "nonce"
    return web


def test_household_cards_carry_the_permanent_bind_qr(oa_app: Flask, fake_wechat: FakeWechat):
    web = _console(oa_app)
    with oa_app.extensions["db"].session() as s:
        branch = s.scalars(
            select(Organisation).where(Organisation.kind == "branch").order_by(Organisation.id)
        ).first()
    page = web.get("/staff/print").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert csrf
    done = web.post(f"/staff/print/{branch.code}/bind-codes", data={"csrf_token": csrf[1]})
    assert done.status_code == 303
    assert "新发户码" in web.get(done.headers["Location"]).get_data(as_text=True)
    with oa_app.extensions["db"].session() as s:
        codes = list(
            s.scalars(
                select(Household.bind_code)
                .where(Household.org_id == branch.id, Household.bind_code.is_not(None))
                .order_by(Household.code)
            )
        )
    assert codes
    html = web.get(f"/staff/print/{branch.code}/cards").get_data(as_text=True)
    assert html.count('class="card lx-card"') == len(codes)
    resp = web.get(f"/staff/print/bind-qr/{codes[0]}.png")
    assert resp.status_code == 200 and resp.mimetype == "image/png"
    (found,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(resp.data)))
    asked = fake_wechat.calls_to("/cgi-bin/qrcode/create")[-1].json
    assert asked["action_name"] == "QR_LIMIT_STR_SCENE"
    assert asked["action_info"]["scene"]["scene_str"] == f"bind:{codes[0]}"
    assert found.text == f"http://weixin.qq.com/q/bind:{codes[0]}"
    # Not for anyone else: the console's session is required.
    assert oa_app.test_client().get(f"/staff/print/bind-qr/{codes[0]}.png").status_code != 200
