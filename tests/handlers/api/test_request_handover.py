"""Issue 12 item 3: a request in progress with one member cannot be taken over by another
member's claim; it changes hands only by a transfer, which is on the timeline."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from .conftest import World, token_for


def _submit(app: Flask, api: FlaskClient, world: World) -> int:
    r = api.post(
        "/api/v1/requests",
        json={"kind": "problem", "text": "村东路灯坏了", "branch_id": world.branch.id},
        headers=token_for(app, world.resident_a),
    )
    assert r.status_code == 201, r.json
    return int(r.json["id"])


def test_a_second_members_claim_of_a_request_in_progress_is_refused(
    api_app: Flask, api: FlaskClient, world: World
) -> None:
    rid = _submit(api_app, api, world)
    author, leader = (
        token_for(api_app, world.author_account),
        token_for(api_app, world.leader_account),
    )
    assert api.post(f"/api/v1/requests/{rid}/claim", headers=author).status_code == 200
    r = api.post(f"/api/v1/requests/{rid}/reply", json={"text": "明天上午去修"}, headers=author)
    assert r.status_code == 200 and r.json["status"] == "in_progress"

    taken = api.post(f"/api/v1/requests/{rid}/claim", headers=leader)
    assert taken.status_code == 409, taken.json
    assert "不能认领" in taken.json["error"]["message"]
    # nothing changed hands: the holder still sees it, the other member still does not
    mine = api.get(f"/api/v1/requests/{rid}", headers=author)
    assert mine.status_code == 200 and mine.json["assignee"]["name"] == "王建国"
    assert api.get(f"/api/v1/requests/{rid}", headers=leader).status_code == 404


def test_a_request_held_by_the_secretary_cannot_be_claimed(
    api_app: Flask, api: FlaskClient, world: World
) -> None:
    rid = _submit(api_app, api, world)
    secretary = token_for(api_app, world.secretary_account)
    assert api.post(f"/api/v1/requests/{rid}/claim", headers=secretary).status_code == 200
    r = api.post(f"/api/v1/requests/{rid}/claim", headers=token_for(api_app, world.author_account))
    assert r.status_code == 409 and "赵书记" in r.json["error"]["message"]


def test_transfer_hands_a_request_over_and_is_on_the_timeline(
    api_app: Flask, api: FlaskClient, world: World
) -> None:
    rid = _submit(api_app, api, world)
    author, leader = (
        token_for(api_app, world.author_account),
        token_for(api_app, world.leader_account),
    )
    secretary = token_for(api_app, world.secretary_account)
    assert api.post(f"/api/v1/requests/{rid}/claim", headers=author).status_code == 200
    # someone who does not hold it may not give it away (nor even see it)
    r = api.post(
        f"/api/v1/requests/{rid}/transfer", json={"member_id": world.leader.id}, headers=leader
    )
    assert r.status_code == 404
    # the body is required and checked
    assert api.post(f"/api/v1/requests/{rid}/transfer", headers=author).status_code == 400
    r = api.post(f"/api/v1/requests/{rid}/transfer", json={"member_id": None, "reason": "外出几天"},
                 headers=author)  # fmt: skip
    assert r.status_code == 200 and r.json["assignee"] is None
    assert api.post(f"/api/v1/requests/{rid}/claim", headers=leader).status_code == 200
    assert api.get(f"/api/v1/requests/{rid}", headers=author).status_code == 404
    r = api.post(f"/api/v1/requests/{rid}/transfer", json={"member_id": world.author.id},
                 headers=secretary)  # fmt: skip
    assert r.status_code == 200 and r.json["assignee"]["name"] == "王建国"
    detail = api.get(f"/api/v1/requests/{rid}", headers=author).json
    transfers = [e["note"] for e in detail["timeline"] if e["action"] == "transferred"]
    assert transfers == ["由党员王建国转回东村党支部，本支部党员均可认领：外出几天",
                         "由党员李小组转交给党员王建国"]  # fmt: skip
