"""The WeChat client wrapper against the fake WeChat API server on loopback."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from models import WechatToken
from models.db import Database
from tests.fakes.wechat_api import FakeWechat
from wechat.client import DatabaseTokenStore, MemoryTokenStore, WechatClient
from wechat.errors import (
    WechatNotConfigured,
    WechatPermanentError,
    WechatTokenError,
    WechatTransientError,
)


def _client(fake: FakeWechat, store=None, secret: str = "s3cret") -> WechatClient:
    return WechatClient("wxoa", secret, base_url=fake.base_url, timeout=2, store=store)


def test_token_fetched_once_and_cached(fake_wechat: FakeWechat) -> None:
    client = _client(fake_wechat)
    client.send_customer_message("o1", {"msgtype": "text", "text": {"content": "你好"}})
    client.send_customer_message("o2", {"msgtype": "text", "text": {"content": "再见"}})
    tokens = fake_wechat.calls_to("/cgi-bin/stable_token")
    assert len(tokens) == 1
    assert tokens[0].json["force_refresh"] is False
    sends = fake_wechat.calls_to("/cgi-bin/message/custom/send")
    assert [c.json["touser"] for c in sends] == ["o1", "o2"]
    assert sends[0].json["text"]["content"] == "你好"


@pytest.mark.parametrize("errcode", [40001, 42001, 40014])
def test_token_error_refreshes_once_and_retries(fake_wechat: FakeWechat, errcode: int) -> None:
    client = _client(fake_wechat)
    client.access_token()
    fake_wechat.fail_next("/cgi-bin/message/custom/send", errcode=errcode)
    client.send_customer_message("o1", {"msgtype": "text", "text": {"content": "x"}})
    sends = fake_wechat.calls_to("/cgi-bin/message/custom/send")
    assert len(sends) == 2
    assert sends[1].status == 200 and sends[1].response["errcode"] == 0


def test_token_error_twice_is_not_retried_forever(fake_wechat: FakeWechat) -> None:
    client = _client(fake_wechat)
    fake_wechat.fail_next("/cgi-bin/message/custom/send", errcode=40001, times=5)
    with pytest.raises(WechatTokenError):
        client.send_customer_message("o1", {"msgtype": "text", "text": {"content": "x"}})
    assert len(fake_wechat.calls_to("/cgi-bin/message/custom/send")) == 2


def test_expired_token_on_server_is_refreshed(fake_wechat: FakeWechat) -> None:
    client = _client(fake_wechat)
    client.access_token()
    fake_wechat.expire_tokens()
    client.create_menu({"button": [{"type": "click", "name": "我的承诺", "key": "K"}]})
    assert fake_wechat.calls_to("/cgi-bin/menu/create")[-1].response["errcode"] == 0
    assert len(fake_wechat.calls_to("/cgi-bin/stable_token")) == 2


@pytest.mark.parametrize(
    ("kwargs", "exc"),
    [
        ({"status": 502}, WechatTransientError),
        ({"errcode": -1}, WechatTransientError),
        ({"errcode": 45009}, WechatTransientError),
        ({"errcode": 45015}, WechatPermanentError),
        ({"errcode": 40003}, WechatPermanentError),
    ],
)
def test_errors_are_mapped(fake_wechat: FakeWechat, kwargs: dict, exc: type) -> None:
    client = _client(fake_wechat)
    fake_wechat.fail_next("/cgi-bin/message/custom/send", **kwargs)
    with pytest.raises(exc) as info:
        client.send_customer_message("o1", {"msgtype": "text", "text": {"content": "x"}})
    assert not isinstance(info.value, WechatTransientError) or exc is WechatTransientError


def test_network_error_is_transient() -> None:
    client = WechatClient("wxoa", "s", base_url="http://127.0.0.1:9", timeout=0.5)
    with pytest.raises(WechatTransientError):
        client.access_token()


def test_wrong_secret_is_a_token_error(fake_wechat: FakeWechat) -> None:
    with pytest.raises(WechatTokenError):
        _client(fake_wechat, secret="wrong-secret").access_token()


def test_not_configured_raises_before_any_call(fake_wechat: FakeWechat) -> None:
    client = WechatClient("", "", base_url=fake_wechat.base_url)
    with pytest.raises(WechatNotConfigured):
        client.send_customer_message("o1", {"msgtype": "text", "text": {"content": "x"}})
    assert fake_wechat.calls == []


def test_media_qrcode_wxacode_phone_seccheck(fake_wechat: FakeWechat) -> None:
    client = _client(fake_wechat)
    fake_wechat.media["M1"] = b"\xff\xd8\xffimage"
    assert client.get_media("M1") == b"\xff\xd8\xffimage"
    with pytest.raises(WechatPermanentError):
        client.get_media("missing")
    qr = client.create_temp_qrcode("bind:ABCD2345", 3600)
    assert qr["ticket"] == "TICKET-bind:ABCD2345"
    assert "showqrcode?ticket=TICKET-bind%3AABCD2345" in qr["image_url"]
    assert client.get_wxacode_unlimit("m=abc", "pages/member/index").startswith(b"\x89PNG")
    fake_wechat.phone_numbers["PC"] = "13800001234"
    assert client.get_phone_number("PC")["purePhoneNumber"] == "13800001234"
    fake_wechat.sec_check["坏话"] = "risky"
    assert client.msg_sec_check("o1", "一些坏话", 2)["suggest"] == "risky"
    body = fake_wechat.calls_to("/wxa/msg_sec_check")[-1].json
    assert body == {"content": "一些坏话", "version": 2, "scene": 2, "openid": "o1"}
    client.send_subscribe("o1", "T1", {"thing1": {"value": "x"}}, page="pages/index")
    client.send_template("o1", "T2", {"first": {"value": "x"}}, url="http://x")
    fake_wechat.sessions["JS"] = {"openid": "mp-o1", "session_key": "k"}
    assert client.jscode2session("JS")["openid"] == "mp-o1"


def test_database_token_store_is_shared(
    fake_wechat: FakeWechat, db_url: str, tmp_path: Path
) -> None:
    db = Database(db_url)
    try:
        a = _client(fake_wechat, store=DatabaseTokenStore(db.session_factory))
        b = _client(fake_wechat, store=DatabaseTokenStore(db.session_factory))
        assert a.access_token() == b.access_token()
        assert len(fake_wechat.calls_to("/cgi-bin/stable_token")) == 1
        with db.session() as s:
            assert s.scalar(select(WechatToken.app_id)) == "wxoa"
        fake_wechat.expire_tokens()
        b.send_customer_message("o", {"msgtype": "text", "text": {"content": "x"}})
        assert a.access_token() == b.access_token()
    finally:
        db.dispose()


def test_memory_store_forget_only_matching() -> None:
    from datetime import UTC, datetime

    from wechat.client import CachedToken

    store = MemoryTokenStore()
    store.put("a", CachedToken("t1", datetime.now(UTC)))
    store.forget("a", "other")
    assert store.get("a") is not None
    store.forget("a", "t1")
    assert store.get("a") is None


@pytest.mark.redis
def test_redis_token_store_is_shared(fake_wechat: FakeWechat) -> None:
    from tests.conftest import REDIS_URL
    from wechat.client import RedisTokenStore

    if not REDIS_URL:
        pytest.skip("TEST_REDIS_URL not set")
    store = RedisTokenStore(REDIS_URL)
    store._redis.delete(RedisTokenStore.PREFIX + "wxoa")
    a, b = _client(fake_wechat, store=store), _client(fake_wechat, store=RedisTokenStore(REDIS_URL))
    assert a.access_token() == b.access_token()
    assert len(fake_wechat.calls_to("/cgi-bin/stable_token")) == 1
    store._redis.close()
