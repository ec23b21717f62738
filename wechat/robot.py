"""WeCom (企业微信) group-robot sender.

Official doc: 群机器人配置说明 https://developer.work.weixin.qq.com/document/path/91770 —
``POST {base}/cgi-bin/webhook/send?key=KEY`` with ``{"msgtype": "markdown", "markdown":
{"content": ...}}``; markdown content at most 4096 bytes (UTF-8); each robot at most 20
messages per minute (errcode 45009 beyond that); errcode 93000 means the webhook key is invalid.

The webhook key is a secret: it is read from the environment variable named on the
``GroupRobot`` row, and it never appears in the database, in logs or in error messages.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any

import requests

from infra import redact
from models import GroupRobot, OutboundMessage
from wechat.errors import WechatPermanentError, WechatTransientError

redact.guard_url_loggers()  # our request URLs carry secrets (key=, access_token=, secret=)

MARKDOWN_LIMIT = 4096
SEND_PATH = "/cgi-bin/webhook/send"
# -1 system busy; 45009 rate limit ("api freq out of limit"); 45033 too many concurrent calls.
TRANSIENT_ERRCODES = frozenset({-1, 45009, 45033})
RATE_LIMITED = 45009
# The webhook key is in the query string: infra.redact's filter (on urllib3's URL logger,
# put there above) masks it in urllib3's DEBUG lines.


def split_markdown(text: str, limit: int = MARKDOWN_LIMIT) -> list[str]:
    """Split ``text`` into parts of at most ``limit`` UTF-8 bytes, in order, at line ends.

    A single line longer than the limit is cut at character boundaries.
    """
    parts: list[str] = []
    current = ""
    for line in text.splitlines(keepends=True):
        while len(line.encode()) > limit:
            head = _cut(line, limit)
            if current:
                parts.append(current)
                current = ""
            parts.append(head)
            line = line[len(head) :]
        if len((current + line).encode()) > limit:
            parts.append(current)
            current = line
        else:
            current += line
    if current:
        parts.append(current)
    return [p.rstrip("\n") for p in parts if p.strip()]


def _cut(line: str, limit: int) -> str:
    out = ""
    size = 0
    for ch in line:
        n = len(ch.encode())
        if size + n > limit:
            break
        out += ch
        size += n
    return out


def markdown_payload(content: str) -> dict[str, Any]:
    if len(content.encode()) > MARKDOWN_LIMIT:
        raise ValueError("markdown content over 4096 bytes: split it first")
    return {"msgtype": "markdown", "markdown": {"content": content}}


def mask(key: str) -> str:
    """``abcd…wxyz`` style: enough to tell keys apart, never enough to use one."""
    if len(key) <= 8:
        return "*" * len(key)
    return f"{key[:4]}****{key[-4:]}"


class RobotSender:
    """Posts one outbox row to its robot's webhook; raises the ``wechat.errors`` classes."""

    def __init__(
        self,
        base_url: str = "https://qyapi.weixin.qq.com",
        timeout: float = 5.0,
        environ: Mapping[str, str] | None = None,
        http: requests.Session | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.environ = os.environ if environ is None else environ
        self.http = http or requests.Session()

    def key_for(self, robot: GroupRobot) -> str:
        key = self.environ.get(robot.webhook_env, "").strip()
        if not key:
            raise WechatPermanentError(
                f"环境变量 {robot.webhook_env} 未设置（群机器人 webhook key）"
            )
        return key

    def send(self, msg: OutboundMessage, robot: GroupRobot) -> None:
        key = self.key_for(robot)
        if not robot.enabled:
            raise WechatPermanentError(f"群机器人“{robot.name}”已停用")
        try:
            body = json.loads(msg.payload)
        except ValueError as exc:
            raise WechatPermanentError(f"消息 {msg.id} 的内容不是合法的 JSON，无法发送") from exc
        self.post(key, body)

    def post(self, key: str, body: Mapping[str, Any]) -> None:
        url = f"{self.base_url}{SEND_PATH}"
        try:
            resp = self.http.post(
                url,
                params={"key": key},
                data=json.dumps(body, ensure_ascii=False).encode(),
                headers={"Content-Type": "application/json; charset=utf-8"},
                timeout=self.timeout,
            )
        except requests.RequestException as exc:
            # requests puts the full URL (with the key) in its messages: scrub it.
            text = str(exc).replace(key, mask(key))
            raise WechatTransientError(f"网络错误：{type(exc).__name__}: {text}"[:400]) from None
        if resp.status_code >= 500:
            raise WechatTransientError(f"企业微信服务器错误 HTTP {resp.status_code}")
        if resp.status_code >= 400:
            raise WechatPermanentError(f"企业微信拒绝请求 HTTP {resp.status_code}")
        try:
            data = resp.json()
        except ValueError:
            raise WechatTransientError("企业微信返回的不是 JSON") from None
        errcode = int(data.get("errcode", 0) or 0)
        if errcode == 0:
            return
        errmsg = str(data.get("errmsg", "")).replace(key, mask(key))[:200]
        message = f"企业微信返回错误 {errcode}: {errmsg}"
        if errcode in TRANSIENT_ERRCODES:
            raise WechatTransientError(message, errcode, errmsg, SEND_PATH)
        raise WechatPermanentError(message, errcode, errmsg, SEND_PATH)
