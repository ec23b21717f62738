"""Login against the fake WeChat server, binding, demo login and token checks."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from services.org import bindcodes
from tests.fakes.wechat_api import FakeWechat

from .conftest import build_app, make_world, token_for

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


def test_login_with_wx_code_then_me(wx_app: Flask, fake_wechat: FakeWechat) -> None:
    fake_wechat.sessions["code-1"] = {"openid": "o-new-user", "session_key": "sk"}
    api = wx_app.test_client()
    r = api.post("/api/v1/auth/login", json={"code": "code-1"})
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["account"]["member"] is None and body["account"]["demo"] is False
    assert body["expires_at"]
    call = fake_wechat.calls_to("/sns/jscode2session")[0]
    assert call.query["js_code"] == "code-1" and call.query["appid"] == "wx-mp-test"
    me = api.get("/api/v1/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.status_code == 200 and me.get_json()["id"] == body["account"]["id"]
    # the same WeChat user logging in again gets the same account
    fake_wechat.sessions["code-2"] = {"openid": "o-new-user", "session_key": "sk2"}
    again = api.post("/api/v1/auth/login", json={"code": "code-2"}).get_json()
    assert again["account"]["id"] == body["account"]["id"]


def test_login_with_bad_code_says_what_to_do(wx_app: Flask, fake_wechat: FakeWechat) -> None:
    r = wx_app.test_client().post("/api/v1/auth/login", json={"code": "expired"})
    assert r.status_code == 400
    err = r.get_json()["error"]
    assert err["code"] == "login_code_invalid" and "code" in err["fields"]
    fake_wechat.fail_next("/sns/jscode2session", status=502)
    r = wx_app.test_client().post("/api/v1/auth/login", json={"code": "x"})
    assert r.status_code == 503 and r.get_json()["error"]["code"] == "wechat_unavailable"


def test_demo_login_refused_when_credentials_are_configured(wx_app: Flask) -> None:
    make_world(wx_app)
    r = wx_app.test_client().post("/api/v1/auth/demo-login", json={"role": "member"})
    assert r.status_code == 403
    assert r.get_json()["error"]["code"] == "demo_disabled"


def test_demo_login_in_demo_mode(api_app: Flask) -> None:
    world = make_world(api_app)
    api = api_app.test_client()
    body = api.post("/api/v1/auth/demo-login", json={"role": "member"}).get_json()
    assert body["account"]["demo"] is True
    assert body["account"]["member"]["name"] == world.author.name
    sec = api.post("/api/v1/auth/demo-login", json={"role": "secretary"}).get_json()
    assert [r["role"] for r in sec["account"]["roles"]] == ["secretary"]
    resident = api.post("/api/v1/auth/demo-login", json={"role": "resident"}).get_json()
    assert resident["account"]["member"] is None
    r = api.get("/api/v1/commitments/mine", headers={"Authorization": f"Bearer {body['token']}"})
    assert r.status_code == 200


def test_bind_by_phone_matches_the_roster(wx_app: Flask, fake_wechat: FakeWechat) -> None:
    world = make_world(wx_app)
    with wx_app.extensions["db"].session() as s:
        from tests import factories as f

        newcomer = f.account(s, mp_openid="o-newcomer")
    fake_wechat.phone_numbers["phone-ok"] = world.leader.phone
    fake_wechat.phone_numbers["phone-unknown"] = "13000000000"
    api = wx_app.test_client()
    headers = token_for(wx_app, newcomer)
    r = api.post("/api/v1/me/bind-phone", json={"code": "phone-unknown"}, headers=headers)
    assert r.status_code == 404 and r.get_json()["error"]["code"] == "phone_not_in_roster"
    # the leader's roster entry already has a WeChat account
    r = api.post("/api/v1/me/bind-phone", json={"code": "phone-ok"}, headers=headers)
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "member_already_bound"
    with wx_app.extensions["db"].session() as s:
        from models import Organisation
        from tests import factories as f

        fresh = f.member(s, s.get(Organisation, world.branch.id), "孙新党员", phone="13912345678")
    fake_wechat.phone_numbers["phone-fresh"] = "13912345678"
    r = api.post("/api/v1/me/bind-phone", json={"code": "phone-fresh"}, headers=headers)
    assert r.status_code == 200
    assert r.get_json()["member"]["id"] == fresh.id


def test_bind_by_code(api_app: Flask) -> None:
    world = make_world(api_app)
    with api_app.extensions["db"].session() as s:
        from models import Member, Organisation
        from tests import factories as f

        fresh = f.member(s, s.get(Organisation, world.branch.id), "周新党员")
        code = bindcodes.issue(s, s.get(Member, fresh.id)).code
        newcomer = f.account(s, mp_openid="o-newcomer-2")
    api = api_app.test_client()
    headers = token_for(api_app, newcomer)
    r = api.post("/api/v1/me/bind", json={"bind_code": "WRONG123"}, headers=headers)
    assert r.status_code == 400 and "bind_code" in r.get_json()["error"]["fields"]
    r = api.post("/api/v1/me/bind", json={"bind_code": code.lower()}, headers=headers)
    assert r.status_code == 200 and r.get_json()["member"]["name"] == "周新党员"


def test_missing_bad_and_expired_tokens_are_401(api_app: Flask) -> None:
    world = make_world(api_app)
    api = api_app.test_client()
    for headers in ({}, {"Authorization": "Bearer nonsense"}, {"Authorization": "Basic abc"}):
        r = api.get("/api/v1/me", headers=headers)
        assert r.status_code == 401 and r.get_json()["error"]["code"] == "unauthorized"
    from services.org import auth

    forged = auth.issue_token("another-secret", world.author_account, 1).token
    assert api.get("/api/v1/me", headers={"Authorization": f"Bearer {forged}"}).status_code == 401


def test_demo_resident_login_stays_a_resident_after_a_bind(api_app: Flask) -> None:
    world = make_world(api_app)
    with api_app.extensions["db"].session() as s:
        from models import Member, Organisation
        from tests import factories as f

        fresh = f.member(s, s.get(Organisation, world.branch.id), "郑春梅")
        code = bindcodes.issue(s, s.get(Member, fresh.id)).code
    api = api_app.test_client()
    first = api.post("/api/v1/auth/demo-login", json={"role": "resident"}).get_json()
    assert first["account"]["member"] is None
    headers = {"Authorization": f"Bearer {first['token']}"}
    r = api.post("/api/v1/me/bind", json={"bind_code": code}, headers=headers)
    assert r.status_code == 200 and r.get_json()["member"]["name"] == "郑春梅"
    # the bound account stays bound; every later demo resident is a resident again
    for _ in range(2):
        again = api.post("/api/v1/auth/demo-login", json={"role": "resident"}).get_json()
        assert again["account"]["member"] is None and again["account"]["roles"] == []
        assert again["account"]["id"] != first["account"]["id"]
    me = api.get("/api/v1/me", headers=headers).get_json()
    assert me["member"]["name"] == "郑春梅"
