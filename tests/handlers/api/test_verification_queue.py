"""待核实践诺: the secretary's queue of unverified logs (GET /reviews/logs)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event
from sqlalchemy.engine import Engine

from models import Account, Commitment, CommitmentStatus, FulfilmentLog, Member
from services import fulfilment
from tests import factories as f

from .conftest import World, jpeg_bytes, token_for

URL = "/api/v1/reviews/logs"


@dataclass
class Queue:
    author_logs: list[int]  # oldest first
    secretary_log: int
    other_branch_log: int
    verified_log: int
    withdrawn_log: int
    commitment_id: int
    other_member: Member
    other_account: Account
    admin_account: Account


def _log(s: Any, who: Member, c: Commitment, quantity: int, note: str) -> int:
    entry = fulfilment.log(s, f.as_actor(s, who), c, quantity=quantity, note=note)
    s.flush()
    return entry.id


@pytest.fixture
def queue(api_app: Flask, world: World) -> Queue:
    db = api_app.extensions["db"]
    with db.session() as s:
        author = s.merge(world.author)
        secretary = s.merge(world.secretary)
        township = s.merge(world.township)
        c = f.published(s, author, start_date=date(2026, 1, 1))
        own = f.published(s, secretary, "每周走访困难户一次", unit="户")
        author_logs = [_log(s, author, c, n, f"浇水第{n}次") for n in (1, 2, 3)]
        secretary_log = _log(s, secretary, own, 1, "走访了张大爷")
        verified = _log(s, author, c, 1, "已核实的一次")
        fulfilment.verify_log(s, f.as_actor(s, secretary), s.get_one(FulfilmentLog, verified))
        gone = f.published(s, author, "每月清理一次河道垃圾")
        withdrawn_log = _log(s, author, gone, 1, "清理河道")
        gone.status = CommitmentStatus.WITHDRAWN.value

        west = f.org(s, "branch", "西村党支部", township)
        other = f.member(s, west, "孙大姐")
        other_account = f.account(s, other, mp_openid="mp-west")
        other_c = f.published(s, other, "每月为独居老人理发一次", unit="人")
        other_log = _log(s, other, other_c, 2, "理发两人")

        admin_account = f.account(s, mp_openid="mp-admin", name="镇组织委员")
        f.grant(s, "township_admin", township, account=admin_account)
        s.commit()
        return Queue(
            author_logs=author_logs,
            secretary_log=secretary_log,
            other_branch_log=other_log,
            verified_log=verified,
            withdrawn_log=withdrawn_log,
            commitment_id=c.id,
            other_member=other,
            other_account=other_account,
            admin_account=admin_account,
        )


def _ids(body: dict[str, Any]) -> list[int]:
    return [item["id"] for item in body["items"]]


def test_secretary_sees_only_their_branch_and_not_their_own(
    api_app: Flask, api: FlaskClient, world: World, queue: Queue
) -> None:
    r = api.get(URL, headers=token_for(api_app, world.secretary_account))
    assert r.status_code == 200, r.json
    # Newest first; no verified log, no log of a withdrawn commitment, not the secretary's own,
    # nothing from the other branch.
    assert _ids(r.json) == list(reversed(queue.author_logs))
    assert (r.json["page"], r.json["per_page"], r.json["total"]) == (1, 20, 3)
    first = r.json["items"][0]
    assert first["member_name"] == "王建国"
    assert first["commitment_title"] == "每月给村东生产路树木浇水一次"
    assert first["unit"] == "次"
    assert first["org_name"] == "东村党支部"
    assert (first["quantity"], first["note"], first["verified"]) == (3, "浇水第3次", False)
    assert first["commitment_id"] == queue.commitment_id
    assert first["photos"] == []
    assert first["happened_on"] and first["created_at"]


def test_township_admin_sees_every_branch_of_the_township(
    api_app: Flask, api: FlaskClient, queue: Queue
) -> None:
    r = api.get(URL, headers=token_for(api_app, queue.admin_account))
    assert r.status_code == 200, r.json
    assert set(_ids(r.json)) == {
        *queue.author_logs,
        queue.secretary_log,
        queue.other_branch_log,
    }
    by_id = {item["id"]: item for item in r.json["items"]}
    assert by_id[queue.other_branch_log]["org_name"] == "西村党支部"
    assert by_id[queue.other_branch_log]["member_name"] == "孙大姐"
    assert by_id[queue.secretary_log]["unit"] == "户"
    assert _ids(r.json)[0] == queue.other_branch_log  # logged last


def test_verifying_removes_the_item(
    api_app: Flask, api: FlaskClient, world: World, queue: Queue
) -> None:
    headers = token_for(api_app, world.secretary_account)
    target = queue.author_logs[1]
    ok = api.post(f"/api/v1/logs/{target}/verify", headers=headers)
    assert ok.status_code == 200 and ok.json["verified"] is True
    r = api.get(URL, headers=headers)
    assert _ids(r.json) == [queue.author_logs[2], queue.author_logs[0]]
    assert r.json["total"] == 2
    # The township admin verifies the secretary's own log: gone from the admin's queue too.
    admin = token_for(api_app, queue.admin_account)
    assert api.post(f"/api/v1/logs/{queue.secretary_log}/verify", headers=admin).status_code == 200
    assert queue.secretary_log not in _ids(api.get(URL, headers=admin).json)


@pytest.mark.parametrize("who", ["author", "leader", "resident", "other_member"])
def test_plain_members_group_leaders_and_residents_get_an_empty_page(
    api_app: Flask, api: FlaskClient, world: World, queue: Queue, who: str
) -> None:
    account = {
        "author": world.author_account,
        "leader": world.leader_account,
        "resident": world.resident_a,
        "other_member": queue.other_account,
    }[who]
    r = api.get(URL, headers=token_for(api_app, account))
    assert r.status_code == 200, r.json
    assert r.json == {"items": [], "page": 1, "per_page": 20, "total": 0}


def test_login_is_required(api: FlaskClient, queue: Queue) -> None:
    r = api.get(URL)
    assert r.status_code == 401
    assert r.json["error"]["code"] == "unauthorized"


def test_pagination_and_commitment_filter(api_app: Flask, api: FlaskClient, queue: Queue) -> None:
    headers = token_for(api_app, queue.admin_account)
    pages = [
        api.get(URL, query_string={"page": n, "per_page": 2}, headers=headers).json
        for n in (1, 2, 3, 4)
    ]
    assert [p["total"] for p in pages] == [5, 5, 5, 5]
    assert [len(p["items"]) for p in pages] == [2, 2, 1, 0]
    seen = [i for p in pages for i in _ids(p)]
    assert len(seen) == len(set(seen)) == 5
    only = api.get(URL, query_string={"commitment_id": queue.commitment_id}, headers=headers).json
    assert _ids(only) == list(reversed(queue.author_logs))
    none = api.get(URL, query_string={"commitment_id": 2_000_000_000}, headers=headers).json
    assert none["total"] == 0
    for bad in ({"per_page": 0}, {"page": "x"}, {"commitment_id": "abc"}, {"commitment_id": 0}):
        r = api.get(URL, query_string=bad, headers=headers)
        assert r.status_code == 400, (bad, r.json)
        assert r.json["error"]["code"] == "invalid"


def test_photos_are_listed(api_app: Flask, api: FlaskClient, world: World, queue: Queue) -> None:
    me = token_for(api_app, world.author_account)
    photo = api.post(
        "/api/v1/uploads",
        data={"file": (io.BytesIO(jpeg_bytes()), "p.jpg")},
        headers=me,
        content_type="multipart/form-data",
    ).json
    logged = api.post(
        f"/api/v1/commitments/{queue.commitment_id}/logs",
        json={"quantity": 1, "note": "带照片", "photo_ids": [photo["id"]]},
        headers=me,
    )
    assert logged.status_code == 201, logged.json
    r = api.get(URL, headers=token_for(api_app, world.secretary_account)).json
    assert r["items"][0]["id"] == logged.json["log"]["id"]
    assert r["items"][0]["photos"] == [{"id": photo["id"], "url": photo["url"]}]


@contextmanager
def _statements(engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def on_execute(conn, cursor, statement, params, context, executemany):  # type: ignore[no-untyped-def]
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", on_execute)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)


def test_queries_do_not_grow_with_the_page(api_app: Flask, api: FlaskClient, queue: Queue) -> None:
    headers = token_for(api_app, queue.admin_account)
    engine = api_app.extensions["db"].engine
    with _statements(engine) as small:
        assert len(api.get(URL, query_string={"per_page": 1}, headers=headers).json["items"]) == 1
    with _statements(engine) as large:
        assert len(api.get(URL, query_string={"per_page": 5}, headers=headers).json["items"]) == 5
    assert len(large) == len(small)
