"""At DEBUG, no secret or token reaches a log line (one filter on the root handlers)."""

from __future__ import annotations

import io
import logging
from pathlib import Path

import pytest

from tests.fakes.wechat_api import FakeWechat
from tests.handlers.api.conftest import build_app

MP_SECRET = "mp-secret-5f1d2c9a"
AES_KEY = "A" * 40 + "xyz"


def test_debug_logs_of_a_wechat_login_carry_no_secret(
    db_url: str, tmp_path: Path, fake_wechat: FakeWechat, caplog: pytest.LogCaptureFixture
) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)  # e.g. a file handler the operator added
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        caplog.set_level(logging.DEBUG)
        app = build_app(
            db_url,
            tmp_path,
            app={"secret_key": "test-secret-key", "log_level": "DEBUG"},
            wechat={
                "api_base_url": fake_wechat.base_url,
                "mini_program": {"app_id": "wx-mp-test", "secret": MP_SECRET},
            },
        )
        fake_wechat.sessions["js-code-77f3"] = {"openid": "o-log", "session_key": "sk"}
        r = app.test_client().post("/api/v1/auth/login", json={"code": "js-code-77f3"})
        assert r.status_code == 200
        token = r.get_json()["token"]
        log = logging.getLogger("jiannuo.test")
        log.debug("headers: Authorization: Bearer %s", token)
        log.debug("settings %r", {"encoding_aes_key": AES_KEY, "token": "oa-token-1"})
        log.debug("robot POST /cgi-bin/webhook/send?key=%s", "wecom-key-0099")
        try:
            raise ConnectionError(
                f"Max retries exceeded with url: /cgi-bin/token?secret={MP_SECRET}"
            )
        except ConnectionError:
            log.exception("WeChat unreachable")
        app.extensions["db"].dispose()
    finally:
        root.removeHandler(handler)

    captured = caplog.text + stream.getvalue()
    # the WeChat call really was logged at DEBUG (urllib3), only masked
    assert "/sns/jscode2session?" in captured and "secret=****" in captured
    for secret in (MP_SECRET, "js-code-77f3", token, AES_KEY, "oa-token-1", "wecom-key-0099"):
        assert secret not in captured, secret
    assert "Authorization: Bearer ****" in stream.getvalue()
