"""Secrets never reach a log line: one logging filter masks them in every record.

urllib3 logs each request URL at DEBUG, and WeChat puts secrets in query strings
(``secret=`` on jscode2session and the token call, ``access_token=`` on every API call,
``js_code=`` for logins, ``key=`` for WeCom robot webhooks). Our own messages or tracebacks
may carry a bearer token or the official account's ``encoding_aes_key``. The app factory puts
:class:`RedactSecrets` on the root logger's handlers, so every record that is written out, from
any library, passes it.
"""

from __future__ import annotations

import logging
import re

MASK = "****"

# Names whose values are secrets, in URL queries, ``name=value`` text, dict/JSON reprs.
_NAMES = (
    "secret",
    "appsecret",
    "secret_key",
    "access_token",
    "refresh_token",
    "js_code",
    "key",
    "encoding_aes_key",
    "encodingaeskey",
    "token",
)
_NAME_RE = "|".join(sorted(_NAMES, key=len, reverse=True))
# secret=abc&…  access_token=abc  key=abc (not part of a longer name such as webhook_key)
_QUERY = re.compile(rf"(?i)(?<![A-Za-z0-9_])({_NAME_RE})=(?!{re.escape(MASK)})[^&\s\"',;)}}\]]+")
# 'secret': 'abc'   "encoding_aes_key": "abc"   secret_key="abc"
_QUOTED = re.compile(rf"(?i)([\"']?)(?<![A-Za-z0-9_])({_NAME_RE})\1(\s*[:=]\s*)([\"'])(.*?)\4")
# Authorization: Bearer abc / Basic abc
_BEARER = re.compile(r"(?i)\b(bearer|basic)(\s+)[A-Za-z0-9._~+/=\-]{4,}")


def redact(text: str) -> str:
    """``text`` with every secret value replaced by ``****``."""
    if not text:
        return text
    text = _BEARER.sub(rf"\1\2{MASK}", text)
    text = _QUOTED.sub(rf"\1\2\1\3\4{MASK}\4", text)
    return _QUERY.sub(rf"\1={MASK}", text)


class RedactSecrets(logging.Filter):
    """Masks secrets in a record's message and in its formatted traceback."""

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: leave the record to logging's own handling
            return True
        clean = redact(message)
        if clean != message:
            record.msg = clean
            record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


# Loggers that write request URLs (with their query strings) themselves.
URL_LOGGERS = ("urllib3.connectionpool",)


def install(logger: logging.Logger | None = None) -> None:
    """Put the filter on each handler of ``logger`` (the root logger), once per handler, and
    on the URL loggers themselves (``guard_url_loggers``)."""
    target = logger or logging.getLogger()
    for handler in target.handlers:
        if not any(isinstance(f, RedactSecrets) for f in handler.filters):
            handler.addFilter(RedactSecrets())
    guard_url_loggers()


def guard_url_loggers() -> None:
    """The filter on the loggers that write request URLs, so that a URL is masked when its
    record is made, whatever handlers exist then (a dispatcher run outside the app factory, a
    handler added later, a test's log capture). The modules that put secrets in URLs call it
    when they are imported."""
    for name in URL_LOGGERS:
        lg = logging.getLogger(name)
        if not any(isinstance(f, RedactSecrets) for f in lg.filters):
            lg.addFilter(RedactSecrets())
