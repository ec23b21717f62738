"""评诺 / 用诺 over the API: 群众销账, year-end grades, half-year mutual evaluation, the points
ledger and rankings — happy paths and every refusal the rules call for."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from models import Account, Evaluation, FulfilmentLog, Member, PointsEntry
from tests import factories as f

from .conftest import World, token_for


@dataclass
class More:
    served: Account  # resident whose household is linked to the author (联户)
    other_secretary: Account  # secretary of another branch
    other_member: Account  # plain member of the other branch
    admin: Account  # township admin
    other_branch_id: int


@pytest.fixture
def more(api_app: Flask, world: World) -> More:
    with api_app.extensions["db"].session() as s:
        branch, township = s.merge(world.branch), s.merge(world.township)
        author = s.merge(world.author)
        home = f.household(s, branch, linked=[author])
        served = f.account(s, household=home, mp_openid="mp-served", name="刘大妈")
        west = f.org(s, "branch", "西村党支部", township)
        west_secretary = f.member(s, west, "钱书记")
        f.grant(s, "secretary", west, member=west_secretary)
        west_member = f.member(s, west, "孙党员")
        admin = f.account(s, mp_openid="mp-admin", name="镇组织委员")
        f.grant(s, "township_admin", township, account=admin)
        return More(
            served=served,
            other_secretary=f.account(s, west_secretary, mp_openid="mp-west-sec"),
            other_member=f.account(s, west_member, mp_openid="mp-west-mem"),
            admin=admin,
            other_branch_id=west.id,
        )


def _log(api_app: Flask, api: FlaskClient, world: World, quantity: int = 1) -> int:
    with api_app.extensions["db"].session() as s:
        c = s.scalar(select(FulfilmentLog.commitment_id).limit(1))
        if c is None:
            c = f.published(s, s.merge(world.author), start_date=date(2026, 1, 1)).id
    r = api.post(
        f"/api/v1/commitments/{c}/logs",
        json={"quantity": quantity, "note": "给树浇水"},
        headers=token_for(api_app, world.author_account),
    )
    assert r.status_code == 201, r.json
    return int(r.json["log"]["id"])


def _count(api_app: Flask, model: type, *where: object) -> int:
    with api_app.extensions["db"].session() as s:
        return int(s.scalar(select(func.count(model.id)).where(*where)) or 0)


# -- 群众销账 --------------------------------------------------------------------------------


def test_the_resident_served_confirms_a_log_and_it_earns_points(
    api_app: Flask, api: FlaskClient, world: World, more: More
) -> None:
    log_id = _log(api_app, api, world)
    url = f"/api/v1/logs/{log_id}/confirm"

    # A resident whose household is not linked to the member cannot confirm.
    stranger = api.post(
        url, json={"rating": "satisfied"}, headers=token_for(api_app, world.resident_a)
    )
    assert stranger.status_code == 403 and "联系服务的群众" in stranger.json["error"]["message"]
    # Neither can a member of another branch, nor the member for their own log, even when
    # they live in a household linked to themselves.
    other = api.post(
        url, json={"rating": "satisfied"}, headers=token_for(api_app, more.other_member)
    )
    assert other.status_code == 403
    with api_app.extensions["db"].session() as s:
        s.get_one(Account, world.author_account.id).household_id = s.get_one(
            Account, more.served.id
        ).household_id
    own = api.post(
        url, json={"rating": "satisfied"}, headers=token_for(api_app, world.author_account)
    )
    assert own.status_code == 403 and "自己" in own.json["error"]["message"]
    # A bad rating names the field with what to choose (not "the system decides").
    bad = api.post(url, json={"rating": "很好"}, headers=token_for(api_app, more.served))
    assert bad.status_code == 400
    assert "满意" in bad.json["error"]["fields"]["rating"]
    assert "系统" not in bad.json["error"]["fields"]["rating"]
    forged = api.post(
        url, json={"rating": "satisfied", "points": 99}, headers=token_for(api_app, more.served)
    )
    assert forged.status_code == 400 and "points" in forged.json["error"]["fields"]
    assert _count(api_app, PointsEntry) == 0
    assert _count(api_app, Evaluation) == 0

    ok = api.post(
        url,
        json={"rating": "satisfied", "comment": "浇得很及时"},
        headers=token_for(api_app, more.served),
    )
    assert ok.status_code == 200, ok.json
    assert ok.json["log"]["verified"] is True
    assert ok.json["evaluation"]["rating_label"] == "满意"
    assert ok.json["evaluation"]["comment"] == "浇得很及时"
    # Confirming again changes the rating but never adds points twice.
    again = api.post(
        url, json={"rating": "basically_satisfied"}, headers=token_for(api_app, more.served)
    )
    assert again.status_code == 200 and again.json["evaluation"]["rating"] == "basically_satisfied"
    assert _count(api_app, PointsEntry, PointsEntry.member_id == world.author.id) == 1
    assert _count(api_app, Evaluation) == 1
    assert api.post("/api/v1/logs/2147483647/confirm", json={"rating": "satisfied"},
                    headers=token_for(api_app, more.served)).status_code == 404  # fmt: skip


# -- year-end grades ----------------------------------------------------------------------


def test_the_secretary_grades_members_of_their_branch(
    api_app: Flask, api: FlaskClient, world: World, more: More
) -> None:
    sec = token_for(api_app, world.secretary_account)
    url = f"/api/v1/members/{world.author.id}/grades"
    ok = api.post(
        url, json={"year": 2026, "grade": "excellent", "comment": "带头浇水"}, headers=sec
    )
    assert ok.status_code == 200, ok.json
    assert (ok.json["grade"], ok.json["grade_label"], ok.json["member_name"]) == (
        "excellent",
        "优秀",
        "王建国",
    )
    regrade = api.post(url, json={"year": 2026, "grade": "qualified"}, headers=sec)
    assert regrade.status_code == 200 and regrade.json["grade_label"] == "合格"

    # Bad values → 400 naming the field.
    for body, field in (
        ({"year": 2026, "grade": "优秀"}, "grade"),
        ({"year": 1999, "grade": "excellent"}, "year"),
        ({"year": "2026", "grade": "excellent"}, "year"),
        ({"grade": "excellent"}, "year"),
        ({"year": 2026, "grade": "excellent", "member_id": 1}, "member_id"),
    ):
        r = api.post(url, json=body, headers=sec)
        assert r.status_code == 400 and field in r.json["error"]["fields"], (body, r.json)

    # Refusals: grading oneself; a secretary of another branch; a plain member; a resident.
    me = api.post(f"/api/v1/members/{world.secretary.id}/grades",
                  json={"year": 2026, "grade": "excellent"}, headers=sec)  # fmt: skip
    assert me.status_code == 403 and "自己" in me.json["error"]["message"]
    for account in (more.other_secretary, world.leader_account, world.resident_a):
        r = api.post(url, json={"year": 2026, "grade": "unqualified"},
                     headers=token_for(api_app, account))  # fmt: skip
        assert r.status_code in (403, 404), r.json
    assert api.post("/api/v1/members/2147483647/grades", json={"year": 2026, "grade": "excellent"},
                    headers=sec).status_code == 404  # fmt: skip

    # The township admin may grade the secretary.
    by_admin = api.post(f"/api/v1/members/{world.secretary.id}/grades",
                        json={"year": 2026, "grade": "excellent"},
                        headers=token_for(api_app, more.admin))  # fmt: skip
    assert by_admin.status_code == 200

    listed = api.get(f"/api/v1/orgs/{world.branch.id}/grades?year=2026", headers=sec)
    assert listed.status_code == 200, listed.json
    by_name = {row["member_name"]: row["grade"] for row in listed.json["items"]}
    assert by_name == {"王建国": "qualified", "李小组": None, "赵书记": "excellent"}
    assert listed.json["total"] == 3
    township = api.get(f"/api/v1/orgs/{world.township.id}/grades?year=2026",
                       headers=token_for(api_app, more.admin)).json  # fmt: skip
    assert township["total"] == 5  # both branches' members
    for account in (more.other_secretary, world.author_account):
        r = api.get(f"/api/v1/orgs/{world.branch.id}/grades?year=2026",
                    headers=token_for(api_app, account))  # fmt: skip
        assert r.status_code == 403
    assert (
        api.get(f"/api/v1/orgs/{world.branch.id}/grades?year=2025", headers=sec).json["items"][0][
            "grade"
        ]
        is None
    )


def test_the_township_grades_branches(
    api_app: Flask, api: FlaskClient, world: World, more: More
) -> None:
    admin = token_for(api_app, more.admin)
    url = f"/api/v1/orgs/{world.branch.id}/grades"
    ok = api.post(url, json={"year": 2026, "grade": "good", "comment": "承诺落实好"}, headers=admin)
    assert ok.status_code == 200, ok.json
    assert (ok.json["grade_label"], ok.json["member_id"], ok.json["org_name"]) == (
        "好",
        None,
        "东村党支部",
    )
    bad = api.post(url, json={"year": 2026, "grade": "excellent"}, headers=admin)
    assert bad.status_code == 400 and "grade" in bad.json["error"]["fields"]
    group = api.post(f"/api/v1/orgs/{world.group1.id}/grades",
                     json={"year": 2026, "grade": "good"}, headers=admin)  # fmt: skip
    assert group.status_code == 400 and "党支部" in group.json["error"]["message"]
    for account in (world.secretary_account, more.other_secretary, world.author_account):
        r = api.post(url, json={"year": 2026, "grade": "poor"}, headers=token_for(api_app, account))
        assert r.status_code == 403
    listed = api.get(f"/api/v1/orgs/{world.township.id}/grades?year=2026&kind=branch",
                     headers=admin).json  # fmt: skip
    assert {row["org_name"]: row["grade"] for row in listed["items"]} == {
        "东村党支部": "good",
        "西村党支部": None,
    }
    # The branch's own secretary sees their branch's grade, not the township's list.
    own = api.get(f"/api/v1/orgs/{world.branch.id}/grades?year=2026&kind=branch",
                  headers=token_for(api_app, world.secretary_account)).json  # fmt: skip
    assert [row["grade_label"] for row in own["items"]] == ["好"]
    assert api.get(f"/api/v1/orgs/{world.township.id}/grades?year=2026&kind=branch",
                   headers=token_for(api_app, world.secretary_account)).status_code == 403  # fmt: skip


# -- half-year mutual evaluation ----------------------------------------------------------


def test_members_evaluate_each_other_within_the_branch(
    api_app: Flask, api: FlaskClient, world: World, more: More
) -> None:
    author = token_for(api_app, world.author_account)
    leader_url = f"/api/v1/members/{world.leader.id}/mutual"
    ok = api.post(leader_url, json={"period": "2026H1", "rating": "good"}, headers=author)
    assert ok.status_code == 200, ok.json
    assert (ok.json["period"], ok.json["rating_label"]) == ("2026H1", "好")
    by_parts = api.post(
        leader_url, json={"year": 2026, "half": 1, "rating": "fair"}, headers=author
    )
    assert by_parts.status_code == 200 and by_parts.json["rating"] == "fair"  # changed, not added
    api.post(f"/api/v1/members/{world.leader.id}/mutual",
             json={"period": "2026H1", "rating": "good"},
             headers=token_for(api_app, world.secretary_account))  # fmt: skip

    myself = api.post(f"/api/v1/members/{world.author.id}/mutual",
                      json={"period": "2026H1", "rating": "good"}, headers=author)  # fmt: skip
    assert myself.status_code == 400 and "自己" in myself.json["error"]["message"]
    for account in (more.other_member, more.other_secretary, world.resident_a):
        r = api.post(leader_url, json={"period": "2026H1", "rating": "poor"},
                     headers=token_for(api_app, account))  # fmt: skip
        assert r.status_code == 403, r.json
    for body, field in (
        ({"period": "2026H3", "rating": "good"}, "period"),
        ({"rating": "good"}, "period"),
        ({"year": 2026, "rating": "good"}, "half"),
        ({"year": 2026, "half": 3, "rating": "good"}, "half"),
        ({"period": "2026H1", "rating": "excellent"}, "rating"),
        ({"period": "2026H1", "year": 2026, "half": 1, "rating": "good"}, "period"),
    ):
        r = api.post(leader_url, json=body, headers=author)
        assert r.status_code == 400 and field in r.json["error"]["fields"], (body, r.json)

    summary = api.get(f"/api/v1/orgs/{world.branch.id}/mutual?period=2026H1",
                      headers=token_for(api_app, world.secretary_account))  # fmt: skip
    assert summary.status_code == 200, summary.json
    assert summary.json["period"] == "2026H1"
    rows = {row["member_name"]: row for row in summary.json["items"]}
    assert rows["李小组"]["counts"] == {"good": 1, "fair": 1, "average": 0, "poor": 0}
    assert rows["李小组"]["total"] == 2 and rows["王建国"]["total"] == 0
    assert "evaluator" not in str(summary.json)
    for account in (world.author_account, more.other_secretary):
        r = api.get(f"/api/v1/orgs/{world.branch.id}/mutual?period=2026H1",
                    headers=token_for(api_app, account))  # fmt: skip
        assert r.status_code == 403
    bad = api.get(f"/api/v1/orgs/{world.branch.id}/mutual?period=2026-1",
                  headers=token_for(api_app, world.secretary_account))  # fmt: skip
    assert bad.status_code == 400 and "period" in bad.json["error"]["fields"]


# -- 先锋指数 ----------------------------------------------------------------------------------


def test_points_ledger_has_reasons_and_sums_equal_the_ranking(
    api_app: Flask, api: FlaskClient, world: World, more: More
) -> None:
    sec = token_for(api_app, world.secretary_account)
    first, second, third = (_log(api_app, api, world, q) for q in (1, 2, 3))
    assert api.post(f"/api/v1/logs/{first}/verify", headers=sec).status_code == 200
    assert api.post(f"/api/v1/logs/{second}/confirm", json={"rating": "satisfied"},
                    headers=token_for(api_app, more.served)).status_code == 200  # fmt: skip
    # the third stays unverified: it earns nothing

    me = api.get(f"/api/v1/members/{world.author.id}/points?year=2026",
                 headers=token_for(api_app, world.author_account))  # fmt: skip
    assert me.status_code == 200, me.json
    assert me.json["total"] == 2 and all(e["reason"] for e in me.json["items"])
    assert me.json["index"] == sum(e["points"] for e in me.json["items"]) == 2 * 2
    assert {e["rule_label"] for e in me.json["items"]} == {"践诺记录经核实"}
    assert _count(api_app, PointsEntry, PointsEntry.source_id == third) == 0
    page = api.get(f"/api/v1/members/{world.author.id}/points?year=2026&per_page=1", headers=sec)
    assert page.status_code == 200 and len(page.json["items"]) == 1 and page.json["total"] == 2
    assert page.json["index"] == me.json["index"]
    assert api.get(f"/api/v1/members/{world.author.id}/points?year=2025",
                   headers=sec).json["index"] == 0  # fmt: skip
    for account in (world.leader_account, world.resident_a, more.other_secretary):
        r = api.get(f"/api/v1/members/{world.author.id}/points",
                    headers=token_for(api_app, account))  # fmt: skip
        assert r.status_code == 403, r.json

    ranking = api.get(f"/api/v1/orgs/{world.branch.id}/points?year=2026", headers=sec)
    assert ranking.status_code == 200, ranking.json
    rows = ranking.json["items"]
    assert rows[0]["name"] == "王建国" and rows[0]["rank"] == 1
    with api_app.extensions["db"].session() as s:
        member_ids = list(s.scalars(select(Member.id).where(Member.org_id == world.branch.id)))
    for row in rows:
        ledger = api.get(f"/api/v1/members/{row['member_id']}/points?year=2026", headers=sec)
        assert ledger.json["index"] == row["points"]
    assert sorted(r["member_id"] for r in rows) == sorted(member_ids)
    # A member sees their branch's and township's ranking; other branches' members and
    # residents do not see this branch's.
    author = token_for(api_app, world.author_account)
    assert api.get(f"/api/v1/orgs/{world.township.id}/points", headers=author).status_code == 200
    assert api.get(f"/api/v1/orgs/{more.other_branch_id}/points",
                   headers=author).status_code == 403  # fmt: skip
    for account in (world.resident_a, more.other_member):
        r = api.get(f"/api/v1/orgs/{world.branch.id}/points", headers=token_for(api_app, account))
        assert r.status_code == 403
    paged = api.get(f"/api/v1/orgs/{world.township.id}/points?per_page=2",
                    headers=token_for(api_app, more.admin)).json  # fmt: skip
    assert paged["total"] == 5 and len(paged["items"]) == 2
