"""Object-level authorisation: guessing ids, self-approval, fields a client may not set."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from models import Commitment, Organisation, PointsEntry, Request
from tests import factories as f

from .conftest import COMMITMENT, World, token_for


def _submit_request(api: FlaskClient, app: Flask, who, text: str = "村东路灯坏了三天了") -> dict:
    r = api.post(
        "/api/v1/requests",
        json={"kind": "problem", "text": text, "location": "村东"},
        headers=token_for(app, who),
    )
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def test_resident_cannot_read_or_change_another_residents_request(
    api: FlaskClient, api_app: Flask, world: World
) -> None:
    mine = _submit_request(
        api, api_app, world.resident_a, "我家门口的下水道堵了，姓名张三电话13800001111"
    )
    b = token_for(api_app, world.resident_b)
    rid = mine["id"]
    r = api.get(f"/api/v1/requests/{rid}", headers=b)
    assert r.status_code == 404
    body = r.get_data(as_text=True)
    assert "下水道" not in body and "13800001111" not in body and mine["number"] not in body
    assert r.get_json()["error"]["code"] == "not_found"
    for action, payload in [
        ("confirm", None),
        ("reopen", {"reason": "没有修好"}),
        ("rate", {"rating": "unsatisfied"}),
        ("reply", {"text": "我来答复"}),
        ("resolve", {"resolution": "done"}),
        ("claim", None),
    ]:
        r = api.post(f"/api/v1/requests/{rid}/{action}", json=payload or {}, headers=b)
        assert r.status_code in (403, 404), (action, r.status_code)
        assert "下水道" not in r.get_data(as_text=True)
    # B's own list does not contain A's request; A still sees it untouched
    listing = api.get("/api/v1/requests/mine", headers=b).get_json()
    assert listing["total"] == 0 and listing["items"] == []
    a = api.get(f"/api/v1/requests/{rid}", headers=token_for(api_app, world.resident_a)).get_json()
    assert a["status"] == mine["status"] and a["rating"] is None
    assert [e["action"] for e in a["timeline"]] == [
        e["action"] for e in a["timeline"] if e["action"] in ("created", "assigned")
    ]


def test_resident_guessing_neighbouring_ids_finds_nothing(
    api: FlaskClient, api_app: Flask, world: World
) -> None:
    created = [
        _submit_request(api, api_app, world.resident_a, f"第{i}件事情需要处理") for i in range(3)
    ]
    b = token_for(api_app, world.resident_b)
    for rid in range(1, max(c["id"] for c in created) + 3):
        assert api.get(f"/api/v1/requests/{rid}", headers=b).status_code == 404
    assert api.get("/api/v1/requests/99999999999999999999", headers=b).status_code == 404


def test_member_cannot_approve_own_commitment(
    api: FlaskClient, api_app: Flask, world: World
) -> None:
    # Two secretaries: the one who writes a commitment may not approve it at branch level.
    with api_app.extensions["db"].session() as s:
        deputy = f.member(s, s.get(Organisation, world.branch.id), "钱副书记")
        f.grant(s, "secretary", s.get(Organisation, world.branch.id), member=deputy)
        deputy_account = f.account(s, deputy, mp_openid="mp-deputy")
    sec = token_for(api_app, world.secretary_account)
    r = api.post("/api/v1/commitments", json=COMMITMENT, headers=sec)
    assert r.status_code == 201, r.get_json()
    cid = r.get_json()["id"]
    r = api.post(f"/api/v1/commitments/{cid}/submit", headers=sec)
    assert r.status_code == 200
    status = r.get_json()["status"]
    assert status == "pending_branch"
    r = api.post(f"/api/v1/commitments/{cid}/review", json={"decision": "approve"}, headers=sec)
    assert r.status_code == 403
    assert r.get_json()["error"]["code"] == "forbidden"
    queue = api.get("/api/v1/reviews/queue", headers=sec).get_json()
    assert cid not in [c["id"] for c in queue["items"]]
    with api_app.extensions["db"].session() as s:
        assert s.get(Commitment, cid).status == status
    r = api.post(
        f"/api/v1/commitments/{cid}/review",
        json={"decision": "approve"},
        headers=token_for(api_app, deputy_account),
    )
    assert r.status_code == 200 and r.get_json()["status"] == "published"


def test_review_chain_through_the_api(api: FlaskClient, api_app: Flask, world: World) -> None:
    author = token_for(api_app, world.author_account)
    cid = api.post("/api/v1/commitments", json=COMMITMENT, headers=author).get_json()["id"]
    assert (
        api.post(f"/api/v1/commitments/{cid}/submit", headers=author).get_json()["status"]
        == "pending_group"
    )
    # the author cannot review; the leader sees it in the queue and approves
    assert (
        api.post(
            f"/api/v1/commitments/{cid}/review", json={"decision": "approve"}, headers=author
        ).status_code
        == 403
    )
    leader = token_for(api_app, world.leader_account)
    queue = api.get("/api/v1/reviews/queue", headers=leader).get_json()
    assert [c["id"] for c in queue["items"]] == [cid]
    r = api.post(f"/api/v1/commitments/{cid}/review", json={"decision": "approve"}, headers=leader)
    assert r.get_json()["status"] == "pending_branch"
    sec = token_for(api_app, world.secretary_account)
    r = api.post(f"/api/v1/commitments/{cid}/review", json={"decision": "reject"}, headers=sec)
    assert r.status_code == 400 and "reason" in r.get_json()["error"]["fields"]
    r = api.post(
        f"/api/v1/commitments/{cid}/review",
        json={"decision": "reject", "reason": "请写明浇水的具体路段"},
        headers=sec,
    )
    assert r.get_json()["status"] == "draft"
    detail = api.get(f"/api/v1/commitments/{cid}", headers=author).get_json()
    assert detail["last_rejection_reason"] == "请写明浇水的具体路段"
    assert detail["can"]["edit"] is True
    # a draft is not visible to a resident
    assert (
        api.get(
            f"/api/v1/commitments/{cid}", headers=token_for(api_app, world.resident_a)
        ).status_code
        == 404
    )
    assert api.get(f"/api/v1/commitments/{cid}").status_code == 404


def test_fields_a_client_may_not_set_are_refused_and_never_stored(
    api: FlaskClient, api_app: Flask, world: World
) -> None:
    author = token_for(api_app, world.author_account)
    forged = {**COMMITMENT, "status": "published", "owner_id": world.secretary.id, "points": 999}
    r = api.post("/api/v1/commitments", json=forged, headers=author)
    assert r.status_code == 400
    fields = r.get_json()["error"]["fields"]
    assert set(fields) == {"status", "owner_id", "points"}
    assert all("系统" in msg for msg in fields.values())
    with api_app.extensions["db"].session() as s:
        assert s.scalars(select(Commitment)).all() == []

    cid = api.post("/api/v1/commitments", json=COMMITMENT, headers=author).get_json()["id"]
    for forged_patch in (
        {"status": "published"},
        {"member_id": world.secretary.id},
        {"org_id": world.township.id},
        {"points": 5},
        {"reviewer": "李小组"},
    ):
        r = api.patch(f"/api/v1/commitments/{cid}", json=forged_patch, headers=author)
        assert r.status_code == 400, forged_patch
        assert list(r.get_json()["error"]["fields"]) == list(forged_patch)
    rid = _submit_request(api, api_app, world.resident_a)["id"]
    a = token_for(api_app, world.resident_a)
    r = api.post(
        "/api/v1/requests",
        json={
            "kind": "wish",
            "text": "想要一个乒乓球台",
            "status": "confirmed",
            "org_id": world.township.id,
        },
        headers=a,
    )
    assert r.status_code == 400 and set(r.get_json()["error"]["fields"]) == {"status", "org_id"}
    with api_app.extensions["db"].session() as s:
        c = s.get(Commitment, cid)
        assert (c.status, c.member_id, c.org_id) == ("draft", world.author.id, world.branch.id)
        assert s.scalars(select(PointsEntry)).all() == []
        assert [r.id for r in s.scalars(select(Request))] == [rid]
        assert s.get(Request, rid).status == "submitted"


def test_demand_list_hides_residents_and_is_for_the_branch(
    api: FlaskClient, api_app: Flask, world: World
) -> None:
    # a resident scanning the author's code submits to that branch
    r = api.post(
        "/api/v1/requests",
        json={
            "kind": "wish",
            "text": "想请人帮忙修自行车",
            "member_code": world.author.public_code,
        },
        headers=token_for(api_app, world.resident_a),
    )
    assert r.status_code == 201
    rid = r.get_json()["id"]
    demands = api.get(
        f"/api/v1/orgs/{world.branch.id}/demands", headers=token_for(api_app, world.leader_account)
    )
    assert demands.status_code == 200
    body = demands.get_json()
    assert [d["id"] for d in body["items"]] == [rid]
    assert "居民甲" not in demands.get_data(as_text=True)
    assert (
        api.get(
            f"/api/v1/orgs/{world.branch.id}/demands", headers=token_for(api_app, world.resident_b)
        ).status_code
        == 403
    )
    # it is the author's: another member of the branch may not claim it away from them …
    leader = token_for(api_app, world.leader_account)
    assert api.post(f"/api/v1/requests/{rid}/claim", headers=leader).status_code == 409
    # … until the author hands it back to the branch's list; then they claim and answer it
    author = token_for(api_app, world.author_account)
    r = api.post(f"/api/v1/requests/{rid}/transfer", json={"member_id": None}, headers=author)
    assert r.status_code == 200, r.get_json()
    r = api.post(f"/api/v1/requests/{rid}/claim", headers=leader)
    assert r.status_code == 200 and r.get_json()["status"] == "claimed"
    r = api.post(f"/api/v1/requests/{rid}/resolve", json={"resolution": "done"}, headers=leader)
    assert r.get_json()["status"] == "resolved"
    a = token_for(api_app, world.resident_a)
    detail = api.get(f"/api/v1/requests/{rid}", headers=a).get_json()
    assert detail["can"]["confirm"] and detail["can"]["rate"] and not detail["can"]["resolve"]
    r = api.post(f"/api/v1/requests/{rid}/rate", json={"rating": "satisfied"}, headers=a)
    assert r.get_json()["rating"] == "satisfied"
    r = api.post(f"/api/v1/requests/{rid}/confirm", headers=a)
    assert r.get_json()["status"] == "confirmed"


def test_resident_picks_a_village(api: FlaskClient, api_app: Flask, world: World) -> None:
    a = token_for(api_app, world.resident_a)
    r = api.post(
        "/api/v1/requests",
        json={"kind": "problem", "text": "村口路灯不亮", "branch_id": world.branch.id},
        headers=a,
    )
    assert r.status_code == 201
    assert r.get_json()["status"] == "assigned" and r.get_json()["org_name"] == "东村党支部"
    r = api.post(
        "/api/v1/requests",
        json={"kind": "problem", "text": "村口路灯不亮", "branch_id": world.township.id},
        headers=a,
    )
    assert r.status_code == 400 and "branch_id" in r.get_json()["error"]["fields"]
