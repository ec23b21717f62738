"""Errors raised by the WeChat client wrapper.

The outbox dispatcher reads only the class: ``WechatTransientError`` means "try again later"
(network trouble, 5xx, ``errcode`` -1 "system busy", rate limits), ``WechatPermanentError``
means "stop" (bad openid, user has not interacted for 48 hours, template deleted, ...).
"""

from __future__ import annotations

# errcode values that say "our access token is no good": refresh once and retry.
TOKEN_ERRORS = frozenset({40001, 42001, 40014})
# errcode values worth retrying later.
TRANSIENT_ERRORS = frozenset({-1, 45009, 45011, 45047, 45033})


class WechatError(Exception):
    """Any failure talking to WeChat. ``errcode`` is WeChat's code (0 when not from WeChat)."""

    def __init__(self, message: str, errcode: int = 0, errmsg: str = "", path: str = "") -> None:
        super().__init__(message)
        self.errcode = errcode
        self.errmsg = errmsg
        self.path = path

    def __str__(self) -> str:
        base = super().__str__()
        return f"{base} (errcode={self.errcode}, path={self.path})" if self.errcode else base


class WechatTransientError(WechatError):
    """Worth retrying later: network error, timeout, HTTP 5xx, errcode -1, rate limits."""


class WechatPermanentError(WechatError):
    """Retrying will not help: the request itself is wrong or refused."""


class WechatTokenError(WechatPermanentError):
    """The access token was refused again after one refresh (wrong secret or IP whitelist)."""


class WechatNotConfigured(WechatPermanentError):
    """The app id / secret for this client is not configured (demo mode)."""


def from_errcode(errcode: int, errmsg: str, path: str) -> WechatError:
    """Map a WeChat ``errcode`` to the exception class the dispatcher understands."""
    message = f"微信接口返回错误 {errcode}: {errmsg}"
    if errcode in TRANSIENT_ERRORS:
        return WechatTransientError(message, errcode, errmsg, path)
    if errcode in TOKEN_ERRORS:
        return WechatTokenError(message, errcode, errmsg, path)
    return WechatPermanentError(message, errcode, errmsg, path)
