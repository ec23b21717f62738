"""The mini-program's WeChat calls, through the one client wrapper (``wechat.client``).

Call these BEFORE the request's first write: on SQLite the token store writes through its
own session, which would wait for the request's write lock.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy.orm import Session

from handlers.context import database, settings
from models import ContentStatus, OutboundChannel
from services import outbox
from services.errors import DomainError, ValidationError
from wechat.client import WechatClient, clients_from_settings
from wechat.errors import WechatError, WechatTransientError

log = logging.getLogger("jiannuo.api.wechat")

# msg_sec_check v2 scenes: 1 profile, 2 comment, 3 forum, 4 social log
SCENE_FORUM = 3
SCENE_SOCIAL_LOG = 4
SCENE_COMMENT = 2


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


@dataclass(frozen=True)
class Verdict:
    """The content-security state to store; ``enqueue`` when the check must happen later."""

    status: str
    enqueue: bool = False


def check_text(openid: str | None, content: str, scene: int, field: str) -> Verdict:
    """msg_sec_check v2 within the request's time budget (``api.content_check_timeout_seconds``).

    Risky text is refused (400 naming ``field``); text WeChat is unsure about is kept as
    ``pending``; a timeout or error also keeps it ``pending`` and queues a later check.
    Without mini-program credentials nothing is checked (``not_checked``).
    """
    s = settings()
    if not s.wechat.mini_program.enabled or not content.strip():
        return Verdict(ContentStatus.NOT_CHECKED.value)
    if not openid:
        return Verdict(ContentStatus.PENDING.value, enqueue=True)
    try:
        result = _client("content", s.api.content_check_timeout_seconds).msg_sec_check(
            openid, content, scene
        )
    except WechatError as exc:
        log.warning("msg_sec_check failed, queued for later: %s", exc)
        return Verdict(ContentStatus.PENDING.value, enqueue=True)
    suggest = str(result.get("suggest", "pass"))
    if suggest == "pass":
        return Verdict(ContentStatus.PASS.value)
    if suggest == "review":
        return Verdict(ContentStatus.PENDING.value)
    raise ValidationError(field, "内容含有不适宜公开的信息，请修改后再提交", code="content_risky")


def apply_verdict(
    session: Session,
    verdict: Verdict,
    kind: str,
    obj: Any,
    openid: str | None,
    content: str,
    scene: int,
) -> None:
    """Store the verdict on ``obj`` and queue the later check when needed."""
    obj.content_status = verdict.status
    if verdict.enqueue:
        session.flush()
        outbox.enqueue(
            session,
            OutboundChannel.CONTENT_CHECK,
            {
                "kind": kind,
                "id": obj.id,
                "content": content,
                "openid": openid or "",
                "scene": scene,
            },
            f"content_check:{kind}:{obj.id}:{hashlib.sha256(content.encode()).hexdigest()[:16]}",
            recipient=openid or "",
        )
