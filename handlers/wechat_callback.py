"""The official-account callback endpoint (path from ``wechat.callback_path``).

GET answers WeChat's URL verification; POST takes messages in the configured mode
(``wechat.official_account.mode``: plain, compatible or safe) and answers within WeChat's
5 seconds. Refused requests (bad signature, stale timestamp, a (timestamp, nonce) already
used by another message, an unencrypted body in safe mode, DOCTYPE/entities, malformed
XML, oversized body) get a 4xx before anything else is written; an unexpected error is
logged and answered ``success`` so that WeChat never sees a 500 (and the user is not
shown "该公众号暂时无法提供服务").

A verification GET's (timestamp, nonce) enters the replay window too: its URL is as easy
to find in a proxy log as a POST's, and its signature is the same plain one.

Demo mode (no WeChat credentials at all): the token is ``jiannuo-demo`` (see
``wechat.callback.DEMO_TOKEN``) so local trials, ``flask bot say`` and tests work.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, current_app, request

from handlers.bot import inbound as bot_inbound
from handlers.context import database, settings
from wechat.callback import (
    DEMO_TOKEN,
    MAX_BODY_BYTES,
    CallbackProtocol,
    CallbackRefused,
    check_timestamp,
)

log = logging.getLogger("jiannuo.wechat.callback")

# The fingerprint a verification GET leaves in the replay window (no message has it).
VERIFY_MARK = "url-verification"


def protocol() -> CallbackProtocol | None:
    """The app's protocol object, or None when the official account is not set up."""
    ext = current_app.extensions
    if "wechat_protocol" not in ext:
        s = settings()
        oa = s.wechat.official_account
        token = oa.token or (DEMO_TOKEN if s.demo else "")
        ext["wechat_protocol"] = (
            CallbackProtocol(token, oa.encoding_aes_key, oa.app_id, oa.mode) if token else None
        )
    proto: CallbackProtocol | None = ext["wechat_protocol"]
    return proto


def redis_client() -> Any:
    ext = current_app.extensions
    if "wechat_redis" not in ext:
        url = settings().redis.url
        if url:
            import redis

            ext["wechat_redis"] = redis.Redis.from_url(
                url, socket_timeout=1, socket_connect_timeout=1
            )
        else:
            ext["wechat_redis"] = None
    return ext["wechat_redis"]


def _plain(text: str, status: int = 200) -> Response:
    return Response(text, status=status, mimetype="text/plain")


def _read_body() -> bytes:
    length = request.content_length
    if length is not None and length > MAX_BODY_BYTES:
        raise CallbackRefused(413, "body too large")
    data: bytes = request.stream.read(MAX_BODY_BYTES + 1)
    if len(data) > MAX_BODY_BYTES:
        raise CallbackRefused(413, "body too large")
    return data


def callback() -> Response:
    proto = protocol()
    if proto is None:
        return _plain("official account not configured", 404)
    args = {k: v for k, v in request.args.items()}
    timestamp, nonce = args.get("timestamp", ""), args.get("nonce", "")
    if request.method == "GET":
        if not proto.verify_url(args.get("signature", ""), timestamp, nonce):
            return _plain("bad signature", 403)
        try:
            check_timestamp(timestamp)
        except CallbackRefused:
            pass  # a stale URL cannot be posted to anyway; answer as before
        else:
            bot_inbound.claim_nonce(database(), redis_client(), timestamp, nonce, VERIFY_MARK)
        return _plain(args.get("echostr", ""))
    inbound = None
    try:
        inbound = proto.open(_read_body(), args)
        claim = bot_inbound.NonceClaim(timestamp, nonce, inbound.fingerprint)
        # the claim is made first (in the log's own transaction on the lean path)
        reply = bot_inbound.handle(database(), settings(), inbound, redis_client(), claim=claim)
        body = proto.reply(inbound, reply, nonce=nonce)
    except CallbackRefused as exc:
        log.info("callback refused (%s): %s", exc.status, exc.reason)
        return _plain(exc.reason, exc.status)
    except Exception:
        log.exception("callback failed for %s", inbound.dedupe_key if inbound else "-")
        return _plain("success")
    if body == "success":
        return _plain(body)
    return Response(body, mimetype="application/xml")


def init_app(app: Flask) -> None:
    path = app.config["SETTINGS"].wechat.callback_path
    app.add_url_rule(path, "wechat_callback", callback, methods=["GET", "POST"])
