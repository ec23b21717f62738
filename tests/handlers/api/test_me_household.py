"""POST/DELETE /api/v1/me/household: a resident links to their household by the phone number
WeChat verified (matched against the register, with consent), by 户码, or in demo mode by a
typed phone; unlinking clears the consent record."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from models import Account
from services.org import bindcodes
from tests import factories as f
from tests.fakes.wechat_api import FakeWechat

from .conftest import build_app, token_for

MP = {"mini_program": {"app_id": "wx-mp-test", "secret": "mp-secret"}}


@pytest.fixture
def wx_app(db_url: str, tmp_path: Path, fake_wechat: FakeWechat) -> Flask:
    app = build_app(
        db_url,
        tmp_path,
        wechat={"api_base_url": fake_wechat.base_url, **MP},
        app={"secret_key": "test-secret-key"},
    )
    yield app
    app.extensions["db"].dispose()


def _world(app: Flask) -> tuple[Account, int, str]:
    with app.extensions["db"].session() as s:
        t = f.tree(s)
        linked = f.member(s, t["branch"], "张卫东")
        house = f.household(
            s, t["branch"], linked=[linked], address="东村12号", phone="13700001111"
        )
        f.household(s, t["branch"], address="东村13号", phone="13700002222")
        f.household(s, t["branch"], address="东村14号", phone="13700002222")
        code = bindcodes.issue_household(s, house)
        resident = f.account(s, mp_openid="mp-res", name="居民甲")
        return resident, house.id, code


def test_phone_match_needs_consent_and_is_recorded(wx_app: Flask, fake_wechat: FakeWechat) -> None:
    resident, house_id, _ = _world(wx_app)
    api, headers = wx_app.test_client(), token_for(wx_app, resident)
    fake_wechat.phone_numbers["pc-1"] = "13700001111"
    refused = api.post("/api/v1/me/household", json={"phone_code": "pc-1"}, headers=headers)
    assert refused.status_code == 400 and "同意" in refused.get_json()["error"]["message"]
    assert fake_wechat.calls_to("/wxa/business/getuserphonenumber") == []  # no call spent

    r = api.post(
        "/api/v1/me/household", json={"phone_code": "pc-1", "consent": True}, headers=headers
    )
    assert r.status_code == 200, r.get_json()
    hh = r.get_json()["household"]
    assert hh["id"] == house_id and hh["address"] == "东村12号"
    assert hh["linked_via"] == "phone" and hh["consent_at"] and hh["linked_members"] == ["张卫东"]
    assert api.get("/api/v1/me", headers=headers).get_json()["household"]["id"] == house_id

    gone = api.delete("/api/v1/me/household", headers=headers)
    assert gone.status_code == 200 and gone.get_json()["household"] is None
    assert api.delete("/api/v1/me/household", headers=headers).status_code == 409
    with wx_app.extensions["db"].session() as s:
        account = s.get_one(Account, resident.id)
        assert account.household_id is None and account.household_consent_at is None


def test_phone_not_registered_or_ambiguous_points_to_the_code(
    wx_app: Flask, fake_wechat: FakeWechat
) -> None:
    resident, _, code = _world(wx_app)
    api, headers = wx_app.test_client(), token_for(wx_app, resident)
    fake_wechat.phone_numbers["pc-2"] = "13900009999"
    fake_wechat.phone_numbers["pc-3"] = "13700002222"
    for pc, status in (("pc-2", 404), ("pc-3", 409)):
        r = api.post(
            "/api/v1/me/household", json={"phone_code": pc, "consent": True}, headers=headers
        )
        assert r.status_code == status and "户码" in r.get_json()["error"]["message"]
    # a typed phone is refused outside demo mode
    typed = api.post(
        "/api/v1/me/household", json={"phone": "13700001111", "consent": True}, headers=headers
    )
    assert typed.status_code == 400 and "演示模式" in typed.get_json()["error"]["message"]
    by_code = api.post("/api/v1/me/household", json={"bind_code": code}, headers=headers)
    assert by_code.status_code == 200 and by_code.get_json()["household"]["linked_via"] == "code"
    both = api.post(
        "/api/v1/me/household", json={"bind_code": code, "phone_code": "pc-2"}, headers=headers
    )
    assert both.status_code == 400


def test_demo_mode_accepts_a_typed_phone(db_url: str, tmp_path: Path) -> None:
    app = build_app(db_url, tmp_path, app={"secret_key": "k"})
    try:
        resident, house_id, _ = _world(app)
        api, headers = app.test_client(), token_for(app, resident)
        r = api.post(
            "/api/v1/me/household",
            json={"phone": "137 0000 1111", "consent": True},
            headers=headers,
        )
        assert r.status_code == 200, r.get_json()
        assert r.get_json()["household"]["id"] == house_id
    finally:
        app.extensions["db"].dispose()
