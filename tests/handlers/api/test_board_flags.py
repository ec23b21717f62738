"""A township's flags are ranked once and shared by the boards of its branches (issue 20: a
board used to rank every branch of its township), and they are the overview's flags."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, select

from app import create_app
from infra.clock import local_date
from models import Organisation
from models.db import Database
from services.reads import public
from tests.conftest import REDIS_URL, make_config


@pytest.fixture
def statements(app: Flask) -> Iterator[list[str]]:
    seen: list[str] = []

    def on_execute(_conn, _cursor, statement, *_args):  # type: ignore[no-untyped-def]
        seen.append(statement)

    engine = app.extensions["db"].engine
    event.listen(engine, "before_cursor_execute", on_execute)
    yield seen
    event.remove(engine, "before_cursor_execute", on_execute)


@pytest.mark.demo_township
def test_boards_share_their_townships_flags(
    app: Flask, client: FlaskClient, db_url: str, statements: list[str]
) -> None:
    db = Database(db_url)
    with db.session() as s:
        branches = list(
            s.scalars(
                select(Organisation).where(Organisation.kind == "branch").order_by(Organisation.id)
            )
        )
        cfg = app.config["SETTINGS"].reports
        want = {
            b.id: public.branch_flag(
                s,
                b,
                local_date(),
                red_count=cfg.red_flag_count,
                yellow_below=cfg.yellow_flag_below_percent,
            )
            for b in branches
        }
    db.dispose()
    assert len(branches) >= 2
    ranked = []
    for b in branches:
        statements.clear()
        body = client.get(f"/api/v1/orgs/{b.id}/board").get_json()
        assert body["flag"] == (want[b.id] or None)
        ranked.append(sum("GROUP BY anon_1.cid" in sql for sql in statements))
    assert ranked[0] == 1  # the first board ranks the township's branches …
    assert ranked[1:] == [0] * (len(branches) - 1)  # … the others reuse its flags
    assert any(want.values())  # the demo township has flags to show


@pytest.mark.demo_township
def test_the_web_boards_share_the_flags_too(client: FlaskClient, statements: list[str]) -> None:
    """The progress board page (/o/<code>/board, a QR code on the village's board) ranked its
    whole township on every view; it now shares the JSON boards' flags, and shows the same."""
    branches = client.get("/api/v1/orgs").get_json()["items"]
    assert len(branches) >= 2
    ranked: list[int] = []
    flags: list[str | None] = []
    for b in branches:
        statements.clear()
        page = client.get(f"/o/{b['code']}/board")
        assert page.status_code == 200
        ranked.append(sum("GROUP BY anon_1.cid" in sql for sql in statements))
        flag = client.get(f"/api/v1/orgs/{b['id']}/board").get_json()["flag"]
        html = page.get_data(as_text=True)
        shown = {f for f in ("red", "yellow") if f'class="flag flag-{f}"' in html}
        assert shown == ({flag} if flag else set()), (b["name"], flag)
        flags.append(flag)
    assert ranked[0] == 1 and ranked[1:] == [0] * (len(branches) - 1)
    assert any(flags)  # the demo township has flags to show
    # the big screens (each branch's and the township's) show the same flags without ranking
    red = {b["name"] for b, f in zip(branches, flags, strict=True) if f == "red"}
    yellow = {b["name"] for b, f in zip(branches, flags, strict=True) if f == "yellow"}
    for path in [f"/o/{b['code']}/screen.json" for b in branches] + ["/o/township/screen.json"]:
        statements.clear()
        body = client.get(path).get_json()
        assert sum("GROUP BY anon_1.cid" in sql for sql in statements) == 0, path
        assert (set(body["red"]), set(body["yellow"])) == (red, yellow), path


@pytest.mark.redis
@pytest.mark.demo_township
def test_flags_are_shared_between_workers_through_redis(db_url: str, tmp_path: Path) -> None:
    if not REDIS_URL:
        pytest.skip("TEST_REDIS_URL not set")
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter("jiannuo:public:*"):
        client.delete(key)
    one = create_app(make_config(db_url, tmp_path, redis={"url": REDIS_URL}))
    two = create_app(make_config(db_url, tmp_path, redis={"url": REDIS_URL}))
    try:
        db = Database(db_url)
        with db.session() as s:
            first, second = list(
                s.scalars(
                    select(Organisation.id)
                    .where(Organisation.kind == "branch")
                    .order_by(Organisation.id)
                    .limit(2)
                )
            )
        db.dispose()
        assert one.test_client().get(f"/api/v1/orgs/{first}/board").status_code == 200
        assert any(client.scan_iter("jiannuo:public:value:ranking:*"))
        seen: list[str] = []
        engine = two.extensions["db"].engine

        def on_execute(_conn, _cursor, statement, *_args):  # type: ignore[no-untyped-def]
            seen.append(statement)

        event.listen(engine, "before_cursor_execute", on_execute)
        assert two.test_client().get(f"/api/v1/orgs/{second}/board").status_code == 200
        event.remove(engine, "before_cursor_execute", on_execute)
        assert seen and not any("GROUP BY anon_1.cid" in sql for sql in seen)
    finally:
        for key in client.scan_iter("jiannuo:public:*"):
            client.delete(key)
        client.close()
        one.extensions["db"].dispose()
        two.extensions["db"].dispose()
