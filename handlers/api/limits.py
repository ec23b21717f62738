"""Rate limits counted inside a view, on a key known only there (the login's openid); and
the routes the limiter never looks at."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial, wraps
from typing import Any

from flask import Flask, current_app, request

from handlers.context import settings

# WeChat's signed callback: every request is verified by signature and replay window, and
# WeChat, not a person, decides how often it calls, so no rate-limit bookkeeping is done.
UNLIMITED_ENDPOINTS = frozenset({"wechat_callback"})


def count_login(openid: str) -> None:
    """One login for ``openid`` (after the code exchange); 429 with Retry-After when over."""
    limiter = current_app.extensions.get("jiannuo.api.limiter")
    if limiter is None:
        return
    with limiter.limit(
        settings().api.write_rate_limit, key_func=lambda: f"openid:{openid}", scope="api-login"
    ):
        pass


def _skipping(fn: Callable[..., Any], on_skip: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(fn)
    def hook(*args: Any) -> Any:
        if request.endpoint in UNLIMITED_ENDPOINTS:
            return on_skip(*args)
        return fn(*args)

    return hook


def spare_unlimited(app: Flask, limiter: Any) -> None:
    """Keep Flask-Limiter's per-request hooks (its before_request check and its header
    after_request) off ``UNLIMITED_ENDPOINTS``: they cost ≈ 10% of a callback. The filter
    is registered too, so a limit decorated on such a route later would still be skipped."""
    limiter.request_filter(lambda: request.endpoint in UNLIMITED_ENDPOINTS)
    before = app.before_request_funcs.get(None, [])
    for i, fn in enumerate(before):
        if getattr(fn, "__self__", None) is limiter:
            before[i] = _skipping(fn, lambda: None)
    after = app.after_request_funcs.get(None, [])
    for i, fn in enumerate(after):
        if isinstance(fn, partial) and fn.args[:1] == (limiter,):
            after[i] = _skipping(fn, lambda response: response)
