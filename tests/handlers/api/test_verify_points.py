"""核实 → 先锋指数: only the branch verifies, only verified logs earn points, once."""

from __future__ import annotations

from datetime import date

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from models import PointsEntry
from tests import factories as f

from .conftest import World, token_for


def test_secretary_verifies_a_log_and_points_follow_once(
    api_app: Flask, api: FlaskClient, world: World
) -> None:
    db = api_app.extensions["db"]
    with db.session() as s:
        c = f.published(s, s.merge(world.author), start_date=date(2026, 1, 1))
        cid = c.id
    logged = api.post(f"/api/v1/commitments/{cid}/logs", json={"quantity": 2, "note": "浇水"},
                      headers=token_for(api_app, world.author_account))  # fmt: skip
    assert logged.status_code == 201, logged.json
    log_id = logged.json["log"]["id"]
    assert logged.json["log"]["verified"] is False

    # The member cannot verify their own log; a stranger gets nothing either.
    own = api.post(
        f"/api/v1/logs/{log_id}/verify", headers=token_for(api_app, world.author_account)
    )
    assert own.status_code == 403
    assert own.json["error"]["code"] == "forbidden"
    stranger = api.post(f"/api/v1/logs/{log_id}/verify",
                        headers=token_for(api_app, world.resident_a))  # fmt: skip
    assert stranger.status_code in (403, 404)
    with db.session() as s:
        assert s.scalar(select(func.count(PointsEntry.id))) == 0  # unverified earns nothing

    for _ in range(2):  # verifying twice is harmless
        ok = api.post(f"/api/v1/logs/{log_id}/verify",
                      headers=token_for(api_app, world.secretary_account))  # fmt: skip
        assert ok.status_code == 200, ok.json
        assert ok.json["verified"] is True
    with db.session() as s:
        entries = s.scalars(select(PointsEntry)).all()
    assert [(e.member_id, e.rule, e.points) for e in entries] == [
        (world.author.id, "verified_log", api_app.config["SETTINGS"].points.rules["verified_log"])
    ]
    assert "每月给村东生产路树木浇水一次" in entries[0].reason


def test_verifying_a_missing_log_is_404(api_app: Flask, api: FlaskClient, world: World) -> None:
    r = api.post("/api/v1/logs/999999/verify", headers=token_for(api_app, world.secretary_account))
    assert r.status_code == 404
    assert r.json["error"]["message"]


def test_member_edits_and_deletes_own_log_within_the_window(
    api_app: Flask, api: FlaskClient, world: World
) -> None:
    db = api_app.extensions["db"]
    with db.session() as s:
        cid = f.published(s, s.merge(world.author), start_date=date(2026, 1, 1)).id
    me = token_for(api_app, world.author_account)
    log_id = api.post(f"/api/v1/commitments/{cid}/logs", json={"quantity": 1, "note": "浇水"},
                      headers=me).json["log"]["id"]  # fmt: skip
    edited = api.patch(
        f"/api/v1/logs/{log_id}", json={"quantity": 3, "note": "浇了三遍"}, headers=me
    )
    assert edited.status_code == 200 and (edited.json["quantity"], edited.json["note"]) == (
        3,
        "浇了三遍",
    )
    other = api.patch(f"/api/v1/logs/{log_id}", json={"quantity": 9},
                      headers=token_for(api_app, world.leader_account))  # fmt: skip
    assert other.status_code == 403
    bad = api.patch(f"/api/v1/logs/{log_id}", json={"quantity": 0}, headers=me)
    assert bad.status_code == 400 and "quantity" in bad.json["error"]["fields"]
    # Once verified by the branch, it can no longer be changed.
    api.post(f"/api/v1/logs/{log_id}/verify", headers=token_for(api_app, world.secretary_account))
    locked = api.delete(f"/api/v1/logs/{log_id}", headers=me)
    assert locked.status_code == 409 and "核实" in locked.json["error"]["message"]
    second = api.post(f"/api/v1/commitments/{cid}/logs", json={"quantity": 1}, headers=me).json
    assert api.delete(f"/api/v1/logs/{second['log']['id']}", headers=me).status_code == 204
    listed = api.get(f"/api/v1/commitments/{cid}/logs", headers=me).json
    assert [item["id"] for item in listed["items"]] == [log_id]
