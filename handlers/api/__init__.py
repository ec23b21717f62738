"""The mini-program JSON API under ``/api/v1`` (contract: docs/api-contract.md).

flask-smorest generates the OpenAPI document at ``/api/v1/openapi.json`` from the
marshmallow schemas; every error has the ``{"error": {"code", "message", "fields"}}`` shape
(rendered by ``handlers.errors``); writes are rate-limited per user with Flask-Limiter
(anonymous callers per client address, as ``app.trusted_proxies`` lets ProxyFix see it;
logins per openid after the code exchange). A 429 carries ``Retry-After``.
Each resource module follows the rhythm load-or-404 → check access → change → commit →
serialize.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from . import (
    auth,
    cache,
    civic,
    commitments,
    evaluations,
    limits,
    logs,
    me,
    mutual_sheet,
    practices,
    practices_meetings,
    practices_reviews,
    public,
    requests,
    reviews,
    signoffs,
    subscriptions,
    uploads,
)
from .base import Api, token_account_id

BLUEPRINTS = (
    auth.bp,
    me.bp,
    commitments.bp,
    reviews.bp,
    logs.bp,
    logs.verify_bp,
    uploads.bp,
    requests.bp,
    public.bp,
    evaluations.bp,
    signoffs.bp,
    subscriptions.bp,
    mutual_sheet.bp,
    civic.bp,
    practices.bp,
    practices_meetings.bp,
    practices_reviews.bp,
)
WRITE_METHODS = ["POST", "PATCH", "PUT", "DELETE"]


class _Api(Api):
    """Blueprints are registered with the app at once; the OpenAPI document is written the
    first time ``spec`` is used (``/api/v1/openapi.json``, ``flask openapi print``), in the
    order flask-smorest would have written it, so it is the same document.

    Writing it (apispec resolving every marshmallow schema, a response per HTTP status) is
    most of what building the app costs, and most apps (every test's; a worker's until
    somebody asks for the document) never serve it.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._deferred: list[Callable[[], None]] = []
        self._spec = None
        super().__init__(*args, **kwargs)

    @property  # type: ignore[override]
    def spec(self) -> Any:
        while self._deferred:
            # taken before running, so that a step reading ``spec`` does not run the next
            steps, self._deferred = self._deferred, []
            for step in steps:
                step()
        return self._spec

    @spec.setter
    def spec(self, value: Any) -> None:
        self._spec = value

    # flask-smorest's own parts of the document, in its order
    def _register_responses(self) -> None:
        self._deferred.append(super()._register_responses)

    def _register_etag_headers(self) -> None:
        self._deferred.append(super()._register_etag_headers)

    def _register_pagination_header(self) -> None:
        self._deferred.append(super()._register_pagination_header)

    def register_converter(self, converter: Any, func: Any) -> None:
        self._converters.append((converter, func))
        self._deferred.append(lambda: self._register_converter(converter, func))

    def security_scheme(self, name: str, component: dict[str, Any]) -> None:
        self._deferred.append(lambda: self._spec.components.security_scheme(name, component))

    def register_blueprint(self, blp: Any, *, parameters: Any = None, **options: Any) -> None:
        # flask_smorest.Api.register_blueprint, with the document part deferred.
        blp_name = options.get("name", blp.name)
        self._app.extensions["flask-smorest"]["blp_name_to_api"][blp_name] = self
        self._app.register_blueprint(blp, **options)

        def document() -> None:
            blp.register_views_in_doc(
                self, self._app, self._spec, name=blp_name, parameters=parameters
            )
            self._spec.tag({"name": blp_name, "description": blp.description})

        self._deferred.append(document)


def rate_limit_key() -> str:
    """Per user (the account behind a valid token), else per client address."""
    account_id = token_account_id()
    if account_id is not None:
        return f"account:{account_id}"
    return f"ip:{get_remote_address()}"


def client_address_key() -> str:
    return f"ip:{get_remote_address()}"


def _is_login() -> bool:
    return request.endpoint == LOGIN_ENDPOINT


LOGIN_ENDPOINT = "auth.login"


def _init_limiter(app: Flask) -> Limiter:
    s = app.config["SETTINGS"]
    limiter = Limiter(
        key_func=rate_limit_key,
        app=app,
        storage_uri=s.redis.url or "memory://",
        strategy="fixed-window",
        key_prefix="jiannuo-api",
        default_limits=[],
        headers_enabled=True,  # X-RateLimit-* and, on a 429, Retry-After
        swallow_errors=True,  # a Redis outage must not take the API down
    )
    write_limit = limiter.shared_limit(
        s.api.write_rate_limit,
        scope="api-write",
        methods=WRITE_METHODS,
        key_func=rate_limit_key,
        exempt_when=_is_login,  # logins count per openid (handlers.api.limits) instead
    )
    for bp in BLUEPRINTS:
        write_limit(bp)
    # Codes WeChat refuses (and malformed bodies) count per client address; a good code does
    # not, so residents behind one carrier NAT are not locked out by somebody's bogus codes.
    app.view_functions[LOGIN_ENDPOINT] = limiter.limit(
        s.api.write_rate_limit,
        key_func=client_address_key,
        scope="api-login-refused",
        deduct_when=lambda response: response.status_code == 400,
    )(app.view_functions[LOGIN_ENDPOINT])
    app.extensions["jiannuo.api.limiter"] = limiter
    limits.spare_unlimited(app, limiter)  # no bookkeeping on WeChat's signed callback
    return limiter


def init_app(app: Flask) -> None:
    s = app.config["SETTINGS"]
    app.config.update(
        API_TITLE=f"{s.app.name} 小程序接口",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api/v1",
        OPENAPI_JSON_PATH="openapi.json",
    )
    api = _Api(
        app,
        spec_kwargs={
            "info": {
                "description": '践诺小程序 JSON 接口；错误格式 {"error": {"code", "message", "fields"}}。'
            },
            "servers": [{"url": "/"}],
        },
    )
    from handlers import IdConverter

    api.register_converter(
        IdConverter, lambda c: {"type": "integer", "minimum": 1, "maximum": c.max}
    )
    api.security_scheme(
        "bearerAuth",
        {"type": "http", "scheme": "bearer", "description": "POST /api/v1/auth/login 得到的令牌"},
    )
    for bp in BLUEPRINTS:
        api.register_blueprint(bp)
    app.extensions["jiannuo.api"] = api
    uploads.init_media(app)
    cache.init_app(app)
    _init_limiter(app)

    @app.after_request
    def _no_store(resp):  # type: ignore[no-untyped-def]
        if request.path.startswith("/api/"):
            resp.headers.setdefault("Cache-Control", "no-store")
        return resp
