"""What the mini-program's new pages read: the 群众销账 button's logs on a member card (only
the resident served), the member's 待办 list (the service's query: the member's own and,
for a secretary, the branch's), and whom a request may be handed to."""

from __future__ import annotations

from datetime import date

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from models import Account, Request
from tests import factories as f

from .conftest import World, token_for


def _served(api_app: Flask, world: World) -> Account:
    with api_app.extensions["db"].session() as s:
        home = f.household(s, s.merge(world.branch), linked=[s.merge(world.author)])
        return f.account(s, household=home, mp_openid="mp-served", name="刘大妈")


def _log(api_app: Flask, api: FlaskClient, world: World) -> int:
    with api_app.extensions["db"].session() as s:
        c = f.published(s, s.merge(world.author), start_date=date(2026, 1, 1)).id
    r = api.post(
        f"/api/v1/commitments/{c}/logs",
        json={"quantity": 1, "note": "给树浇水"},
        headers=token_for(api_app, world.author_account),
    )
    assert r.status_code == 201, r.json
    return int(r.json["log"]["id"])


def test_only_the_resident_served_gets_the_sign_off_button(
    api_app: Flask, api: FlaskClient, world: World
) -> None:
    served = _served(api_app, world)
    log_id = _log(api_app, api, world)
    url = f"/api/v1/members/{world.author.public_code}/sign-offs"
    card = api.get(f"/api/v1/members/{world.author.public_code}/card").json
    assert [x["id"] for x in card["logs"]] == [log_id]

    assert api.get(url).status_code == 401
    for someone in (world.resident_a, world.author_account, world.secretary_account):
        r = api.get(url, headers=token_for(api_app, someone))
        assert r.status_code == 200 and r.json == {"confirmable": [], "rated": []}
    mine = api.get(url, headers=token_for(api_app, served))
    assert mine.json == {"confirmable": [log_id], "rated": []}

    ok = api.post(
        f"/api/v1/logs/{log_id}/confirm",
        json={"rating": "basically_satisfied"},
        headers=token_for(api_app, served),
    )
    assert ok.status_code == 200, ok.json
    after = api.get(url, headers=token_for(api_app, served)).json
    assert after["confirmable"] == [log_id]
    assert after["rated"] == [
        {"log_id": log_id, "rating": "basically_satisfied", "rating_label": "基本满意"}
    ]
    assert (
        api.get("/api/v1/members/NOPE/sign-offs", headers=token_for(api_app, served)).status_code
        == 404
    )


def _request(api_app: Flask, api: FlaskClient, world: World, member_code: str | None) -> int:
    body = {"kind": "problem", "text": "三组路口的路灯坏了", "location": "三组"}
    if member_code:
        body["member_code"] = member_code
    else:
        body["branch_id"] = world.branch.id
    r = api.post("/api/v1/requests", json=body, headers=token_for(api_app, world.resident_a))
    assert r.status_code == 201, r.json
    return int(r.json["id"])


def test_the_inbox_lists_mine_and_the_secretary_sees_the_branch(
    api_app: Flask, api: FlaskClient, world: World
) -> None:
    to_author = _request(api_app, api, world, world.author.public_code)
    to_branch = _request(api_app, api, world, None)

    def ids(account: Account) -> list[int]:
        r = api.get("/api/v1/requests/assigned", headers=token_for(api_app, account))
        assert r.status_code == 200, r.json
        assert all("overdue" in x for x in r.json["items"])
        return [x["id"] for x in r.json["items"]]

    assert ids(world.author_account) == [to_author]
    assert sorted(ids(world.secretary_account)) == sorted([to_author, to_branch])
    assert ids(world.resident_a) == []
    assert ids(world.leader_account) == []


def test_transfer_candidates_are_the_branch_members_but_the_holder(
    api_app: Flask, api: FlaskClient, world: World
) -> None:
    rid = _request(api_app, api, world, world.author.public_code)
    url = f"/api/v1/requests/{rid}/candidates"
    r = api.get(url, headers=token_for(api_app, world.author_account))
    assert r.status_code == 200, r.json
    names = {x["name"] for x in r.json["items"]}
    assert names == {world.leader.name, world.secretary.name}
    assert api.get(url, headers=token_for(api_app, world.secretary_account)).status_code == 200
    # the resident who asked may see the request but not hand it over
    refused = api.get(url, headers=token_for(api_app, world.resident_a))
    assert refused.status_code == 403 and "转交" in refused.json["error"]["message"]
    # the secretary hands it to the leader through the existing endpoint
    leader_id = next(x["id"] for x in r.json["items"] if x["name"] == world.leader.name)
    moved = api.post(
        f"/api/v1/requests/{rid}/transfer",
        json={"member_id": leader_id, "reason": "李小组就住在三组"},
        headers=token_for(api_app, world.secretary_account),
    )
    assert moved.status_code == 200, moved.json
    assert moved.json["assignee"]["name"] == world.leader.name
    with api_app.extensions["db"].session() as s:
        req = s.scalar(select(Request).where(Request.id == rid))
        assert req is not None and req.assignee_member_id == leader_id


def test_my_mutual_sheet_lists_the_others_with_what_i_gave(
    api_app: Flask, api: FlaskClient, world: World
) -> None:
    me = token_for(api_app, world.author_account)
    sheet = api.get("/api/v1/me/mutual?period=2026H1", headers=me)
    assert sheet.status_code == 200, sheet.json
    assert sheet.json["period"] == "2026H1"
    assert [c["label"] for c in sheet.json["choices"]] == ["好", "较好", "一般", "差"]
    rows = {r["member_name"]: r for r in sheet.json["items"]}
    assert set(rows) == {world.leader.name, world.secretary.name}  # never myself
    assert all(r["rating"] is None for r in rows.values())
    given = api.post(
        f"/api/v1/members/{world.leader.id}/mutual",
        json={"period": "2026H1", "rating": "fair"},
        headers=me,
    )
    assert given.status_code == 200, given.json
    again = api.get("/api/v1/me/mutual?period=2026H1", headers=me).json
    rows = {r["member_name"]: r for r in again["items"]}
    assert rows[world.leader.name]["rating_label"] == "较好"
    assert rows[world.secretary.name]["rating"] is None
    # another half year starts empty; residents are refused in Chinese
    other = api.get("/api/v1/me/mutual?period=2026H2", headers=me).json
    assert all(r["rating"] is None for r in other["items"])
    refused = api.get("/api/v1/me/mutual", headers=token_for(api_app, world.resident_a))
    assert refused.status_code == 403 and "党员" in refused.json["error"]["message"]
    bad = api.get("/api/v1/me/mutual?period=2026-1", headers=me)
    assert bad.status_code == 400 and "period" in bad.json["error"]["fields"]


def test_the_demand_list_is_for_the_branch_only(
    api_app: Flask, api: FlaskClient, world: World
) -> None:
    rid = _request(api_app, api, world, None)
    url = f"/api/v1/orgs/{world.branch.id}/demands"
    listed = api.get(url, headers=token_for(api_app, world.author_account))
    assert listed.status_code == 200 and [x["id"] for x in listed.json["items"]] == [rid]
    assert api.get(url, headers=token_for(api_app, world.secretary_account)).status_code == 200
    refused = api.get(url, headers=token_for(api_app, world.resident_a))
    assert refused.status_code == 403 and "需求清单" in refused.json["error"]["message"]
    assert (
        api.get(
            "/api/v1/orgs/2147483647/demands", headers=token_for(api_app, world.author_account)
        ).status_code
        == 404
    )
