"""Issue 12 items 1, 9 and 12 through the real callback: message modes and the replay
window, replies built by the XML library, and menu clicks that share a CreateTime."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import pytest
import xmltodict
from flask import Flask
from sqlalchemy import func, select

from app import create_app
from infra.config import ConfigError, load_settings
from models import Account, InboundMessage, Request
from tests import factories
from tests.conftest import make_config
from tests.fakes.wechat_api import FakeWechat
from wechat.callback import DEMO_TOKEN

from .conftest import AES_KEY, TOKEN, Wx, oa_config
from .wxcrypto import event_xml, signed_query, text_xml

AppFactory = Callable[..., Flask]


def _count(app: Flask, model: type) -> int:
    with app.extensions["db"].session() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


@pytest.fixture
def make_app(db_url: str, tmp_path: Path, fake_wechat: FakeWechat) -> Iterator[AppFactory]:
    apps: list[Flask] = []

    def make(mode: str | None = None, redis_url: str = "") -> Flask:
        """An app with token and key; ``mode="demo"``: no credentials (demo token, plain)."""
        if mode == "demo":
            config = make_config(db_url, tmp_path)
        else:
            config = oa_config(db_url, tmp_path, fake_wechat.base_url, mode=mode)
        if redis_url:
            config["redis"] = {"url": redis_url}
        application = create_app(config)
        application.config["TESTING"] = True
        apps.append(application)
        return application

    yield make
    for application in apps:
        application.extensions["db"].dispose()


def _written(app: Flask) -> int:
    return sum(_count(app, model) for model in (InboundMessage, Account, Request))


def _nonces(app: Flask) -> int:
    from models import CallbackNonce  # imported here: the module must load on old main too

    return _count(app, CallbackNonce)


# ------------------------------------------------------------------ item 1: modes


def test_mode_defaults_from_the_key_and_safe_needs_a_key() -> None:
    base = {"app_id": "wx1", "secret": "s", "token": "t"}
    common = {"app": {"secret_key": "k"}}

    def oa(**kw: Any) -> Any:
        return load_settings(common | {"wechat": {"official_account": base | kw}}, environ={})

    assert oa().wechat.official_account.mode == "plain"
    assert oa(encoding_aes_key=AES_KEY).wechat.official_account.mode == "safe"
    assert oa(encoding_aes_key=AES_KEY, mode="compatible").wechat.official_account.mode == (
        "compatible"
    )
    with pytest.raises(ConfigError) as err:
        oa(mode="safe")
    assert err.value.key == "wechat.official_account.encoding_aes_key"


def test_safe_mode_refuses_an_unencrypted_body(make_app: AppFactory) -> None:
    app = make_app()  # a key is set: safe by default
    wx = Wx(app.test_client())
    resp = wx.post_xml(text_xml("o-forged", "反映 不该写入", wx.next_msg_id()), encrypted=False)
    assert resp.status_code == 403, resp.get_data(as_text=True)
    assert _written(app) == 0 and _nonces(app) == 0
    # the real thing still works
    assert "反映 内容" in wx.say("o-real", "帮助")


def test_compatible_mode_checks_msg_signature_when_encrypt_is_present(
    make_app: AppFactory,
) -> None:
    """A body carrying <Encrypt> is an encrypted one even without encrypt_type=aes: its
    msg_signature must hold, the plaintext fields next to it are not believed."""
    app = make_app(mode="compatible")
    wx = Wx(app.test_client())
    forged = text_xml("o-forged", "反映 不该写入", wx.next_msg_id())
    real = wx.crypto.encrypt(text_xml("o-real", "帮助", wx.next_msg_id()))
    body = forged.replace("</xml>", f"<Encrypt><![CDATA[{real}]]></Encrypt></xml>")
    resp = wx.client.post("/wechat/callback", query_string=signed_query(TOKEN, nonce="c1"),
                          data=body.encode())  # fmt: skip
    assert resp.status_code == 403, resp.get_data(as_text=True)
    assert _written(app) == 0 and _nonces(app) == 0
    # plain bodies are accepted in compatible mode
    resp = wx.post_xml(text_xml("o-plain", "帮助", wx.next_msg_id()), encrypted=False)
    assert "反映 内容" in xmltodict.parse(resp.get_data(as_text=True))["xml"]["Content"]


def test_plain_mode_refuses_encrypted_bodies(make_app: AppFactory) -> None:
    app = make_app(mode="plain")
    wx = Wx(app.test_client())
    assert wx.post_xml(text_xml("o-x", "帮助", wx.next_msg_id())).status_code == 400
    assert _written(app) == 0 and _nonces(app) == 0
    assert "反映 内容" in wx.decode(
        wx.post_xml(text_xml("o-x", "帮助", wx.next_msg_id()), encrypted=False)
    ).get("Content", "")


# ------------------------------------------------------------------ item 1: replay window


@pytest.mark.parametrize("mode", ["demo", "plain", "compatible"])
def test_a_seen_signature_cannot_carry_another_body(make_app: AppFactory, mode: str) -> None:
    """The URL of one real delivery (as a proxy log shows it) replayed with a forged body."""
    app = make_app(mode=mode)
    with app.extensions["db"].session() as s:
        factories.tree(s)
    wx = Wx(app.test_client(), token=DEMO_TOKEN if mode == "demo" else TOKEN,
            encrypted=mode == "compatible")  # fmt: skip
    ts, nonce = str(int(time.time())), "seen-in-a-log"
    real = wx.post_xml(text_xml("o-real", "帮助", wx.next_msg_id()), ts=ts, nonce=nonce)
    assert real.status_code == 200
    before = _written(app)
    forged = text_xml("o-victim", "反映 伪造的诉求", wx.next_msg_id())
    resp = wx.post_xml(forged, encrypted=False, ts=ts, nonce=nonce)
    assert resp.status_code == 403, resp.get_data(as_text=True)
    assert _written(app) == before and _count(app, Request) == 0
    assert _nonces(app) == 1


def test_retry_with_the_same_timestamp_and_nonce_gets_the_stored_reply(
    make_app: AppFactory,
) -> None:
    """Whether or not WeChat's retries reuse timestamp and nonce, a retry of the same
    message is answered from the dedupe table, not refused."""
    app = make_app()
    with app.extensions["db"].session() as s:
        factories.tree(s)
    wx = Wx(app.test_client())
    xml = text_xml("o-retry", "反映 村口路灯坏了", wx.next_msg_id())
    ts, nonce = str(int(time.time())), "same-nonce"
    answers = [wx.decode(wx.post_xml(xml, ts=ts, nonce=nonce))["Content"] for _ in range(3)]
    assert answers[0] == answers[1] == answers[2] and "编号" in answers[0]
    assert _count(app, Request) == 1 and _count(app, InboundMessage) == 1


def test_a_verification_url_cannot_be_posted_to(make_app: AppFactory) -> None:
    app = make_app(mode="demo")
    client = app.test_client()
    q = signed_query(DEMO_TOKEN, nonce="verify-1")
    assert client.get("/wechat/callback", query_string=q | {"echostr": "e"}).status_code == 200
    assert client.get("/wechat/callback", query_string=q | {"echostr": "e"}).status_code == 200
    body = text_xml("o-forged", "反映 不该写入", 99).encode()
    assert client.post("/wechat/callback", query_string=q, data=body).status_code == 403
    assert _written(app) == 0


@pytest.mark.redis
def test_replay_window_in_redis(make_app: AppFactory) -> None:
    from tests.conftest import REDIS_URL

    if not REDIS_URL:
        pytest.skip("TEST_REDIS_URL not set")
    import redis

    from models import CallbackNonce

    r = redis.Redis.from_url(REDIS_URL)
    r.flushdb()
    app = make_app(mode="compatible", redis_url=REDIS_URL)
    wx = Wx(app.test_client())
    ts, nonce = str(int(time.time())), "redis-nonce"
    assert (
        wx.post_xml(text_xml("o-r", "帮助", wx.next_msg_id()), ts=ts, nonce=nonce).status_code
        == 200
    )
    forged = text_xml("o-victim", "反映 伪造", wx.next_msg_id())
    assert wx.post_xml(forged, encrypted=False, ts=ts, nonce=nonce).status_code == 403
    key = f"jiannuo:nonce:{ts}:{nonce}"
    assert r.exists(key) and 0 < r.ttl(key) <= 301
    assert _count(app, CallbackNonce) == 0  # Redis holds the window, not the database
    assert _count(app, InboundMessage) == 1


# ------------------------------------------------------------------ item 9: replies


@pytest.mark.parametrize("mode", ["safe", "demo"])
def test_user_text_with_cdata_end_is_carried_in_a_well_formed_reply(
    make_app: AppFactory, mode: str
) -> None:
    """Safe mode: the encrypted reply wraps well-formed reply XML; demo: the plain reply."""
    app = make_app(mode=None if mode == "safe" else mode)
    encrypted = mode == "safe"
    wx = Wx(app.test_client(), token=TOKEN if encrypted else DEMO_TOKEN, encrypted=encrypted)
    evil = "]]></Content><MsgType>news</MsgType>&amp"
    xml = text_xml("o-cdata", "placeholder", wx.next_msg_id()).replace(
        "<![CDATA[placeholder]]>", escape(f"查询 {evil}")
    )
    resp = wx.post_xml(xml)
    reply = wx.decode(resp)  # raises on malformed XML
    assert reply["MsgType"] == "text" and reply["ToUserName"] == "o-cdata"
    assert reply["Content"] == f"没有编号为 {evil} 的诉求，请核对编号"


# ------------------------------------------------------------------ item 12: menu clicks


def test_two_menu_clicks_in_the_same_second_get_their_own_replies(make_app: AppFactory) -> None:
    app = make_app()
    with app.extensions["db"].session() as s:
        factories.tree(s)
    wx = Wx(app.test_client())
    now = int(time.time())
    first = wx.decode(wx.post_xml(event_xml("o-menu", "CLICK", "MY_REQUESTS", create_time=now)))
    second = wx.decode(wx.post_xml(event_xml("o-menu", "CLICK", "PROGRESS", create_time=now)))
    assert "您还没有提交过诉求" in first["Content"]
    assert "进度榜" in second["Content"]
    assert _count(app, InboundMessage) == 2
    # and a retry of the second click is still the second reply
    again = wx.decode(wx.post_xml(event_xml("o-menu", "CLICK", "PROGRESS", create_time=now)))
    assert again["Content"] == second["Content"]


# ------------------------------------------------------------------ the window's storage


def test_replay_window_in_the_database_and_old_rows_go(make_app: AppFactory) -> None:
    from datetime import UTC, datetime, timedelta

    from handlers.bot.inbound import claim_nonce
    from models import CallbackNonce

    app = make_app()
    db = app.extensions["db"]
    wx = Wx(app.test_client())
    ts = str(int(time.time()))
    assert (
        wx.post_xml(text_xml("o-db", "帮助", wx.next_msg_id()), ts=ts, nonce="db-1").status_code
        == 200
    )
    with db.session() as s:
        row = s.scalars(select(CallbackNonce)).one()
        assert row.nonce_key == f"{ts}:db-1"
        assert row.expires_at == datetime.fromtimestamp(int(ts) + 300, UTC)
    # an hour later the row is of no use (its timestamp fails the check) and is deleted
    later = datetime.now(UTC) + timedelta(hours=1)
    later_ts = str(int(later.timestamp()))
    assert claim_nonce(db, None, later_ts, "db-2", "f" * 64, now=later)
    assert not claim_nonce(db, None, later_ts, "db-2", "e" * 64, now=later)
    assert claim_nonce(db, None, later_ts, "db-2", "f" * 64, now=later)  # the same message
    with db.session() as s:
        assert [r.nonce_key for r in s.scalars(select(CallbackNonce))] == [f"{later_ts}:db-2"]


def test_redis_down_falls_back_to_the_database(make_app: AppFactory) -> None:
    from models import CallbackNonce

    app = make_app(mode="compatible", redis_url="redis://127.0.0.1:9/0")  # nothing listens
    wx = Wx(app.test_client())
    ts = str(int(time.time()))
    assert (
        wx.post_xml(text_xml("o-rd", "帮助", wx.next_msg_id()), ts=ts, nonce="rd").status_code
        == 200
    )
    forged = text_xml("o-victim", "反映 伪造", wx.next_msg_id())
    assert wx.post_xml(forged, encrypted=False, ts=ts, nonce="rd").status_code == 403
    assert _count(app, CallbackNonce) == 1


def test_cli_bot_say_in_safe_mode(make_app: AppFactory) -> None:
    app = make_app()
    result = app.test_cli_runner().invoke(args=["bot", "say", "--openid", "o-cli", "帮助"])
    assert result.exit_code == 0, result.output
    assert "绑定 绑定码" in result.output
