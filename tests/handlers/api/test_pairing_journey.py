"""Must show (issue 13, 2): 结对共建. An organ branch paired with a village drafts a pledge to
it, the township reviews it, it shows on the village's wall (HTML and JSON) and board under
结对共建, a member of the organ branch logs it and a resident of the village signs it off."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from models import Commitment, FulfilmentLog
from tests import factories as f

from .conftest import COMMITMENT, build_app, token_for


@pytest.fixture
def app(db_url: str, tmp_path: Path) -> Flask:
    application = build_app(
        db_url, tmp_path, app={"secret_key": "test-secret-key"}, api={"public_cache_seconds": 0}
    )
    yield application
    application.extensions["db"].dispose()


def _pledge(**kw: object) -> dict[str, object]:
    return {
        **COMMITMENT,
        "title": "每季度为东村开展一次政策宣讲",
        "beneficiary": "东村群众",
        "target_kind": "count",
        "target_quantity": 4,
        "unit": "次",
        **kw,
    }


def test_organ_pledge_to_paired_village_shows_is_logged_and_signed_off(app: Flask) -> None:
    db = app.extensions["db"]
    with db.session() as s:
        t = f.tree(s)
        village = t["branch"]
        village.code = "dongcun"
        organ = f.org(s, "branch", "镇财政所机关党支部", t["township"], code="organ-1")
        other_village = f.org(s, "branch", "西村党支部", t["township"], code="xicun")
        organ_secretary = f.member(s, organ, "周书记")
        f.grant(s, "secretary", organ, member=organ_secretary)
        organ_member = f.member(s, organ, "吴干部")
        admin = f.account(s, mp_openid="mp-admin", name="街镇管理员")
        f.grant(s, "township_admin", t["township"], account=admin)
        village_member = f.member(s, village, "张卫东")
        resident = f.account(
            s, household=f.household(s, village, linked=[village_member]), mp_openid="mp-dc"
        )
        outsider = f.account(s, household=f.household(s, other_village), mp_openid="mp-xc")
        accounts = {
            "secretary": f.account(s, organ_secretary, mp_openid="mp-organ-sec"),
            "member": f.account(s, organ_member, mp_openid="mp-organ-m"),
            "admin": admin,
            "resident": resident,
            "outsider": outsider,
        }
        organ_id, village_id, organ_member_id = organ.id, village.id, organ_member.id
    api = app.test_client()
    h = {k: token_for(app, a) for k, a in accounts.items()}
    body = _pledge(owner_kind="branch", org_id=organ_id, partner_org_id=village_id)

    # not paired yet: refused, and nothing is created
    r = api.post("/api/v1/commitments", json=body, headers=h["secretary"])
    assert r.status_code == 409 and "结对" in r.get_json()["error"]["message"]
    runner = app.test_cli_runner()
    paired = runner.invoke(args=["roster", "pair", "--organ", "organ-1", "--village", "dongcun"])
    assert paired.exit_code == 0 and "结对共建" in paired.output
    # a plain member of the organ branch may not draft the branch's pledge
    r = api.post("/api/v1/commitments", json=body, headers=h["member"])
    assert r.status_code == 403

    r = api.post("/api/v1/commitments", json=body, headers=h["secretary"])
    assert r.status_code == 201, r.get_json()
    pledge = r.get_json()
    assert pledge["owner_kind"] == "branch" and pledge["org_id"] == organ_id
    assert pledge["partner_org_id"] == village_id and pledge["status"] == "draft"
    cid = pledge["id"]
    r = api.post(f"/api/v1/commitments/{cid}/submit", headers=h["secretary"])
    assert r.status_code == 200 and r.get_json()["status"] == "pending_township"
    # not public before the township's review
    wall = api.get(f"/api/v1/orgs/{village_id}/wall").get_json()
    assert wall["partners"] == []
    r = api.post(
        f"/api/v1/commitments/{cid}/review", json={"decision": "approve"}, headers=h["admin"]
    )
    assert r.status_code == 200 and r.get_json()["status"] == "published"

    # the village's wall, HTML and JSON, and its board: under 结对共建
    page = api.get("/o/dongcun/wall").get_data(as_text=True)
    section = page[page.index("<h2>结对共建</h2>") :]
    assert "镇财政所机关党支部" in section and "每季度为东村开展一次政策宣讲" in section
    wall = api.get(f"/api/v1/orgs/{village_id}/wall").get_json()
    assert wall["branch_commitments"] == []
    assert [(p["heading"], p["org_name"]) for p in wall["partners"]] == [
        ("结对共建", "镇财政所机关党支部")
    ]
    assert [c["id"] for c in wall["partners"][0]["commitments"]] == [cid]
    board = api.get(f"/api/v1/orgs/{village_id}/board").get_json()
    assert [(p["name"], p["commitments"]) for p in board["partners"]] == [("镇财政所机关党支部", 1)]
    assert "结对共建" in api.get("/o/dongcun/board").get_data(as_text=True)
    # the other village does not show it
    assert "镇财政所" not in api.get("/o/xicun/wall").get_data(as_text=True)

    # a member of the organ branch logs it
    r = api.post(
        f"/api/v1/commitments/{cid}/logs",
        json={"quantity": 1, "note": "在东村文化礼堂宣讲惠农政策"},
        headers=h["member"],
    )
    assert r.status_code == 201, r.get_json()
    log_id = r.get_json()["log"]["id"]
    assert r.get_json()["progress"]["done"] == 1

    # a resident of another village may not sign it off; the village's resident does
    r = api.post(
        f"/api/v1/logs/{log_id}/confirm", json={"rating": "satisfied"}, headers=h["outsider"]
    )
    assert r.status_code == 403
    r = api.post(
        f"/api/v1/logs/{log_id}/confirm", json={"rating": "satisfied"}, headers=h["resident"]
    )
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["log"]["verified"] is True
    with db.session() as s:
        entry = s.get_one(FulfilmentLog, log_id)
        assert entry.member_id == organ_member_id and entry.verified_at is not None
        c = s.scalar(select(Commitment).where(Commitment.id == cid))
        assert c is not None and c.partner_org_id == village_id


def test_pairing_ends_and_member_pledges_cannot_be_partner_pledges(app: Flask) -> None:
    db = app.extensions["db"]
    with db.session() as s:
        t = f.tree(s)
        t["branch"].code = "dongcun"
        organ = f.org(s, "branch", "县委办机关党支部", None, code="organ-out")  # outside the tree
        m = f.member(s, organ, "陈干部")
        account = f.account(s, m, mp_openid="mp-out")
        village_id = t["branch"].id
    runner = app.test_cli_runner()
    paired = runner.invoke(args=["roster", "pair", "--organ", "organ-out", "--village", "dongcun"])
    assert paired.exit_code == 0, paired.output
    api = app.test_client()
    r = api.post(
        "/api/v1/commitments",
        json=_pledge(partner_org_id=village_id),
        headers=token_for(app, account),
    )
    assert r.status_code == 400
    end = runner.invoke(
        args=["roster", "pair", "--organ", "organ-out", "--village", "dongcun", "--end"]
    )
    assert end.exit_code == 0 and "已解除" in end.output
    again = runner.invoke(
        args=["roster", "pair", "--organ", "organ-out", "--village", "dongcun", "--end"]
    )
    assert again.exit_code != 0 and "没有结对共建" in again.output


def test_pledge_of_an_organ_outside_the_tree_is_reviewed_by_the_villages_township(
    app: Flask,
) -> None:
    db = app.extensions["db"]
    with db.session() as s:
        t = f.tree(s)
        organ = f.org(s, "branch", "县财政局机关党支部", None, code="county-organ")
        secretary = f.member(s, organ, "钱书记")
        f.grant(s, "secretary", organ, member=secretary)
        admin = f.account(s, mp_openid="mp-admin-2", name="街镇管理员")
        f.grant(s, "township_admin", t["township"], account=admin)
        sec_account = f.account(s, secretary, mp_openid="mp-county-sec")
        organ_id, village_id, village_code = organ.id, t["branch"].id, t["branch"].code
    assert (
        app.test_cli_runner()
        .invoke(args=["roster", "pair", "--organ", "county-organ", "--village", village_code])
        .exit_code
        == 0
    )
    api = app.test_client()
    body = _pledge(owner_kind="branch", org_id=organ_id, partner_org_id=village_id)
    cid = api.post(
        "/api/v1/commitments", json=body, headers=token_for(app, sec_account)
    ).get_json()["id"]
    r = api.post(f"/api/v1/commitments/{cid}/submit", headers=token_for(app, sec_account))
    assert r.get_json()["status"] == "pending_township"  # not published without review
    r = api.post(
        f"/api/v1/commitments/{cid}/review",
        json={"decision": "approve"},
        headers=token_for(app, admin),
    )
    assert r.status_code == 200 and r.get_json()["status"] == "published"
    wall = api.get(f"/api/v1/orgs/{village_id}/wall").get_json()
    assert wall["partners"][0]["org_name"] == "县财政局机关党支部"


def test_secretary_drafts_the_branchs_own_pledge_reviewed_by_the_township(app: Flask) -> None:
    """双承诺: the branch's own pledge, drafted in the mini-program, skips branch review and
    waits for the township."""
    db = app.extensions["db"]
    with db.session() as s:
        t = f.tree(s)
        t["branch"].code = "dongcun"
        secretary = f.member(s, t["branch"], "赵书记")
        f.grant(s, "secretary", t["branch"], member=secretary)
        plain = f.member(s, t["branch"], "王党员")
        admin = f.account(s, mp_openid="mp-admin-3")
        f.grant(s, "township_admin", t["township"], account=admin)
        h = {
            "secretary": token_for(app, f.account(s, secretary, mp_openid="mp-sec-3")),
            "plain": token_for(app, f.account(s, plain, mp_openid="mp-plain-3")),
            "admin": token_for(app, admin),
        }
        branch_id = t["branch"].id
    api = app.test_client()
    body = _pledge(title="每月组织一次党员志愿服务日", owner_kind="branch", org_id=branch_id)
    assert api.post("/api/v1/commitments", json=body, headers=h["plain"]).status_code == 403
    r = api.post("/api/v1/commitments", json=body, headers=h["secretary"])
    assert r.status_code == 201, r.get_json()
    c = r.get_json()
    assert c["owner_kind"] == "branch" and c["member_id"] is None and c["partner_org_id"] is None
    r = api.post(f"/api/v1/commitments/{c['id']}/submit", headers=h["secretary"])
    assert r.get_json()["status"] == "pending_township"
    r = api.post(
        f"/api/v1/commitments/{c['id']}/review", json={"decision": "approve"}, headers=h["admin"]
    )
    assert r.get_json()["status"] == "published"
    wall = api.get(f"/api/v1/orgs/{branch_id}/wall").get_json()
    assert [x["id"] for x in wall["branch_commitments"]] == [c["id"]] and wall["partners"] == []
