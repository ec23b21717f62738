"""The request page, the mini-program API and the staff console apply the same access
rules (services.*.access) as the bot and the services."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from models import Commitment
from services import privacy, requests
from services.actors import Actor, actor_for_account
from tests import factories as f
from tests.handlers.api.conftest import token_for


def _request(app: Flask, *, with_account: bool, resolve: bool) -> str:
    with app.extensions["db"].session() as s:
        t = f.tree(s)
        member = f.member(s, t["branch"], "张卫东")
        actor = actor_for_account(s, f.account(s, name="居民甲")) if with_account else None
        req = requests.submit(
            s,
            actor or Actor(name="群众"),
            kind="problem",
            text="路灯坏了",
            member_code=member.public_code,
        )
        if resolve:
            requests.resolve(s, f.as_actor(s, member), req, "done", "已更换灯泡")
        s.commit()
        return req.number


def _page(app: Flask, client: FlaskClient, number: str) -> str:
    token = privacy.sign(app.config["SECRET_KEY"], "request", number)
    resp = client.get(f"/r/{number}?t={token}")
    assert resp.status_code == 200
    return resp.get_data(as_text=True)


def test_request_page_offers_rating_only_when_the_submitter_may_rate(
    app: Flask, client: FlaskClient
) -> None:
    open_one = _request(app, with_account=True, resolve=False)
    assert 'class="rate-form"' not in _page(app, client, open_one)
    done = _request(app, with_account=True, resolve=True)
    assert 'class="rate-form"' in _page(app, client, done)
    # sent through the web form (no account): the holder of the signed link is the submitter
    anonymous = _request(app, with_account=False, resolve=True)
    assert 'class="rate-form"' in _page(app, client, anonymous)
    assert 'class="rate-form"' not in _page(
        app, client, _request(app, with_account=False, resolve=False)
    )


def test_api_capabilities_come_from_the_access_module(app: Flask, client: FlaskClient) -> None:
    with app.extensions["db"].session() as s:
        t = f.tree(s)
        owner = f.member(s, t["branch"], "王建国")
        secretary = f.member(s, t["branch"], "赵书记")
        f.grant(s, "secretary", t["branch"], member=secretary)
        c = f.published(s, owner)
        accounts = {
            "owner": f.account(s, owner, mp_openid="mp-o"),
            "secretary": f.account(s, secretary, mp_openid="mp-s"),
            "resident": f.account(s, mp_openid="mp-r"),
        }
        s.commit()
        cid = c.id
    can = {
        who: client.get(f"/api/v1/commitments/{cid}", headers=token_for(app, a)).get_json()["can"]
        for who, a in accounts.items()
    }
    assert can["owner"]["log"] and can["owner"]["withdraw"] and not can["owner"]["edit"]
    # the secretary may withdraw a member's commitment (services.commitments.withdraw allows
    # it), so the API says so; she may not log on it
    assert can["secretary"]["withdraw"] and not can["secretary"]["log"]
    assert can["resident"] == dict.fromkeys(can["resident"], False) | {"see": True}


@pytest.mark.demo_township
def test_staff_console_loads_commitments_through_the_visibility_rule(app: Flask) -> None:
    from tests.handlers.test_staff import _csrf, _login

    with app.extensions["db"].session() as s:
        elsewhere = f.tree(s)  # another township: its draft is none of this admin's business
        c = f.published(s, f.member(s, elsewhere["branch"]))
        c.status = "draft"
        s.commit()
        cid = c.id
    web = app.test_client()
    _login(app, web)
    token = _csrf(web)
    resp = web.post(
        f"/staff/commitments/{cid}/review", data={"decision": "approve", "csrf_token": token}
    )
    assert resp.status_code == 404
    assert "找不到这条承诺" in resp.get_data(as_text=True)
    with app.extensions["db"].session() as s:
        assert s.get_one(Commitment, cid).status == "draft"
