"""``GET /healthz`` for nginx, systemd and docker-compose: is this process able to serve?

Checks the database (a round trip), the schema (migrations at head) and Redis when it is
configured. Answers JSON with one word per check, 200 when all pass, 503 otherwise; never a
URL, a host name, an error text or any other detail of the configuration.
"""

from __future__ import annotations

import logging
from typing import Any

from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask, Response, current_app, jsonify
from sqlalchemy import text

from handlers.context import database, settings
from infra.migrate import alembic_config

log = logging.getLogger("jiannuo.health")


def _heads() -> set[str]:
    ext = current_app.extensions
    if "jiannuo.migration_heads" not in ext:
        script = ScriptDirectory.from_config(alembic_config(""))
        ext["jiannuo.migration_heads"] = set(script.get_heads())
    heads: set[str] = ext["jiannuo.migration_heads"]
    return heads


def _database() -> tuple[str, str]:
    try:
        with database().engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            current = set(MigrationContext.configure(conn).get_current_heads())
    except Exception:
        log.warning("healthz: database unreachable", exc_info=True)
        return "fail", "unknown"
    return "ok", "ok" if current == _heads() else "behind"


def _redis() -> str:
    url = settings().redis.url
    if not url:
        return "not_configured"
    import redis

    try:
        client: Any = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
        try:
            client.ping()
        finally:
            client.close()
    except Exception:
        log.warning("healthz: redis unreachable", exc_info=True)
        return "fail"
    return "ok"


def healthz() -> Response:
    db, migrations = _database()
    checks = {"database": db, "migrations": migrations, "redis": _redis()}
    healthy = db == "ok" and migrations == "ok" and checks["redis"] in ("ok", "not_configured")
    resp = jsonify({"status": "ok" if healthy else "fail", "checks": checks})
    resp.status_code = 200 if healthy else 503
    resp.headers["Cache-Control"] = "no-store"
    return resp


def init_app(app: Flask) -> None:
    app.add_url_rule("/healthz", "healthz", healthz, methods=["GET"])
