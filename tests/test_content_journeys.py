"""Journeys through the one content gate: a log sent through the bot (`flask bot say`, the real
callback) and a log edited with PATCH, (i) with a fake WeChat on loopback answering ``risky``
for a mini-program author, (ii) with the local word list for an official-account author; held
text stays off the public card until the branch secretary approves it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from app import create_app
from delivery.dispatcher import Dispatcher
from models import FulfilmentLog, Organisation
from services.org import auth
from tests import factories as f
from tests.conftest import make_config
from tests.fakes.wechat_api import FakeWechat


@dataclass
class World:
    member_code: str
    commitment_id: int
    author: Any  # Account
    secretary: Any  # Account
    openid: str


def _app(db_url: str, tmp_path: Path, **sections: Any) -> Flask:
    config = make_config(
        db_url,
        tmp_path,
        content={"blocked_words": ["坏词"]},
        # no public cache: the cards are read again right after each change
        api={"write_rate_limit": "1000 per minute", "public_cache_seconds": 0},
        **sections,
    )
    application = create_app(config)
    application.config["TESTING"] = True
    return application


@pytest.fixture
def demo_app(db_url: str, tmp_path: Path) -> Iterator[Flask]:
    """No WeChat credentials: official-account users, the local word list only."""
    application = _app(db_url, tmp_path)
    yield application
    application.extensions["db"].dispose()


@pytest.fixture
def wx_app(db_url: str, tmp_path: Path, fake_wechat: FakeWechat) -> Iterator[Flask]:
    """Official account (plaintext callback) and mini-program, both on the fake WeChat."""
    application = _app(
        db_url,
        tmp_path,
        app={"secret_key": "test-secret"},
        wechat={
            "api_base_url": fake_wechat.base_url,
            "official_account": {"app_id": "wx-oa", "secret": "s", "token": "tok"},
            "mini_program": {"app_id": "wx-mp", "secret": "s"},
        },
    )
    yield application
    application.extensions["db"].dispose()


def _world(app: Flask, mp_openid: str | None) -> World:
    with app.extensions["db"].session() as s:
        t = f.tree(s)
        member = f.member(s, t["branch"], "王建国")
        secretary = f.member(s, t["branch"], "赵书记")
        f.grant(s, "secretary", t["branch"], member=secretary)
        today = date.today()
        c = f.published(
            s,
            member,
            "给村东生产路树木浇水",
            target_kind="count",
            frequency=None,
            target_quantity=10,
            start_date=today - timedelta(days=30),
            end_date=today + timedelta(days=60),
        )
        author = f.account(s, member, oa_openid="o-wang", mp_openid=mp_openid)
        sec = f.account(s, secretary, oa_openid="o-zhao")
        s.commit()
        return World(member.public_code, c.id, author, sec, "o-wang")


def _headers(app: Flask, account: Any) -> dict[str, str]:
    issued = auth.issue_token(app.config["SECRET_KEY"], account, 1)
    return {"Authorization": f"Bearer {issued.token}"}


def _say(app: Flask, openid: str, text: str) -> str:
    result = app.test_cli_runner().invoke(args=["bot", "say", "--openid", openid, text])
    assert result.exit_code == 0, result.output
    return result.output


def _public_notes(app: Flask, code: str) -> tuple[str, list[str]]:
    """The HTML card's text and the JSON card's log notes."""
    client = app.test_client()
    html = client.get(f"/m/{code}").get_data(as_text=True)
    card = client.get(f"/api/v1/members/{code}/card")
    assert card.status_code == 200
    return html, [entry["note"] for entry in card.get_json()["logs"]]


def _shown(app: Flask, code: str, note: str) -> bool:
    html, notes = _public_notes(app, code)
    assert (note in html) == (note in notes), "HTML and JSON cards disagree"
    return note in notes


def _log_id(app: Flask, note: str) -> int:
    with app.extensions["db"].session() as s:
        return s.scalars(select(FulfilmentLog.id).where(FulfilmentLog.note == note)).one()


def _dispatch(app: Flask) -> None:
    db = app.extensions["db"]
    Dispatcher.from_settings(db.session_factory, app.config["SETTINGS"]).run_once()


def _approve(app: Flask, w: World, log_id: int) -> None:
    client, headers = app.test_client(), _headers(app, w.secretary)
    held = client.get("/api/v1/reviews/content", headers=headers).get_json()
    assert [(i["kind"], i["id"]) for i in held["items"]] == [("log", log_id)]
    r = client.post(
        f"/api/v1/reviews/content/log/{log_id}", json={"decision": "approve"}, headers=headers
    )
    assert r.status_code == 200 and r.get_json()["content_status"] == "pass"


# -- (ii) no mini-program openid: the local word list ------------------------------------


def test_bot_log_with_a_listed_word_waits_for_the_secretary(demo_app: Flask) -> None:
    w = _world(demo_app, mp_openid=None)
    clean = _say(demo_app, w.openid, "践诺 1 浇水 2次")
    assert "已记录践诺" in clean and "审核" not in clean
    assert _shown(demo_app, w.member_code, "浇水 2次")  # clean text: public at once

    reply = _say(demo_app, w.openid, "践诺 1 浇水 坏 词 1次")
    assert "已记录践诺" in reply and "支部书记审核" in reply  # the member is told why it waits
    held = _log_id(demo_app, "浇水 坏 词 1次")
    assert not _shown(demo_app, w.member_code, "浇水 坏 词 1次")
    # the author cannot approve; a plain member sees no queue
    author = _headers(demo_app, w.author)
    assert demo_app.test_client().get("/api/v1/reviews/content", headers=author).get_json() == {
        "items": [],
        "page": 1,
        "per_page": 20,
        "total": 0,
    }
    r = demo_app.test_client().post(
        f"/api/v1/reviews/content/log/{held}", json={"decision": "approve"}, headers=author
    )
    assert r.status_code == 403
    _approve(demo_app, w, held)
    assert _shown(demo_app, w.member_code, "浇水 坏 词 1次")


def test_patch_with_a_listed_word_hides_the_log_until_approved(demo_app: Flask) -> None:
    w = _world(demo_app, mp_openid=None)
    _say(demo_app, w.openid, "践诺 1 浇水 1次")
    log_id = _log_id(demo_app, "浇水 1次")
    client = demo_app.test_client()
    r = client.patch(
        f"/api/v1/logs/{log_id}",
        json={"note": "改成含坏词的内容"},
        headers=_headers(demo_app, w.author),
    )
    assert r.status_code == 200 and r.get_json()["content_status"] == "held"
    assert not _shown(demo_app, w.member_code, "改成含坏词的内容")
    assert not _shown(demo_app, w.member_code, "浇水 1次")  # the old text is gone too
    r = client.post(
        f"/api/v1/reviews/content/log/{log_id}",
        json={"decision": "reject"},
        headers=_headers(demo_app, w.secretary),
    )
    assert r.status_code == 400 and "reason" in r.get_json()["error"]["fields"]
    _approve(demo_app, w, log_id)
    assert _shown(demo_app, w.member_code, "改成含坏词的内容")


# -- (i) a mini-program author: WeChat's msg_sec_check on the fake server ---------------


def test_bot_log_a_wechat_says_is_risky_never_becomes_public(
    wx_app: Flask, fake_wechat: FakeWechat
) -> None:
    w = _world(wx_app, mp_openid="mp-wang")
    fake_wechat.sec_check["赌钱"] = "risky"
    _say(wx_app, w.openid, "践诺 1 浇水 2次")
    _say(wx_app, w.openid, "践诺 1 浇水后去赌钱 1次")
    # waiting for WeChat: neither is public yet
    assert not _shown(wx_app, w.member_code, "浇水 2次")
    assert not _shown(wx_app, w.member_code, "浇水后去赌钱 1次")
    _dispatch(wx_app)
    checked = [c.json for c in fake_wechat.calls_to("/wxa/msg_sec_check")]
    assert {c["content"] for c in checked} == {"浇水 2次", "浇水后去赌钱 1次"}
    assert {c["openid"] for c in checked} == {"mp-wang"}
    assert _shown(wx_app, w.member_code, "浇水 2次")  # clean bot text still shows
    assert not _shown(wx_app, w.member_code, "浇水后去赌钱 1次")
    with wx_app.extensions["db"].session() as s:
        entry = s.get_one(FulfilmentLog, _log_id(wx_app, "浇水后去赌钱 1次"))
        assert entry.content_status == "rejected"


def test_patch_a_wechat_says_is_risky_is_refused_or_rejected(
    wx_app: Flask, fake_wechat: FakeWechat
) -> None:
    w = _world(wx_app, mp_openid="mp-wang")
    fake_wechat.sec_check["赌钱"] = "risky"
    _say(wx_app, w.openid, "践诺 1 浇水 1次")
    _dispatch(wx_app)
    log_id = _log_id(wx_app, "浇水 1次")
    assert _shown(wx_app, w.member_code, "浇水 1次")
    client, headers = wx_app.test_client(), _headers(wx_app, w.author)
    # WeChat answers within the request: refused, nothing changes
    r = client.patch(f"/api/v1/logs/{log_id}", json={"note": "去赌钱"}, headers=headers)
    assert r.status_code == 400 and r.get_json()["error"]["code"] == "content_risky"
    assert _shown(wx_app, w.member_code, "浇水 1次")
    # WeChat down during the request: pending (hidden), then the dispatcher's check rejects it
    fake_wechat.fail_next("/wxa/msg_sec_check", status=502)
    r = client.patch(f"/api/v1/logs/{log_id}", json={"note": "晚上去赌钱"}, headers=headers)
    assert r.status_code == 200 and r.get_json()["content_status"] == "pending"
    assert not _shown(wx_app, w.member_code, "晚上去赌钱")
    _dispatch(wx_app)
    assert not _shown(wx_app, w.member_code, "晚上去赌钱")
    with wx_app.extensions["db"].session() as s:
        assert s.get_one(FulfilmentLog, log_id).content_status == "rejected"


# -- the 找他办事 web form ---------------------------------------------------------------


def test_web_form_text_never_reaches_a_public_output(demo_app: Flask) -> None:
    """The form files a request (诉求): its text goes to the member and the branch only and
    is shown to the resident behind a signed link, so no public output may carry it."""
    w = _world(demo_app, mp_openid=None)
    web = demo_app.test_client()
    form = web.get(f"/m/{w.member_code}/ask").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert token is not None
    text = "村东路灯坏了 坏词"
    r = web.post(
        f"/m/{w.member_code}/ask",
        data={"kind": "problem", "text": text, "csrf_token": token.group(1)},
    )
    assert r.status_code == 303
    html, notes = _public_notes(demo_app, w.member_code)
    assert text not in html and text not in notes
    with demo_app.extensions["db"].session() as s:
        branch = s.scalars(select(Organisation).where(Organisation.kind == "branch")).one()
        wall = web.get(f"/o/{branch.code}/wall")
    assert wall.status_code == 200 and "王建国" in wall.get_data(as_text=True)
    assert "路灯" not in wall.get_data(as_text=True)
