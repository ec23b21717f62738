"""The baseline for the callback benchmark: decrypt → parse → encrypted text reply, nothing else.

A minimal Flask app (the project's framework) doing only what wechatpy does for a safe-mode
message — check the signature, decrypt, parse, render a text reply and encrypt it — with no
database, no dedupe, no command. Run it under the same gunicorn settings as the project::

    gunicorn -w 2 --threads 4 -b 127.0.0.1:8001 'bench.bare_app:create_app()'

Reads the official account's token, EncodingAESKey and AppID from the project's environment
variables (``JIANNUO_WECHAT__OFFICIAL_ACCOUNT__TOKEN`` …).
"""

from __future__ import annotations

import os

from flask import Flask, Response, request
from wechatpy import parse_message
from wechatpy.crypto import WeChatCrypto
from wechatpy.replies import TextReply

PREFIX = "JIANNUO_WECHAT__OFFICIAL_ACCOUNT__"


def create_app() -> Flask:
    app = Flask(__name__)
    crypto = WeChatCrypto(
        os.environ[PREFIX + "TOKEN"],
        os.environ[PREFIX + "ENCODING_AES_KEY"],
        os.environ[PREFIX + "APP_ID"],
    )

    @app.post("/wechat/callback")
    def callback() -> Response:
        args = request.args
        xml = crypto.decrypt_message(
            request.get_data(), args["msg_signature"], args["timestamp"], args["nonce"]
        )
        message = parse_message(xml)
        reply = TextReply(content=f"收到：{message.content}", message=message).render()
        body = crypto.encrypt_message(reply, args["nonce"])
        return Response(body, mimetype="application/xml")

    return app
