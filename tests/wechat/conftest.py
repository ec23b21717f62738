"""Fixtures for the bot: an app in safe mode (token + EncodingAESKey), a demo-mode app,
and a ``Wx`` driver that signs (and encrypts) messages like WeChat's servers do."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import xmltodict
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from app import create_app
from tests.conftest import make_config
from tests.fakes.wechat_api import FakeWechat

from .wxcrypto import (
    WxCrypto,
    event_xml,
    image_xml,
    location_xml,
    signature,
    text_xml,
    voice_xml,
)

TOKEN = "test-token-123"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
APP_ID = "wx0123456789abcdef"
_msg_ids = itertools.count(int(time.time()) * 1000)


def oa_config(
    db_url: str, tmp_path: Path, base_url: str = "http://127.0.0.1:9", mode: str | None = None
) -> dict[str, Any]:
    config = make_config(
        db_url,
        tmp_path,
        app={"secret_key": "test-secret", "base_url": "http://jn.test"},
        wechat={
            "api_base_url": base_url,
            "timeout_seconds": 2,
            "official_account": {
                "app_id": APP_ID,
                "secret": "oa-secret",
                "token": TOKEN,
                "encoding_aes_key": AES_KEY,
            },
        },
    )
    if mode is not None:
        config["wechat"]["official_account"]["mode"] = mode
    return config


@pytest.fixture
def oa_app(db_url: str, tmp_path: Path, fake_wechat: FakeWechat) -> Iterator[Flask]:
    application = create_app(oa_config(db_url, tmp_path, fake_wechat.base_url))
    application.config["TESTING"] = True
    yield application
    application.extensions["db"].dispose()


class Wx:
    """Plays WeChat's server: builds, signs, optionally encrypts, posts, decodes the reply."""

    def __init__(self, client: FlaskClient, token: str = TOKEN, path: str = "/wechat/callback",
                 encrypted: bool = True) -> None:  # fmt: skip
        self.client = client
        self.crypto = WxCrypto(token, AES_KEY, APP_ID)
        self.token = token
        self.path = path
        self.encrypted = encrypted

    def next_msg_id(self) -> int:
        return next(_msg_ids)

    def post_xml(
        self, xml: str, encrypted: bool | None = None, ts: str = "", nonce: str = ""
    ) -> TestResponse:
        """Post like WeChat; a fresh timestamp and nonce unless ``ts``/``nonce`` are given."""
        encrypted = self.encrypted if encrypted is None else encrypted
        ts, nonce = ts or str(int(time.time())), nonce or f"n{next(_msg_ids)}"
        query = {"signature": signature(self.token, ts, nonce), "timestamp": ts, "nonce": nonce}
        if encrypted:
            body, msg_sig = self.crypto.envelope(xml, ts, nonce)
            query |= {"encrypt_type": "aes", "msg_signature": msg_sig}
        else:
            body = xml.encode()
        return self.client.post(self.path, query_string=query, data=body,
                                content_type="text/xml")  # fmt: skip

    def decode(self, resp: TestResponse) -> dict[str, str]:
        assert resp.status_code == 200, resp.get_data(as_text=True)
        text = resp.get_data(as_text=True)
        if text == "success":
            return {}
        data = xmltodict.parse(text)["xml"]
        if "Encrypt" in data:
            assert data["MsgSignature"] == signature(
                self.token, data["TimeStamp"], data["Nonce"], data["Encrypt"]
            )
            inner, appid = self.crypto.decrypt(data["Encrypt"])
            assert appid == APP_ID
            data = xmltodict.parse(inner)["xml"]
        return dict(data)

    def say(self, openid: str, text: str, msg_id: int | None = None) -> str:
        reply = self.decode(self.post_xml(text_xml(openid, text, msg_id or self.next_msg_id())))
        return reply.get("Content", "")

    def image(self, openid: str, media_id: str) -> str:
        reply = self.decode(self.post_xml(image_xml(openid, media_id, self.next_msg_id())))
        return reply.get("Content", "")

    def voice(self, openid: str, media_id: str, recognition: str | None = "") -> str:
        xml = voice_xml(openid, media_id, self.next_msg_id(), recognition)
        return self.decode(self.post_xml(xml)).get("Content", "")

    def location(self, openid: str, lat: str, lng: str, label: str) -> str:
        xml = location_xml(openid, lat, lng, label, self.next_msg_id())
        return self.decode(self.post_xml(xml)).get("Content", "")

    def event(self, openid: str, event: str, key: str = "") -> str:
        reply = self.decode(self.post_xml(event_xml(openid, event, key)))
        return reply.get("Content", "")


@pytest.fixture
def wx(oa_app: Flask) -> Wx:
    return Wx(oa_app.test_client())


def commitment_fields(**kw: Any) -> dict[str, Any]:
    today = date.today()
    fields: dict[str, Any] = {
        "target_kind": "count",
        "frequency": None,
        "target_quantity": 12,
        "unit": "次",
        "start_date": today - timedelta(days=30),
        "end_date": today + timedelta(days=300),
    }
    fields.update(kw)
    return fields
