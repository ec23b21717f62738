"""The mini-program's WeChat calls, through the one client wrapper (``wechat.client``).

Call these BEFORE the request's first write: on SQLite the token store writes through its
own session, which would wait for the request's write lock.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import current_app

from handlers.context import database, settings
from services import content
from services.errors import DomainError, ValidationError
from wechat.client import WechatClient, clients_from_settings
from wechat.errors import WechatError, WechatTransientError

log = logging.getLogger("jiannuo.api.wechat")


class WechatUnavailable(DomainError):
    code = "wechat_unavailable"
    status = 503


def _client(key: str, timeout: float) -> WechatClient:
    cache: dict[str, WechatClient] = current_app.extensions.setdefault("jiannuo.api.wechat", {})
    if key not in cache:
        client = clients_from_settings(settings(), database().session_factory).mini_program
        client.timeout = timeout
        cache[key] = client
    return cache[key]


def mini_program() -> WechatClient:
    return _client("login", settings().wechat.timeout_seconds)


def code2session(code: str) -> dict[str, Any]:
    """jscode2session: a ``wx.login`` code → openid (and unionid when bound to an open platform)."""
    try:
        data = mini_program().jscode2session(code)
    except WechatTransientError:
        raise WechatUnavailable("暂时连不上微信，请稍后再试") from None
    except WechatError:
        raise ValidationError(
            "code", "微信登录凭证无效或已过期，请重新打开小程序再试", code="login_code_invalid"
        ) from None
    if not data.get("openid"):
        raise ValidationError(
            "code", "微信登录失败，请重新打开小程序再试", code="login_code_invalid"
        )
    return data


def phone_number(code: str) -> str:
    """getuserphonenumber: the phone number behind a getPhoneNumber button code."""
    try:
        info = mini_program().get_phone_number(code)
    except WechatTransientError:
        raise WechatUnavailable("暂时连不上微信，请稍后再试") from None
    except WechatError:
        raise ValidationError(
            "code", "手机号授权已失效，请重新点击“手机号快捷绑定”", code="phone_code_invalid"
        ) from None
    phone = str(info.get("purePhoneNumber") or info.get("phoneNumber") or "")
    if not phone:
        raise ValidationError("code", "没有取得手机号，请重新授权", code="phone_code_invalid")
    return phone


def precheck(openid: str | None, text: str, scene: int) -> content.WechatAnswer | None:
    """Ask msg_sec_check v2 within the request's time budget
    (``api.content_check_timeout_seconds``), for the content gate to use.

    ``None`` when WeChat cannot or need not be asked (no mini-program credentials, no openid,
    no text, or a listed word: the gate holds that text anyway) or does not answer in time;
    the gate then queues a later check. The gate, not this function, decides.
    """
    s = settings()
    if not s.wechat.mini_program.enabled or not openid or not text.strip():
        return None
    if content.blocked_words_in(text):
        return None
    try:
        result = _client("content", s.api.content_check_timeout_seconds).msg_sec_check(
            openid, text, scene
        )
    except WechatError as exc:
        log.warning("msg_sec_check failed, queued for later: %s", exc)
        return None
    return content.WechatAnswer(text=text, suggest=str(result.get("suggest", "pass")))
