"""订阅消息 over the API: the templates from configuration, each grant recorded per account."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from delivery.dispatcher import Dispatcher
from models import SubscriptionGrant
from tests import factories as f
from tests.fakes.wechat_api import FakeWechat

from .conftest import build_app, make_world, token_for

TEMPLATES = {
    "answer_subscribe_template_id": "TPL-ANSWER",
    "inbox_subscribe_template_id": "TPL-TASK",
}


@pytest.fixture
def sub_app(db_url: str, tmp_path: Path) -> Iterator[Flask]:
    app = build_app(db_url, tmp_path, requests=TEMPLATES)
    yield app
    app.extensions["db"].dispose()


def test_templates_are_listed_and_grants_recorded(sub_app: Flask) -> None:
    world = make_world(sub_app)
    api = sub_app.test_client()
    who = token_for(sub_app, world.resident_a)
    assert api.get("/api/v1/subscriptions").status_code == 401
    listed = api.get("/api/v1/subscriptions", headers=who)
    assert listed.status_code == 200
    assert listed.json["items"] == [
        {"template_id": "TPL-ANSWER", "scenes": ["request"], "title": "诉求办理结果通知"},
        {"template_id": "TPL-TASK", "scenes": ["inbox"], "title": "新待办提醒"},
    ]
    r = api.post(
        "/api/v1/subscriptions",
        json={"scene": "request", "grants": [{"template_id": "TPL-ANSWER", "decision": "accept"}]},
        headers=who,
    )
    assert r.status_code == 201, r.json
    assert r.json == {"recorded": 1, "accepted": 1}
    with sub_app.extensions["db"].session() as s:
        (row,) = s.scalars(select(SubscriptionGrant)).all()
        assert (row.account_id, row.template_id, row.decision, row.scene) == (
            world.resident_a.id,
            "TPL-ANSWER",
            "accept",
            "request",
        )
        assert row.created_at is not None and row.used_at is None


def test_bad_grants_name_the_field_in_chinese(sub_app: Flask) -> None:
    world = make_world(sub_app)
    api = sub_app.test_client()
    who = token_for(sub_app, world.resident_a)
    unknown = api.post(
        "/api/v1/subscriptions",
        json={"scene": "request", "grants": [{"template_id": "OTHER", "decision": "accept"}]},
        headers=who,
    )
    assert unknown.status_code == 400
    assert "模板" in unknown.json["error"]["fields"]["template_id"]
    bad = api.post(
        "/api/v1/subscriptions",
        json={"scene": "request", "grants": [{"template_id": "TPL-ANSWER", "decision": "ok"}]},
        headers=who,
    )
    assert bad.status_code == 400 and "accept" in str(bad.json["error"]["fields"])
    empty = api.post("/api/v1/subscriptions", json={"scene": "inbox", "grants": []}, headers=who)
    assert empty.status_code == 400 and "grants" in empty.json["error"]["fields"]
    with sub_app.extensions["db"].session() as s:
        assert s.scalars(select(SubscriptionGrant)).all() == []


def test_no_templates_configured_lists_none(api_app: Flask) -> None:
    world = make_world(api_app)
    r = api_app.test_client().get(
        "/api/v1/subscriptions", headers=token_for(api_app, world.resident_a)
    )
    assert r.status_code == 200 and r.json == {"items": []}


def test_a_mini_program_only_resident_gets_the_answer_as_a_subscription_message(
    db_url: str, tmp_path: Path, fake_wechat: FakeWechat
) -> None:
    """The journey: allow the notice before submitting → submit to a member → the member
    answers → the dispatcher sends the answer as a subscription message (seen by the fake)."""
    app = build_app(
        db_url,
        tmp_path,
        requests=TEMPLATES,
        wechat={
            "api_base_url": fake_wechat.base_url,
            "mini_program": {"app_id": "wx-mp", "secret": "s", "env_version": "trial"},
        },
        app={"secret_key": "test-secret-key"},
    )
    try:
        world = make_world(app)
        with app.extensions["db"].session() as s:
            resident = f.account(s, mp_openid="mp-only-resident", oa_openid=None, name="刘大妈")
        api = app.test_client()
        who = token_for(app, resident)
        allowed = api.post(
            "/api/v1/subscriptions",
            json={
                "scene": "request",
                "grants": [{"template_id": "TPL-ANSWER", "decision": "accept"}],
            },
            headers=who,
        )
        assert allowed.status_code == 201, allowed.json
        made = api.post(
            "/api/v1/requests",
            json={
                "kind": "problem",
                "text": "三组路口的路灯坏了",
                "member_code": world.author.public_code,
            },
            headers=who,
        )
        assert made.status_code == 201, made.json
        answered = api.post(
            f"/api/v1/requests/{made.json['id']}/reply",
            json={"text": "明天上午去换灯泡"},
            headers=token_for(app, world.author_account),
        )
        assert answered.status_code == 200, answered.json
        Dispatcher.from_settings(
            app.extensions["db"].session_factory, app.config["SETTINGS"]
        ).run_once()
        (call,) = fake_wechat.calls_to("/cgi-bin/message/subscribe/send")
        assert call.json["touser"] == "mp-only-resident"
        assert call.json["template_id"] == "TPL-ANSWER"
        assert call.json["miniprogram_state"] == "trial"
        assert call.json["data"]["character_string2"] == {"value": made.json["number"]}
        with app.extensions["db"].session() as s:
            grant = s.scalars(select(SubscriptionGrant)).one()
            assert grant.used_at is not None  # one accept, one message
    finally:
        app.extensions["db"].dispose()
