"""A fake WeChat API server: a real HTTP server on 127.0.0.1 with a random port.

It implements the endpoints ``wechat.client.WechatClient`` calls, records every call
(method, path, query, JSON body) for assertions, and has knobs to inject failures:

    fake_wechat.fail_next("/cgi-bin/message/custom/send", errcode=40001)   # once
    fake_wechat.fail_next("/cgi-bin/message/custom/send", status=502, times=2)
    fake_wechat.fail_next("/cgi-bin/message/custom/send", errcode=45009)
    fake_wechat.expire_tokens()        # every issued token answers 42001 from now on

The ``fake_wechat`` fixture (registered from tests/conftest.py via ``pytest_plugins``)
yields a started server; ``fake_wechat.base_url`` goes into ``wechat.api_base_url``.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

# A 1x1 PNG, good enough for "an image came back".
PNG_1PX = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)
JPEG_STUB = b"\xff\xd8\xff\xe0" + b"\x00" * 64 + b"\xff\xd9"


@dataclass
class Call:
    method: str
    path: str
    query: dict[str, str]
    json: Any
    status: int = 200
    response: Any = None
    files: dict[str, bytes] = field(default_factory=dict)  # multipart uploads (media/upload)


@dataclass
class _Failure:
    errcode: int | None
    status: int | None
    times: int


@dataclass
class FakeWechat:
    base_url: str = ""
    calls: list[Call] = field(default_factory=list)
    media: dict[str, bytes] = field(default_factory=dict)
    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)  # js_code -> answer
    phone_numbers: dict[str, str] = field(default_factory=dict)  # code -> phone
    sec_check: dict[str, str] = field(default_factory=dict)  # substring -> suggest
    valid_tokens: set[str] = field(default_factory=set)
    uploaded: dict[str, bytes] = field(default_factory=dict)  # media_id -> bytes (media/upload)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._failures: dict[str, list[_Failure]] = {}
        self._counter = itertools.count(1)

    # ------------------------------------------------------------------ knobs

    def fail_next(
        self, path: str, *, errcode: int | None = None, status: int | None = None, times: int = 1
    ) -> None:
        """The next ``times`` calls to ``path`` fail with ``errcode`` (HTTP 200) or ``status``."""
        with self._lock:
            self._failures.setdefault(path, []).append(_Failure(errcode, status, times))

    def expire_tokens(self) -> None:
        with self._lock:
            self.valid_tokens.clear()

    def calls_to(self, path: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.path == path]

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()
            self._failures.clear()

    # ----------------------------------------------------------------- server

    def _take_failure(self, path: str) -> _Failure | None:
        with self._lock:
            queue = self._failures.get(path)
            if not queue:
                return None
            failure = queue[0]
            failure.times -= 1
            if failure.times <= 0:
                queue.pop(0)
            return failure

    def wsgi(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        body: Any = None
        if request.data:
            try:
                body = json.loads(request.data)
            except ValueError:
                body = request.data.decode("utf-8", "replace")
        call = Call(request.method, request.path, dict(request.args), body)
        if request.files:
            call.files = {name: f.read() for name, f in request.files.items()}
            request.close()  # the multipart spool files
        with self._lock:
            self.calls.append(call)
        response = self._answer(call)
        call.status = response.status_code
        return response(environ, start_response)

    def _json(self, call: Call, data: dict[str, Any], status: int = 200) -> Response:
        call.response = data
        return Response(
            json.dumps(data, ensure_ascii=False), status=status, mimetype="application/json"
        )

    def _answer(self, call: Call) -> Response:
        failure = self._take_failure(call.path)
        if failure is not None:
            if failure.status:
                return Response("upstream error", status=failure.status)
            return self._json(call, {"errcode": failure.errcode, "errmsg": "injected"})

        if call.path == "/cgi-bin/stable_token":
            body = call.json or {}
            if body.get("grant_type") != "client_credential" or not body.get("appid"):
                return self._json(call, {"errcode": 40002, "errmsg": "invalid grant_type"})
            if body.get("secret") == "wrong-secret":
                return self._json(call, {"errcode": 40125, "errmsg": "invalid appsecret"})
            with self._lock:
                reuse = [t for t in self.valid_tokens if t.startswith(body["appid"] + "-")]
                if reuse and not body.get("force_refresh"):
                    token = reuse[0]
                else:
                    token = f"{body['appid']}-TOKEN-{next(self._counter)}"
                    self.valid_tokens = {
                        t for t in self.valid_tokens if not t.startswith(body["appid"] + "-")
                    }
                    self.valid_tokens.add(token)
            return self._json(call, {"access_token": token, "expires_in": 7200})

        if call.path == "/sns/jscode2session":
            code = call.query.get("js_code", "")
            answer = self.sessions.get(code)
            if answer is None:
                return self._json(call, {"errcode": 40029, "errmsg": "invalid code"})
            return self._json(call, answer)

        token = call.query.get("access_token", "")
        with self._lock:
            token_ok = token in self.valid_tokens
        if not token_ok:
            return self._json(call, {"errcode": 42001, "errmsg": "access_token expired"})

        body = call.json if isinstance(call.json, dict) else {}
        if call.path == "/cgi-bin/menu/create":
            if not body.get("button"):
                return self._json(call, {"errcode": 40017, "errmsg": "invalid button type"})
            return self._json(call, {"errcode": 0, "errmsg": "ok"})
        if call.path == "/cgi-bin/message/custom/send":
            if not body.get("touser") or not body.get("msgtype"):
                return self._json(call, {"errcode": 40003, "errmsg": "invalid openid"})
            kind = body["msgtype"]
            if kind in ("image", "voice") and body.get(kind, {}).get("media_id") not in (
                self.uploaded
            ):
                return self._json(call, {"errcode": 40007, "errmsg": "invalid media_id"})
            return self._json(call, {"errcode": 0, "errmsg": "ok"})
        if call.path == "/cgi-bin/media/get":
            data = self.media.get(call.query.get("media_id", ""))
            if data is None:
                return self._json(call, {"errcode": 40007, "errmsg": "invalid media_id"})
            return Response(data, mimetype="image/jpeg")
        if call.path == "/cgi-bin/media/upload":
            # Temporary media: a multipart "media" file; images at most 10 MB, PNG/JPEG;
            # voices at most 2 MB, AMR or MP3.
            data = call.files.get("media", b"")
            kind = call.query.get("type")
            if kind not in ("image", "voice") or not data:
                return self._json(call, {"errcode": 40004, "errmsg": "invalid media type"})
            heads, cap = {
                "image": ((b"\x89PNG", b"\xff\xd8\xff"), 10 << 20),
                "voice": ((b"#!AMR", b"ID3"), 2 << 20),
            }[kind]
            if not data.startswith(heads) or len(data) > cap:
                return self._json(call, {"errcode": 40005, "errmsg": "invalid file type"})
            media_id = f"MEDIA-{next(self._counter)}"
            with self._lock:
                self.uploaded[media_id] = data
            return self._json(call, {"type": kind, "media_id": media_id, "created_at": 0})
        if call.path == "/cgi-bin/qrcode/create":
            scene = body.get("action_info", {}).get("scene", {}).get("scene_str", "")
            return self._json(
                call,
                {
                    "ticket": f"TICKET-{scene}",
                    "expire_seconds": body.get("expire_seconds", 60),
                    "url": f"http://weixin.qq.com/q/{scene}",
                },
            )
        if call.path == "/cgi-bin/message/template/send":
            return self._json(call, {"errcode": 0, "errmsg": "ok", "msgid": next(self._counter)})
        if call.path == "/wxa/business/getuserphonenumber":
            phone = self.phone_numbers.get(body.get("code", ""))
            if phone is None:
                return self._json(call, {"errcode": 40029, "errmsg": "invalid code"})
            info = {"phoneNumber": phone, "purePhoneNumber": phone, "countryCode": "86"}
            return self._json(call, {"errcode": 0, "errmsg": "ok", "phone_info": info})
        if call.path == "/wxa/msg_sec_check":
            content = str(body.get("content", ""))
            suggest = next((s for k, s in self.sec_check.items() if k in content), "pass")
            label = 100 if suggest == "pass" else 20001
            return self._json(
                call,
                {"errcode": 0, "errmsg": "ok", "result": {"suggest": suggest, "label": label}},
            )
        if call.path == "/cgi-bin/message/subscribe/send":
            return self._json(call, {"errcode": 0, "errmsg": "ok"})
        if call.path == "/wxa/getwxacodeunlimit":
            return Response(PNG_1PX, mimetype="image/png")
        return self._json(call, {"errcode": 40066, "errmsg": "invalid url"}, status=404)


@pytest.fixture
def fake_wechat() -> Iterator[FakeWechat]:
    fake = FakeWechat()
    server = make_server("127.0.0.1", 0, fake.wsgi, threaded=True)
    fake.base_url = f"http://127.0.0.1:{server.server_port}"
    # A short poll interval: shutdown() waits for the serving loop to notice (0.5 s by default).
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
