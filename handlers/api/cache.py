"""A short-lived cache for public reads (board, wall, member card, organisation list).

These responses are the same for every caller (they never read the Authorization header), so
their JSON body is kept for ``api.public_cache_seconds`` (0 = off) under the request's path and
query string: in Redis when ``redis.url`` is set (shared by all workers), otherwise in each
process (Flask-Caching's SimpleCache). A public board may lag a new log by up to that many
seconds; a member's own, authenticated views are never cached. A cache outage only costs the
cache: the view runs as if nothing was cached.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar, cast
from urllib.parse import urlencode

from flask import Flask, Response, current_app, request
from flask_caching import Cache
from sqlalchemy.orm import Session

from services.reads import public as public_reads

log = logging.getLogger("jiannuo.api.cache")

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")
EXTENSION = "jiannuo.api.public_cache"
KEY_PREFIX = "jiannuo:public:"
SIMPLE_THRESHOLD = 2000  # entries per process (a board is a few KiB, a card ~10 KiB)
REDIS_TIMEOUT_SECONDS = 0.5


def init_app(app: Flask) -> None:
    s = app.config["SETTINGS"]
    ttl = s.api.public_cache_seconds
    if ttl <= 0:
        app.extensions[EXTENSION] = None
        return
    config: dict[str, Any] = {
        "CACHE_DEFAULT_TIMEOUT": ttl,
        "CACHE_KEY_PREFIX": KEY_PREFIX,
    }
    if s.redis.url:
        config.update(
            CACHE_TYPE="RedisCache",
            CACHE_REDIS_URL=s.redis.url,
            CACHE_OPTIONS={
                "socket_timeout": REDIS_TIMEOUT_SECONDS,
                "socket_connect_timeout": REDIS_TIMEOUT_SECONDS,
            },
        )
    else:
        config.update(CACHE_TYPE="SimpleCache", CACHE_THRESHOLD=SIMPLE_THRESHOLD)
    app.extensions[EXTENSION] = Cache(app, with_jinja2_ext=False, config=config)


def _cache() -> Cache | None:
    cache: Cache | None = current_app.extensions.get(EXTENSION)
    return cache


def shared(key: str, compute: Callable[[], T], seconds: int = 0) -> T:
    """A public value computed once for all callers and kept like the public responses (e.g. a
    township's flags, which every board of its 100 branches shows), for ``seconds`` (0: as long
    as the responses); computed each time when the cache is off or unavailable."""
    cache = _cache()
    if cache is None:
        return compute()
    full = "value:" + key
    try:
        found = cache.get(full)
    except Exception:
        log.warning("公开数据缓存不可用（读取）", exc_info=True)
        return compute()
    if found is not None:
        return cast(T, found)
    value = compute()
    try:
        cache.set(full, value, timeout=seconds or None)
    except Exception:
        log.warning("公开数据缓存不可用（写入）", exc_info=True)
    return value


def cache_key() -> str:
    """Path plus the query string with its arguments sorted (same query → same key)."""
    query = urlencode(sorted(request.args.items(multi=True)))
    return f"{request.path}?{query}" if query else request.path


def public(view: F) -> F:
    """Cache a public view's 200 JSON response; put it right under ``@bp.route``."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        cache = _cache()
        if cache is None:
            return view(*args, **kwargs)
        key = cache_key()
        try:
            body = cache.get(key)
        except Exception:  # a Redis outage must not take the public pages down
            log.warning("公开数据缓存不可用（读取）", exc_info=True)
            return view(*args, **kwargs)
        if isinstance(body, bytes):
            return current_app.response_class(body, status=200, mimetype="application/json")
        resp = view(*args, **kwargs)
        if (
            isinstance(resp, Response)
            and resp.status_code == 200
            and resp.mimetype == "application/json"
            and not resp.direct_passthrough
        ):
            try:
                cache.set(key, resp.get_data())
            except Exception:
                log.warning("公开数据缓存不可用（写入）", exc_info=True)
        return resp

    return cast(F, wrapper)


def township_ranking(session: Session, township_id: int, today: date) -> list[public_reads.Flagged]:
    """A township's branches ranked this month with their red/yellow flags (one ranking of all
    of them, ``services.reads.public.flag_ranking``), shared by every board and screen of the
    township — the JSON board, the web pages and the big screens alike — for
    ``api.flags_cache_seconds``."""
    cfg = current_app.config["SETTINGS"]

    def compute() -> list[public_reads.Flagged]:
        return public_reads.flag_ranking(
            session,
            public_reads.org_by_id(session, township_id),
            today,
            red_count=cfg.reports.red_flag_count,
            yellow_below=cfg.reports.yellow_flag_below_percent,
        )

    key = f"ranking:{township_id}:{today.isoformat()}"
    return shared(key, compute, cfg.api.flags_cache_seconds)


def township_flags(session: Session, township_id: int, today: date) -> dict[int, str]:
    """Each branch's flag from ``township_ranking``."""
    return public_reads.flags_of(township_ranking(session, township_id, today))
