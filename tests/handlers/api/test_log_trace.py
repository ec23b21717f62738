"""Over the API: a 不满意 sign-off does not verify a log nor earn points; editing, deleting and
verifying logs show on the commitment's timeline with who did it and what changed."""

from __future__ import annotations

from datetime import date

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from models import PointsEntry
from tests import factories as f

from .conftest import World, token_for


def _setup(api_app: Flask, world: World) -> tuple[int, int]:
    with api_app.extensions["db"].session() as s:
        author = s.merge(world.author)
        cid = f.published(s, author, start_date=date(2026, 1, 1)).id
        home = f.household(s, s.merge(world.branch), linked=[author])
        served = f.account(s, household=home, mp_openid="mp-served", name="刘大妈")
        return cid, served.id


def test_an_unsatisfied_sign_off_does_not_verify(
    api_app: Flask, api: FlaskClient, world: World
) -> None:
    cid, served_id = _setup(api_app, world)
    me = token_for(api_app, world.author_account)
    log_id = api.post(f"/api/v1/commitments/{cid}/logs", json={"quantity": 2, "note": "浇水"},
                      headers=me).json["log"]["id"]  # fmt: skip
    with api_app.extensions["db"].session() as s:
        from models import Account

        served = s.get_one(Account, served_id)
    r = api.post(f"/api/v1/logs/{log_id}/confirm", json={"rating": "unsatisfied"},
                 headers=token_for(api_app, served))  # fmt: skip
    assert r.status_code == 200, r.json
    assert r.json["log"]["verified"] is False and r.json["evaluation"]["rating"] == "unsatisfied"
    with api_app.extensions["db"].session() as s:
        assert s.scalar(select(func.count(PointsEntry.id))) == 0
    timeline = api.get(f"/api/v1/commitments/{cid}", headers=me).json["timeline"]
    assert timeline[-1]["label"] == "群众评价践诺" and timeline[-1]["actor"] == "刘**"
    assert "不满意" in timeline[-1]["note"]


def test_edits_deletions_and_verifications_are_on_the_timeline(
    api_app: Flask, api: FlaskClient, world: World
) -> None:
    cid, _served = _setup(api_app, world)
    me = token_for(api_app, world.author_account)
    first = api.post(f"/api/v1/commitments/{cid}/logs", json={"quantity": 3, "note": "浇水"},
                     headers=me).json["log"]["id"]  # fmt: skip
    second = api.post(f"/api/v1/commitments/{cid}/logs", json={"quantity": 1},
                      headers=me).json["log"]["id"]  # fmt: skip
    assert api.patch(f"/api/v1/logs/{first}", json={"quantity": 8}, headers=me).status_code == 200
    assert api.delete(f"/api/v1/logs/{second}", headers=me).status_code == 204
    ok = api.post(f"/api/v1/logs/{first}/verify",
                  headers=token_for(api_app, world.secretary_account))  # fmt: skip
    assert ok.status_code == 200
    timeline = api.get(f"/api/v1/commitments/{cid}", headers=me).json["timeline"]
    logs = [(e["label"], e["actor"], e["note"]) for e in timeline if "践诺记录" in e["label"]]
    assert [(label, actor) for label, actor, _n in logs] == [
        ("修改践诺记录", world.author.name),
        ("删除践诺记录", world.author.name),
        ("核实践诺记录", world.secretary.name),
    ]
    assert "数量 3次 → 8次" in logs[0][2] and "1次" in logs[1][2] and "8次" in logs[2][2]
