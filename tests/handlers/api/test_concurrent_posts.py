"""Issue 12 item 6: the same POST five times at once, against a real threaded HTTP server on
the test database (SQLite; PostgreSQL when TEST_DATABASE_URL is set), round after round:
exactly one row is stored, the others get a clean 409 (never a 500, never a second row)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests as http
from flask import Flask
from sqlalchemy import func, select
from werkzeug.serving import make_server

from models import Evaluation, Member, Request, Review, TimelineEntry
from tests import factories as f

from .conftest import World, build_app, make_world, token_for

ROUNDS = 4
AT_ONCE = 5


@pytest.fixture
def served(db_url: str, tmp_path: Path) -> Iterator[tuple[Flask, World, str]]:
    app = build_app(db_url, tmp_path, api={"write_rate_limit": "100000 per minute"})
    world = make_world(app)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield app, world, f"http://127.0.0.1:{server.server_port}/api/v1"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        app.extensions["db"].dispose()


def _at_once(calls: list[Callable[[], http.Response]]) -> list[tuple[int, dict[str, Any]]]:
    barrier = threading.Barrier(len(calls))
    out: list[tuple[int, dict[str, Any]]] = [(0, {})] * len(calls)

    def run(i: int) -> None:
        barrier.wait()
        r = calls[i]()
        out[i] = (r.status_code, r.json())

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return out


def _check(results: list[tuple[int, dict[str, Any]]], rows: int) -> None:
    statuses = sorted(code for code, _ in results)
    assert rows == 1, (rows, results)
    assert set(statuses) <= {200, 409} and statuses.count(200) >= 1, results
    for code, body in results:
        if code == 409:
            assert body["error"]["code"] == "conflict", body
            assert any("\u4e00" <= ch <= "\u9fff" for ch in body["error"]["message"]), body


def _post(url: str, headers: dict[str, str], body: dict[str, Any] | None = None):  # type: ignore[no-untyped-def]
    return lambda: http.post(url, json=body, headers=headers, timeout=60)


def test_grades_posted_at_once_leave_one_row(served: tuple[Flask, World, str]) -> None:
    app, world, base = served
    secretary = token_for(app, world.secretary_account)
    db = app.extensions["db"]
    for year in range(2020, 2020 + ROUNDS):
        url = f"{base}/members/{world.author.id}/grades"
        body = {"year": year, "grade": "excellent"}
        results = _at_once([_post(url, secretary, body) for _ in range(AT_ONCE)])
        with db.session() as s:
            rows = s.scalar(
                select(func.count(Evaluation.id)).where(
                    Evaluation.kind == "branch_grade", Evaluation.period == str(year)
                )
            )
        _check(results, rows or 0)


def test_mutual_votes_posted_at_once_leave_one_row(served: tuple[Flask, World, str]) -> None:
    app, world, base = served
    author = token_for(app, world.author_account)
    db = app.extensions["db"]
    for year in range(2020, 2020 + ROUNDS):
        url = f"{base}/members/{world.leader.id}/mutual"
        body = {"year": year, "half": 1, "rating": "good"}
        results = _at_once([_post(url, author, body) for _ in range(AT_ONCE)])
        with db.session() as s:
            rows = s.scalar(
                select(func.count(Evaluation.id)).where(
                    Evaluation.kind == "mutual", Evaluation.period == f"{year}H1"
                )
            )
        _check(results, rows or 0)


def test_review_approvals_posted_at_once_leave_one_row(served: tuple[Flask, World, str]) -> None:
    app, world, base = served
    secretary = token_for(app, world.secretary_account)
    db = app.extensions["db"]
    for _ in range(ROUNDS):
        with db.session() as s:
            c = f.published(s, s.get_one(Member, world.author.id))
            c.status = "pending_branch"
            s.flush()
            cid = c.id
        url = f"{base}/commitments/{cid}/review"
        results = _at_once([_post(url, secretary, {"decision": "approve"}) for _ in range(AT_ONCE)])
        with db.session() as s:
            rows = s.scalar(select(func.count(Review.id)).where(Review.commitment_id == cid))
        _check(results, rows or 0)


def test_claims_posted_at_once_leave_one_claim(served: tuple[Flask, World, str]) -> None:
    app, world, base = served
    resident = token_for(app, world.resident_a)
    claimers = [world.author_account, world.leader_account, world.secretary_account] * 2
    db = app.extensions["db"]
    for _ in range(ROUNDS):
        r = http.post(
            f"{base}/requests",
            json={"kind": "problem", "text": "村东路灯坏了", "branch_id": world.branch.id},
            headers=resident,
            timeout=30,
        )
        assert r.status_code == 201, r.text
        rid = r.json()["id"]
        url = f"{base}/requests/{rid}/claim"
        results = _at_once([_post(url, token_for(app, a)) for a in claimers[:AT_ONCE]])
        with db.session() as s:
            rows = s.scalar(
                select(func.count(TimelineEntry.id)).where(
                    TimelineEntry.request_id == rid, TimelineEntry.action == "claimed"
                )
            )
            holder = s.get_one(Request, rid).assignee_member_id
        _check(results, rows or 0)
        (winner,) = [body for code, body in results if code == 200]
        assert winner["assignee"] is not None
        with db.session() as s:
            assert s.get_one(Member, holder).name == winner["assignee"]["name"]
