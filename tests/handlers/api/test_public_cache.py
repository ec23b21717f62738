"""Public reads are cached for a short time (api.public_cache_seconds); authenticated views
never are; the benchmarked reads issue a number of statements that does not grow with the
number of items."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, event

from models import Account, Member, Organisation
from services import requests as request_service
from tests import factories as f

from .conftest import World, build_app, make_world, token_for

REDIS_URL = os.environ.get("TEST_REDIS_URL", "")


@contextmanager
def statements(app: Flask) -> Iterator[list[str]]:
    """Every SQL statement sent to the database while the block runs."""
    engine: Engine = app.extensions["db"].engine
    seen: list[str] = []

    def on_execute(conn, cursor, statement, params, context, executemany):  # type: ignore[no-untyped-def]
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", on_execute)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)


def _publish(app: Flask, world: World) -> tuple[int, str]:
    with app.extensions["db"].session() as s:
        c = f.published(s, s.get_one(Member, world.author.id))
        code = s.get_one(Member, world.author.id).public_code
        return c.id, code


def _public_urls(world: World, code: str) -> list[str]:
    return [
        f"/api/v1/orgs/{world.branch.id}/board",
        f"/api/v1/orgs/{world.branch.id}/wall",
        f"/api/v1/members/{code}/card",
        "/api/v1/orgs",
        "/api/v1/orgs?per_page=5&page=1",
    ]


def test_second_public_read_is_identical_and_skips_the_database(
    api: FlaskClient, api_app: Flask, world: World
) -> None:
    _, code = _publish(api_app, world)
    for url in _public_urls(world, code):
        with statements(api_app) as first:
            r1 = api.get(url)
        assert r1.status_code == 200, url
        assert first, url
        with statements(api_app) as second:
            r2 = api.get(url)
        assert r2.status_code == 200, url
        assert second == [], url
        assert r2.data == r1.data, url
        assert r2.get_json() == r1.get_json()
        assert r2.mimetype == "application/json"


def test_key_is_path_and_query(api: FlaskClient, api_app: Flask, world: World) -> None:
    api.get("/api/v1/orgs?per_page=5&page=1")
    with statements(api_app) as same_query_other_order:
        assert api.get("/api/v1/orgs?page=1&per_page=5").status_code == 200
    assert same_query_other_order == []
    with statements(api_app) as other_query:
        body = api.get("/api/v1/orgs?per_page=1").get_json()
    assert other_query
    assert body["per_page"] == 1


def test_errors_are_not_cached(api: FlaskClient, api_app: Flask, world: World) -> None:
    assert api.get("/api/v1/members/NOPE/card").status_code == 404
    with statements(api_app) as again:
        r = api.get("/api/v1/members/NOPE/card")
    assert r.status_code == 404
    assert again
    assert r.get_json()["error"]["message"] == "找不到这位党员，请重新扫码"


def test_ttl_zero_disables_the_cache(db_url: str, tmp_path: Path) -> None:
    app = build_app(db_url, tmp_path, api={"public_cache_seconds": 0})
    try:
        world = make_world(app)
        cid, code = _publish(app, world)
        client = app.test_client()
        for url in _public_urls(world, code):
            client.get(url)
            with statements(app) as second:
                assert client.get(url).status_code == 200
            assert second, url
        board_before = client.get(f"/api/v1/orgs/{world.branch.id}/board").get_json()
        headers = token_for(app, world.author_account)
        r = client.post(f"/api/v1/commitments/{cid}/logs", json={"note": "浇水"}, headers=headers)
        assert r.status_code == 201
        board_after = client.get(f"/api/v1/orgs/{world.branch.id}/board").get_json()
        assert board_after != board_before  # fresh at once without the cache
        card = client.get(f"/api/v1/members/{code}/card").get_json()
        assert [e["note"] for e in card["logs"]] == ["浇水"]
    finally:
        app.extensions["db"].dispose()


def test_a_members_own_view_is_fresh_right_after_logging(
    api: FlaskClient, api_app: Flask, world: World
) -> None:
    cid, code = _publish(api_app, world)
    headers = token_for(api_app, world.author_account)
    card_before = api.get(f"/api/v1/members/{code}/card").get_json()
    mine_before = api.get("/api/v1/commitments/mine", headers=headers).get_json()
    assert mine_before["items"][0]["progress"]["done"] == 0

    r = api.post(f"/api/v1/commitments/{cid}/logs", json={"note": "今天浇水了"}, headers=headers)
    assert r.status_code == 201

    mine = api.get("/api/v1/commitments/mine", headers=headers).get_json()
    assert mine["items"][0]["id"] == cid
    assert mine["items"][0]["progress"] == r.get_json()["progress"]
    assert mine["items"][0]["progress"]["done"] == 1
    logs = api.get(f"/api/v1/commitments/{cid}/logs", headers=headers).get_json()
    assert [e["note"] for e in logs["items"]] == ["今天浇水了"]
    # The public card may lag by up to api.public_cache_seconds (accepted for public pages).
    assert api.get(f"/api/v1/members/{code}/card").get_json() == card_before


@pytest.mark.redis
def test_redis_cache_is_shared_between_workers(db_url: str, tmp_path: Path) -> None:
    if not REDIS_URL:
        pytest.skip("TEST_REDIS_URL not set")
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter("jiannuo:public:*"):
        client.delete(key)
    one = build_app(db_url, tmp_path, redis={"url": REDIS_URL})
    two = build_app(db_url, tmp_path, redis={"url": REDIS_URL})
    try:
        world = make_world(one)
        url = f"/api/v1/orgs/{world.branch.id}/board"
        first = one.test_client().get(url)
        assert first.status_code == 200
        assert any(client.scan_iter("jiannuo:public:*"))
        with statements(two) as seen:
            second = two.test_client().get(url)
        assert seen == []
        assert second.data == first.data
    finally:
        for key in client.scan_iter("jiannuo:public:*"):
            client.delete(key)
        client.close()
        one.extensions["db"].dispose()
        two.extensions["db"].dispose()


def test_an_unreachable_redis_only_costs_the_cache(db_url: str, tmp_path: Path) -> None:
    app = build_app(db_url, tmp_path, redis={"url": "redis://127.0.0.1:9/0"})
    try:
        world = make_world(app)
        url = f"/api/v1/orgs/{world.branch.id}/board"
        for _ in range(2):
            r = app.test_client().get(url)
            assert r.status_code == 200
            assert r.get_json()["org"]["name"] == world.branch.name
    finally:
        app.extensions["db"].dispose()


# -- statements per request do not grow with the number of items --------------------------


def _submit(app: Flask, account: Account, branches: list[Organisation], n: int) -> None:
    with app.extensions["db"].session() as s:
        actor = f.as_actor(s, s.get_one(Account, account.id))
        for i in range(n):
            request_service.submit(
                s,
                actor,
                kind="problem",
                text=f"路灯坏了 {i}",
                org_id=branches[i % len(branches)].id,
                channel="miniprogram",
            )


def _mine_statements(app: Flask, account: Account, expected: int) -> int:
    client = app.test_client()
    headers = token_for(app, account)
    with statements(app) as seen:
        body = client.get("/api/v1/requests/mine?per_page=50", headers=headers).get_json()
    assert len(body["items"]) == expected
    assert all("can" in item for item in body["items"])
    return len(seen)


@pytest.mark.parametrize("who", ["resident_a", "leader_account"])
def test_my_requests_statements_do_not_grow_with_items(
    api_app: Flask, world: World, who: str
) -> None:
    account: Account = getattr(world, who)
    with api_app.extensions["db"].session() as s:
        other = f.org(s, "branch", "西村党支部", s.get_one(Organisation, world.township.id))
    branches = [world.branch, other]
    _submit(api_app, account, branches, 4)
    few = _mine_statements(api_app, account, 4)
    _submit(api_app, account, branches, 16)
    many = _mine_statements(api_app, account, 20)
    assert many == few


def test_org_list_statements_do_not_grow_with_items(db_url: str, tmp_path: Path) -> None:
    app = build_app(db_url, tmp_path, api={"public_cache_seconds": 0})
    try:
        world = make_world(app)
        client = app.test_client()
        with statements(app) as few:
            assert len(client.get("/api/v1/orgs").get_json()["items"]) == 1
        with app.extensions["db"].session() as s:
            township = s.get_one(Organisation, world.township.id)
            other_township = f.org(s, "township", "北镇", s.get(Organisation, township.parent_id))
            for i in range(6):
                f.org(s, "branch", f"新村{i}党支部", township if i % 2 else other_township)
        with statements(app) as many:
            body = client.get("/api/v1/orgs").get_json()
        assert len(body["items"]) == 7
        assert {o["parent_name"] for o in body["items"]} == {"示范镇", "北镇"}
        assert len(many) == len(few)
    finally:
        app.extensions["db"].dispose()


def test_board_and_card_statements_do_not_grow_with_items(db_url: str, tmp_path: Path) -> None:
    app = build_app(db_url, tmp_path, api={"public_cache_seconds": 0})
    try:
        world = make_world(app)
        client = app.test_client()
        board = f"/api/v1/orgs/{world.branch.id}/board"

        def counts() -> tuple[int, int]:
            with statements(app) as b:
                assert client.get(board).status_code == 200
            with statements(app) as c:
                assert client.get(f"/api/v1/members/{code}/card").status_code == 200
            return len(b), len(c)

        _, code = _publish(app, world)
        few = counts()
        with app.extensions["db"].session() as s:
            branch = s.get_one(Organisation, world.branch.id)
            author = s.get_one(Member, world.author.id)
            for i in range(5):
                f.published(s, f.member(s, branch, f"党员{i}"), f"承诺{i}")
                f.published(s, author, f"另一条承诺{i}")
        many = counts()
        assert many == few
    finally:
        app.extensions["db"].dispose()
