"""Rate limits counted inside a view, on a key known only there (the login's openid)."""

from __future__ import annotations

from flask import current_app

from handlers.context import settings


def count_login(openid: str) -> None:
    """One login for ``openid`` (after the code exchange); 429 with Retry-After when over."""
    limiter = current_app.extensions.get("jiannuo.api.limiter")
    if limiter is None:
        return
    with limiter.limit(
        settings().api.write_rate_limit, key_func=lambda: f"openid:{openid}", scope="api-login"
    ):
        pass
