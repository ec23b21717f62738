"""订阅消息 over the API: the templates from configuration, each grant recorded per account."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from models import SubscriptionGrant

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
