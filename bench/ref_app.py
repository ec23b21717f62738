"""The reference for the callback benchmark: the durable work of one "践诺 1 浇水", written
minimally with stdlib ``sqlite3`` on a copy of the project's database (same schema, same data).

Per message: check the signature and decrypt (wechatpy, like the bare app), parse, then

1. reads, before any write lock: the account and member of the openid with the member's
   numbered list of published commitments (one query), and the commitment's logged total;
2. ``BEGIN IMMEDIATE``; insert the fulfilment log; insert the inbound row (unique
   ``dedupe_key``) with its reply — a retried message hits the unique constraint, rolls back
   and gets the stored reply; ``COMMIT``;
3. the encrypted text reply: the logged quantity and the commitment's new total.

Run it under the same gunicorn settings as the project::

    BENCH_REF_DB=/tmp/copy.db gunicorn -w 2 --threads 4 -b 127.0.0.1:8002 'bench.ref_app:create_app()'

Reads the official account's token, EncodingAESKey and AppID from the project's environment
variables, like ``bench.bare_app``. One connection per thread (WAL, ``busy_timeout``), as the
project's engine does for SQLite.
"""

from __future__ import annotations

import os
import re
import sqlite3
import threading
from datetime import UTC, date, datetime

from flask import Flask, Response, request
from wechatpy import parse_message
from wechatpy.crypto import WeChatCrypto
from wechatpy.replies import TextReply

PREFIX = "JIANNUO_WECHAT__OFFICIAL_ACCOUNT__"
COMMAND = re.compile(r"^\s*践诺\s*(\d+)\s*(?:(\d+)\s*(?:次|户|个)?\s+)?(.*)$", re.S)
LOOKUP = """
SELECT a.id, m.id, c.id, c.title, c.unit, c.start_date
FROM account a JOIN member m ON m.id = a.member_id
LEFT JOIN commitment c ON c.member_id = m.id AND c.owner_kind = 'member'
     AND c.status = 'published'
WHERE a.oa_openid = ? AND m.active = 1
ORDER BY c.id
"""
TOTAL = "SELECT COALESCE(SUM(quantity), 0) FROM fulfilment_log WHERE commitment_id = ?"
INSERT_LOG = """
INSERT INTO fulfilment_log (commitment_id, member_id, account_id, quantity, note, happened_on,
    channel, source_msg_id, content_status, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, 'bot', ?, 'not_checked', ?, ?)
"""
INSERT_INBOUND = """
INSERT INTO inbound_message (dedupe_key, openid, msg_type, reply, created_at)
VALUES (?, ?, 'text', ?, ?)
"""


def _connect(path: str) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA busy_timeout=5000")
    return conn


def handle(conn: sqlite3.Connection, openid: str, msg_id: str, content: str) -> str:
    found = COMMAND.match(content or "")
    if found is None:
        return "请发送“践诺 序号 做了什么”，例如：践诺 1 浇水"
    number, qty = int(found.group(1)), int(found.group(2) or 1)
    note = found.group(3).strip()
    rows = conn.execute(LOOKUP, (openid,)).fetchall()
    if not rows:
        return "请先绑定党员身份"
    listed = [r for r in rows if r[2] is not None]
    if not 1 <= number <= len(listed):
        return f"没有第 {number} 项承诺"
    account_id, member_id, cid, title, unit, _start = listed[number - 1]
    total = conn.execute(TOTAL, (cid,)).fetchone()[0] + qty
    reply = f"已记录践诺：{title} {qty}{unit}（累计 {total}{unit}）"
    now = datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
    key = f"oa:{openid}:{msg_id}"
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute(
            INSERT_LOG,
            (cid, member_id, account_id, qty, note, date.today().isoformat(), key, now, now),
        )
        conn.execute(INSERT_INBOUND, (key, openid, reply, now))
    except sqlite3.IntegrityError:  # a retry: answer as the first time
        conn.execute("ROLLBACK")
        stored = conn.execute(
            "SELECT reply FROM inbound_message WHERE dedupe_key = ?", (key,)
        ).fetchone()
        return str(stored[0]) if stored else reply
    conn.execute("COMMIT")
    return reply


def create_app() -> Flask:
    app = Flask(__name__)
    crypto = WeChatCrypto(
        os.environ[PREFIX + "TOKEN"],
        os.environ[PREFIX + "ENCODING_AES_KEY"],
        os.environ[PREFIX + "APP_ID"],
    )
    path = os.environ["BENCH_REF_DB"]
    local = threading.local()

    def conn() -> sqlite3.Connection:
        c: sqlite3.Connection | None = getattr(local, "conn", None)
        if c is None:
            c = local.conn = _connect(path)
        return c

    @app.post("/wechat/callback")
    def callback() -> Response:
        args = request.args
        xml = crypto.decrypt_message(
            request.get_data(), args["msg_signature"], args["timestamp"], args["nonce"]
        )
        message = parse_message(xml)
        text = handle(conn(), message.source, str(message.id), message.content)
        reply = TextReply(content=text, message=message).render()
        return Response(crypto.encrypt_message(reply, args["nonce"]), mimetype="application/xml")

    return app
