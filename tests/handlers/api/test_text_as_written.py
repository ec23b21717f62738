"""Text is stored and shown as people wrote it (issue 11 item 7): full-width punctuation and
digits in a log note, a request and a commitment round-trip unchanged to the JSON, the
database and the public pages; only the parsers read a normalised copy."""

from __future__ import annotations

from flask import Flask
from markupsafe import escape
from sqlalchemy import select

from handlers.pages import REQUEST_PURPOSE
from models import Commitment, FulfilmentLog, Member, Request
from services import privacy
from tests import factories as f
from tests.handlers.api.conftest import COMMITMENT, World, token_for

NOTE = "三天了，晚上又去浇了一遍（共３桶）！"
REQUEST_TEXT = "路灯坏了三天了，晚上看不清路；麻烦看看？"
TITLE = "每月给村东生产路两侧１２０棵树木浇水一次，保证成活"


def test_log_note_round_trips_unchanged(api_app: Flask, api, world: World) -> None:
    with api_app.extensions["db"].session() as s:
        member = s.get(Member, world.author.id)
        cid = f.published(s, member).id
        code = member.public_code
    r = api.post(
        f"/api/v1/commitments/{cid}/logs",
        json={"note": NOTE},
        headers=token_for(api_app, world.author_account),
    )
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["log"]["note"] == NOTE
    with api_app.extensions["db"].session() as s:
        assert s.scalar(select(FulfilmentLog.note).order_by(FulfilmentLog.id.desc())) == NOTE
    html = api.get(f"/m/{code}").get_data(as_text=True)
    assert str(escape(NOTE)) in html


def test_request_text_round_trips_unchanged(api_app: Flask, api, world: World) -> None:
    r = api.post(
        "/api/v1/requests",
        json={"kind": "problem", "text": REQUEST_TEXT, "location": "村东（小桥边）"},
        headers=token_for(api_app, world.resident_a),
    )
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert body["text"] == REQUEST_TEXT and body["location"] == "村东（小桥边）"
    with api_app.extensions["db"].session() as s:
        req = s.scalar(select(Request).order_by(Request.id.desc()))
        assert req.text == REQUEST_TEXT
        number = req.number
    token = privacy.sign(api_app.config["SECRET_KEY"], REQUEST_PURPOSE, number)
    page = api.get(f"/r/{number}?t={token}")
    assert page.status_code == 200
    assert str(escape(REQUEST_TEXT)) in page.get_data(as_text=True)


def test_commitment_title_round_trips_and_still_parses(api_app: Flask, api, world: World) -> None:
    r = api.post(
        "/api/v1/commitments",
        json={**COMMITMENT, "title": TITLE, "description": "夏季每月至少浇水一次，旱时加浇"},
        headers=token_for(api_app, world.author_account),
    )
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert body["title"] == TITLE
    assert body["description"] == "夏季每月至少浇水一次，旱时加浇"
    with api_app.extensions["db"].session() as s:
        c = s.scalar(select(Commitment).order_by(Commitment.id.desc()))
        assert c.title == TITLE
        assert c.frequency == "monthly"  # the parser read its own normalised copy
