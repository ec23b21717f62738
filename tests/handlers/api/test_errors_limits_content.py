"""Validation error shape, rate limits, pagination and the content-security check."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from models import FulfilmentLog, Member, OutboundMessage
from tests import factories as f
from tests.fakes.wechat_api import FakeWechat

from .conftest import COMMITMENT, World, build_app, make_world, token_for


def test_validation_errors_are_400_with_a_chinese_message_per_field(
    api: FlaskClient, api_app: Flask, world: World
) -> None:
    headers = token_for(api_app, world.author_account)
    r = api.post(
        "/api/v1/commitments",
        json={"target_quantity": "many", "start_date": "31/12/2026", "frequency": "sometimes"},
        headers=headers,
    )
    assert r.status_code == 400  # never marshmallow's 422
    err = r.get_json()["error"]
    assert err["code"] == "invalid" and err["message"]
    assert set(err["fields"]) == {"title", "target_quantity", "start_date", "frequency"}
    for message in err["fields"].values():
        assert any("\u4e00" <= ch <= "\u9fff" for ch in message), message
    # a slogan with nothing to measure: the service's 四化 check names what is missing
    r = api.post("/api/v1/commitments", json={"title": "积极发挥先锋模范作用"}, headers=headers)
    assert r.status_code == 400
    assert "target_quantity" in r.get_json()["error"]["fields"]
    # not JSON at all / a JSON list
    r = api.post(
        "/api/v1/commitments", data="not json", content_type="application/json", headers=headers
    )
    assert r.status_code == 400 and "error" in r.get_json()
    r = api.post("/api/v1/commitments", json=[1, 2], headers=headers)
    assert r.status_code == 400 and r.get_json()["error"]["fields"]
    r = api.post(
        "/api/v1/commitments", json={**COMMITMENT, "title": "浇水\x00一次"}, headers=headers
    )
    assert r.status_code == 400 and "title" in r.get_json()["error"]["fields"]
    assert api.get("/api/v1/nothing-here").get_json()["error"]["code"] == "not_found"


def test_pagination(api: FlaskClient, api_app: Flask, world: World) -> None:
    headers = token_for(api_app, world.resident_a)
    for i in range(5):
        api.post(
            "/api/v1/requests",
            json={"kind": "suggestion", "text": f"建议第{i}条内容"},
            headers=headers,
        )
    page = api.get("/api/v1/requests/mine?page=2&per_page=2", headers=headers).get_json()
    assert (page["page"], page["per_page"], page["total"], len(page["items"])) == (2, 2, 5, 2)
    r = api.get("/api/v1/requests/mine?per_page=500", headers=headers)
    assert r.status_code == 400 and "per_page" in r.get_json()["error"]["fields"]
    orgs = api.get("/api/v1/orgs").get_json()
    assert orgs["total"] == 1 and orgs["items"][0]["name"] == "东村党支部"


def test_writes_are_rate_limited_per_user(db_url: str, tmp_path: Path) -> None:
    app = build_app(db_url, tmp_path, api={"write_rate_limit": "3 per minute"})
    world = make_world(app)
    api = app.test_client()
    a = token_for(app, world.resident_a)
    statuses = [
        api.post(
            "/api/v1/requests", json={"kind": "wish", "text": "想要一个乒乓球台"}, headers=a
        ).status_code
        for _ in range(4)
    ]
    assert statuses == [201, 201, 201, 429]
    r = api.post("/api/v1/requests", json={"kind": "wish", "text": "想要一个乒乓球台"}, headers=a)
    assert r.get_json() == {"error": {"code": "rate_limited", "message": "操作太频繁，请稍后再试"}}
    # reads are not limited, and another user has their own budget
    assert api.get("/api/v1/requests/mine", headers=a).status_code == 200
    b = token_for(app, world.resident_b)
    assert (
        api.post(
            "/api/v1/requests", json={"kind": "wish", "text": "想要一个篮球架"}, headers=b
        ).status_code
        == 201
    )
    app.extensions["db"].dispose()


def _wx_app(db_url: str, tmp_path: Path, fake: FakeWechat) -> Flask:
    return build_app(
        db_url,
        tmp_path,
        app={"secret_key": "k"},
        wechat={"api_base_url": fake.base_url, "mini_program": {"app_id": "wx-mp", "secret": "s"}},
    )


def test_content_check_when_credentials_exist(
    db_url: str, tmp_path: Path, fake_wechat: FakeWechat
) -> None:
    app = _wx_app(db_url, tmp_path, fake_wechat)
    world = make_world(app)
    with app.extensions["db"].session() as s:
        cid = f.published(s, s.get(Member, world.author.id)).id
    api = app.test_client()
    headers = token_for(app, world.author_account)
    fake_wechat.sec_check["违禁词"] = "risky"
    fake_wechat.sec_check["待人工"] = "review"

    r = api.post(f"/api/v1/commitments/{cid}/logs", json={"note": "今天浇水了"}, headers=headers)
    assert r.status_code == 201 and r.get_json()["log"]["content_status"] == "pass"
    check = fake_wechat.calls_to("/wxa/msg_sec_check")[-1]
    assert check.json["openid"] == "mp-author" and check.json["version"] == 2

    r = api.post(
        f"/api/v1/commitments/{cid}/logs", json={"note": "含有违禁词的内容"}, headers=headers
    )
    assert r.status_code == 400 and r.get_json()["error"]["code"] == "content_risky"
    assert "note" in r.get_json()["error"]["fields"]

    # WeChat unsure: held for the branch secretary (the content gate decides)
    r = api.post(f"/api/v1/commitments/{cid}/logs", json={"note": "待人工看看"}, headers=headers)
    assert r.get_json()["log"]["content_status"] == "held"

    fake_wechat.fail_next("/wxa/msg_sec_check", status=502)
    r = api.post(
        f"/api/v1/commitments/{cid}/logs", json={"note": "微信出故障时记录"}, headers=headers
    )
    assert r.status_code == 201
    log_id = r.get_json()["log"]["id"]
    assert r.get_json()["log"]["content_status"] == "pending"
    with app.extensions["db"].session() as s:
        rows = s.scalars(
            select(OutboundMessage).where(OutboundMessage.channel == "content_check")
        ).all()
        assert len(rows) == 1 and f'"id": {log_id}' in rows[0].payload
        notes = {e.note for e in s.scalars(select(FulfilmentLog))}
        assert "含有违禁词的内容" not in notes
    # pending text is not shown publicly; passed text is
    card = api.get(f"/api/v1/members/{world.author.public_code}/card").get_json()
    assert [entry["note"] for entry in card["logs"]] == ["今天浇水了"]
    app.extensions["db"].dispose()


def test_no_content_check_without_credentials(
    api: FlaskClient, api_app: Flask, world: World
) -> None:
    headers = token_for(api_app, world.author_account)
    r = api.post("/api/v1/commitments", json=COMMITMENT, headers=headers)
    assert r.status_code == 201 and r.get_json()["content_status"] == "not_checked"


@pytest.mark.redis
def test_rate_limit_counts_in_redis_when_configured(db_url: str, tmp_path: Path) -> None:
    from tests.conftest import REDIS_URL

    if not REDIS_URL:
        pytest.skip("TEST_REDIS_URL not set")
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    apps = [
        build_app(
            db_url, tmp_path, redis={"url": REDIS_URL}, api={"write_rate_limit": "2 per minute"}
        )
        for _ in range(2)
    ]
    world = make_world(apps[0])
    a = token_for(apps[0], world.resident_a)
    body = {"kind": "wish", "text": "想要一个乒乓球台"}
    # two workers share one budget through Redis
    assert apps[0].test_client().post("/api/v1/requests", json=body, headers=a).status_code == 201
    assert apps[1].test_client().post("/api/v1/requests", json=body, headers=a).status_code == 201
    assert apps[1].test_client().post("/api/v1/requests", json=body, headers=a).status_code == 429
    for app in apps:
        app.extensions["db"].dispose()
