"""GET /healthz: database, migrations at head, Redis when configured; JSON, no secrets."""

from __future__ import annotations

from pathlib import Path

from tests.handlers.api.conftest import build_app


def test_healthy(db_url: str, tmp_path: Path) -> None:
    app = build_app(db_url, tmp_path, app={"secret_key": "s3cret-healthz"})
    r = app.test_client().get("/healthz")
    assert r.status_code == 200
    assert r.get_json() == {
        "status": "ok",
        "checks": {"database": "ok", "migrations": "ok", "redis": "not_configured"},
    }
    assert r.headers["Cache-Control"] == "no-store"
    app.extensions["db"].dispose()


def test_unmigrated_database_and_unreachable_redis_fail_without_details(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    app = build_app(
        url,
        tmp_path,
        app={"secret_key": "s3cret-healthz"},
        redis={"url": "redis://:redispass@127.0.0.1:1/0"},
    )
    r = app.test_client().get("/healthz")
    assert r.status_code == 503
    assert r.get_json() == {
        "status": "fail",
        "checks": {"database": "ok", "migrations": "behind", "redis": "fail"},
    }
    body = r.get_data(as_text=True)
    for detail in ("redispass", "127.0.0.1", "s3cret", "empty.db"):
        assert detail not in body
    app.extensions["db"].dispose()


def test_unreachable_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'no' / 'such' / 'dir' / 'x.db'}"
    app = build_app(url, tmp_path)
    r = app.test_client().get("/healthz")
    assert r.status_code == 503
    assert r.get_json()["checks"]["database"] == "fail"
    app.extensions["db"].dispose()
