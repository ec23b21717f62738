"""Rate limits behind a reverse proxy: the real client address, logins per openid, Retry-After."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.fakes.wechat_api import FakeWechat
from tests.handlers.api.conftest import build_app

MP = {"mini_program": {"app_id": "wx-mp-test", "secret": "mp-secret"}}
BODY = {"kind": "wish", "text": "想要一个乒乓球台"}


@pytest.fixture
def proxied(db_url: str, tmp_path: Path, fake_wechat: FakeWechat) -> Iterator[Flask]:
    app = build_app(
        db_url,
        tmp_path,
        app={"secret_key": "test-secret-key", "trusted_proxies": 1},
        api={"write_rate_limit": "2 per minute"},
        wechat={"api_base_url": fake_wechat.base_url, **MP},
    )
    yield app
    app.extensions["db"].dispose()


def _via_proxy(app: Flask, client_ip: str) -> FlaskClient:
    """A client whose requests arrive from the proxy (127.0.0.1) with the proxy's header."""
    client = app.test_client()
    client.environ_base.update({"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": client_ip})
    return client


def test_anonymous_limits_key_on_the_client_behind_the_proxy(proxied: Flask) -> None:
    one, two = _via_proxy(proxied, "203.0.113.7"), _via_proxy(proxied, "198.51.100.9")
    statuses = [one.post("/api/v1/requests", json=BODY).status_code for _ in range(3)]
    assert statuses == [401, 401, 429]
    limited = one.post("/api/v1/requests", json=BODY)
    assert limited.status_code == 429
    assert 0 < int(limited.headers["Retry-After"]) <= 60
    assert limited.get_json()["error"]["code"] == "rate_limited"
    # the other client behind the same proxy has its own budget
    assert two.post("/api/v1/requests", json=BODY).status_code == 401


def test_without_trusted_proxies_a_forwarded_header_is_ignored(db_url: str, tmp_path: Path) -> None:
    app = build_app(db_url, tmp_path, api={"write_rate_limit": "2 per minute"})
    spoofers = [_via_proxy(app, f"192.0.2.{i}") for i in range(3)]
    statuses = [c.post("/api/v1/requests", json=BODY).status_code for c in spoofers]
    assert statuses == [401, 401, 429]  # one address (127.0.0.1), whatever the header says
    app.extensions["db"].dispose()


def test_logins_count_per_openid_not_per_address(proxied: Flask, fake_wechat: FakeWechat) -> None:
    for i in range(4):
        fake_wechat.sessions[f"a{i}"] = {"openid": "o-a", "session_key": "sk"}
        fake_wechat.sessions[f"b{i}"] = {"openid": "o-b", "session_key": "sk"}
    nat = _via_proxy(proxied, "203.0.113.50")  # many residents behind one carrier NAT
    a = [nat.post("/api/v1/auth/login", json={"code": f"a{i}"}).status_code for i in range(3)]
    assert a == [200, 200, 429]
    r = nat.post("/api/v1/auth/login", json={"code": "a3"})
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0
    # a second resident at the same address still logs in: logins count per openid
    b = [nat.post("/api/v1/auth/login", json={"code": f"b{i}"}).status_code for i in range(2)]
    assert b == [200, 200]


def test_refused_codes_count_per_address(proxied: Flask, fake_wechat: FakeWechat) -> None:
    attacker = _via_proxy(proxied, "203.0.113.66")
    codes = [attacker.post("/api/v1/auth/login", json={"code": f"x{i}"}) for i in range(3)]
    assert [r.status_code for r in codes] == [400, 400, 429]
    assert "Retry-After" in codes[-1].headers
    calls = len(fake_wechat.calls_to("/sns/jscode2session"))
    assert calls == 2  # the limited attempt never reached WeChat
    # somebody else behind the proxy is not locked out by the attacker's bogus codes
    fake_wechat.sessions["good"] = {"openid": "o-good", "session_key": "sk"}
    other = _via_proxy(proxied, "198.51.100.20")
    assert other.post("/api/v1/auth/login", json={"code": "good"}).status_code == 200
