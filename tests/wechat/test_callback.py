"""The real callback endpoint, driven with signed plain and encrypted messages."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import xmltodict
from flask import Flask
from sqlalchemy import func, select

from app import create_app
from models import Account, InboundMessage, Note, Request
from tests import factories
from tests.conftest import make_config
from wechat.callback import DEMO_TOKEN

from .conftest import TOKEN, Wx, oa_config
from .wxcrypto import event_xml, signature, signed_query, text_xml


def _count(app: Flask, model: type) -> int:
    with app.extensions["db"].session() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def test_get_verification(oa_app: Flask) -> None:
    client = oa_app.test_client()
    q = signed_query(TOKEN) | {"echostr": "echo-123"}
    resp = client.get("/wechat/callback", query_string=q)
    assert resp.status_code == 200 and resp.get_data(as_text=True) == "echo-123"
    q["signature"] = "0" * 40
    assert client.get("/wechat/callback", query_string=q).status_code == 403


def test_plain_message_gets_plain_reply(db_url: str, tmp_path: Path) -> None:
    """Compatible mode (safe, the default with a key, refuses unencrypted bodies)."""
    app = create_app(oa_config(db_url, tmp_path, mode="compatible"))
    try:
        wx = Wx(app.test_client())
        _plain_reply(wx)
    finally:
        app.extensions["db"].dispose()


def _plain_reply(wx: Wx) -> None:
    resp = wx.post_xml(text_xml("o-plain", "帮助", wx.next_msg_id()), encrypted=False)
    assert resp.status_code == 200
    data = xmltodict.parse(resp.get_data(as_text=True))["xml"]
    assert "Encrypt" not in data
    assert data["ToUserName"] == "o-plain" and data["MsgType"] == "text"
    assert "绑定 绑定码" in data["Content"]


def test_encrypted_message_gets_encrypted_reply(wx: Wx) -> None:
    resp = wx.post_xml(text_xml("o-aes", "帮助", wx.next_msg_id()), encrypted=True)
    raw = xmltodict.parse(resp.get_data(as_text=True))["xml"]
    assert set(raw) >= {"Encrypt", "MsgSignature", "TimeStamp", "Nonce"}
    reply = wx.decode(resp)
    assert reply["ToUserName"] == "o-aes" and "反映 内容" in reply["Content"]


def test_compatible_mode_body_with_both_parts(wx: Wx) -> None:
    """Compatible mode: the plaintext fields and <Encrypt> travel together; we decrypt."""
    xml = text_xml("o-compat", "帮助", wx.next_msg_id())
    ts, nonce = str(int(time.time())), "cmp"
    encrypt = wx.crypto.encrypt(xml)
    body = xml.replace("</xml>", f"<Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>")
    q = {"signature": signature(TOKEN, ts, nonce), "timestamp": ts, "nonce": nonce,
         "encrypt_type": "aes", "msg_signature": signature(TOKEN, ts, nonce, encrypt)}  # fmt: skip
    resp = wx.client.post("/wechat/callback", query_string=q, data=body.encode())
    assert "反映 内容" in wx.decode(resp)["Content"]


def test_same_message_three_times_in_a_row_same_answer(oa_app: Flask, wx: Wx) -> None:
    with oa_app.extensions["db"].session() as s:
        factories.tree(s)
    msg_id = wx.next_msg_id()
    answers = [wx.say("o-dup", "反映 村口路灯坏了", msg_id) for _ in range(3)]
    assert answers[0] == answers[1] == answers[2]
    assert "编号" in answers[0]
    assert _count(oa_app, Request) == 1
    assert _count(oa_app, InboundMessage) == 1


def test_event_dedupe_by_sender_time_event(oa_app: Flask, wx: Wx) -> None:
    xml = event_xml("o-evt", "subscribe", create_time=int(time.time()))
    first = wx.decode(wx.post_xml(xml))
    second = wx.decode(wx.post_xml(xml))
    assert first == {**second, "CreateTime": first["CreateTime"]}
    assert _count(oa_app, InboundMessage) == 1
    assert _count(oa_app, Account) == 1


def _refusals(wx: Wx) -> list[tuple[str, int, object]]:
    ok = text_xml("o-bad", "反映 不该写入", 42)
    ts = str(int(time.time()))
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
        '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
        "<xml><ToUserName>a</ToUserName><FromUserName>o-bad</FromUserName>"
        "<CreateTime>1</CreateTime><MsgType>text</MsgType><Content>&lol3;</Content>"
        "<MsgId>43</MsgId></xml>"
    )
    xxe = (
        '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        "<xml><ToUserName>a</ToUserName><FromUserName>o-bad</FromUserName>"
        "<CreateTime>1</CreateTime><MsgType>text</MsgType><Content>反映 &xxe;</Content>"
        "<MsgId>44</MsgId></xml>"
    )
    big = ok.replace("不该写入", "长" * (1024 * 1024 // 3))
    good_q = signed_query(TOKEN, ts)
    return [
        ("bad signature", 403, ({**good_q, "signature": "f" * 40}, ok.encode())),
        ("stale timestamp", 403, (signed_query(TOKEN, str(int(time.time()) - 301)), ok.encode())),
        ("XXE", 400, (good_q, xxe.encode())),
        ("billion laughs", 400, (good_q, laughs.encode())),
        ("1 MB body", 413, (good_q, big.encode())),
        ("malformed", 400, (good_q, b"<xml><MsgType>text</MsgType>")),
    ]


def test_refusals_are_4xx_fast_and_write_nothing(oa_app: Flask, wx: Wx) -> None:
    timings = {}
    for name, status, (query, body) in _refusals(wx):
        started = time.perf_counter()
        resp = wx.client.post("/wechat/callback", query_string=query, data=body)
        timings[name] = (time.perf_counter() - started) * 1000
        assert resp.status_code == status, (name, resp.get_data(as_text=True))
    from models import CallbackNonce

    for model in (InboundMessage, Account, Request, Note, CallbackNonce):
        assert _count(oa_app, model) == 0
    print("refusal timings (ms):", {k: round(v, 2) for k, v in timings.items()})


def test_encrypted_with_bad_msg_signature_refused(oa_app: Flask, wx: Wx) -> None:
    ts, nonce = str(int(time.time())), "n1"
    body, _ = wx.crypto.envelope(text_xml("o-x", "反映 x", 77), ts, nonce)
    q = {"signature": signature(TOKEN, ts, nonce), "timestamp": ts, "nonce": nonce,
         "encrypt_type": "aes", "msg_signature": "0" * 40}  # fmt: skip
    assert wx.client.post("/wechat/callback", query_string=q, data=body).status_code == 403
    assert _count(oa_app, InboundMessage) == 0


def test_unexpected_error_answers_success(
    oa_app: Flask, wx: Wx, monkeypatch: pytest.MonkeyPatch
) -> None:
    from handlers.bot import commands

    def boom(ctx, args):  # type: ignore[no-untyped-def]
        raise RuntimeError("bug")

    monkeypatch.setattr(commands.bot, "texts", [("帮助", boom)])
    resp = wx.post_xml(text_xml("o-err", "帮助", wx.next_msg_id()))
    assert resp.status_code == 200 and resp.get_data(as_text=True) == "success"
    assert _count(oa_app, InboundMessage) == 0  # rolled back: WeChat's retry gets another go


def test_demo_mode_uses_demo_token(db_url: str, tmp_path: Path) -> None:
    app = create_app(make_config(db_url, tmp_path))
    try:
        wx = Wx(app.test_client(), token=DEMO_TOKEN, encrypted=False)
        assert "反映" in wx.say("o-demo", "你好")
        wrong = Wx(app.test_client(), token="other", encrypted=False)
        assert wrong.post_xml(text_xml("o-demo", "你好", 5)).status_code == 403
    finally:
        app.extensions["db"].dispose()


def test_cli_bot_say_runs_the_real_path(db_url: str, tmp_path: Path) -> None:
    app = create_app(make_config(db_url, tmp_path))
    try:
        result = app.test_cli_runner().invoke(args=["bot", "say", "--openid", "o-cli", "帮助"])
        assert result.exit_code == 0, result.output
        assert "绑定 绑定码" in result.output
        assert _count(app, InboundMessage) == 1
    finally:
        app.extensions["db"].dispose()


@pytest.mark.redis
def test_redis_fast_path_same_answer(db_url: str, tmp_path: Path, fake_wechat) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import REDIS_URL

    if not REDIS_URL:
        pytest.skip("TEST_REDIS_URL not set")
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    config = oa_config(db_url, tmp_path, fake_wechat.base_url)
    config["redis"] = {"url": REDIS_URL}
    app = create_app(config)
    try:
        with app.extensions["db"].session() as s:
            factories.tree(s)
        wx = Wx(app.test_client())
        msg_id = wx.next_msg_id()
        answers = {wx.say("o-redis", "反映 桥上栏杆松了", msg_id) for _ in range(3)}
        assert len(answers) == 1 and "编号" in answers.pop()
        assert _count(app, Request) == 1 and _count(app, InboundMessage) == 1
        assert redis.Redis.from_url(REDIS_URL).exists(f"jiannuo:inbound:msg:{msg_id}")
    finally:
        app.extensions["db"].dispose()
