"""Staff console sessions are server-side: logout and role removal end them for good."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from infra.clock import now_utc
from models import Account, RoleGrant, StaffSession

pytestmark = pytest.mark.demo_township


def _admin_id(app: Flask) -> int:
    with app.extensions["db"].session() as s:
        return int(s.scalar(select(Account.id).where(Account.oa_openid == "demo-oa-admin")))


def _login(app: Flask) -> tuple[FlaskClient, str]:
    web = app.test_client()
    result = app.test_cli_runner().invoke(args=["staff", "link", "--account", str(_admin_id(app))])
    url = result.output.strip().splitlines()[-1].split("/staff/", 1)[1]
    assert web.get("/staff/" + url).status_code == 303
    assert web.get("/staff/").status_code == 200
    cookie = web.get_cookie("session")
    assert cookie is not None
    return web, cookie.value


def _with_cookie(app: Flask, value: str) -> FlaskClient:
    other = app.test_client()
    other.set_cookie("session", value)
    return other


def _is_login_page(resp) -> bool:  # type: ignore[no-untyped-def]
    return resp.status_code == 302 and resp.headers["Location"].endswith("/staff/need-login")


def test_after_logout_the_old_cookie_gets_the_login_page(app: Flask) -> None:
    web, stolen = _login(app)
    assert _with_cookie(app, stolen).get("/staff/").status_code == 200  # a copy works…
    assert web.get("/staff/logout").status_code == 200
    # …until logout: the copy kept from before (e.g. in a proxy log or a shared PC) is dead
    assert _is_login_page(_with_cookie(app, stolen).get("/staff/"))
    assert _is_login_page(_with_cookie(app, stolen).get("/staff/reports"))
    with app.extensions["db"].session() as s:
        assert s.scalar(select(func.count(StaffSession.id))) == 0


def test_role_removal_ends_the_session_even_if_the_role_comes_back(app: Flask) -> None:
    web, cookie = _login(app)
    admin = _admin_id(app)
    with app.extensions["db"].session() as s:
        grants = list(s.scalars(select(RoleGrant).where(RoleGrant.account_id == admin)))
        kept = [(g.role, g.org_id, g.member_id) for g in grants]
        for g in grants:
            s.delete(g)
        s.commit()
    assert _is_login_page(web.get("/staff/"))
    with app.extensions["db"].session() as s:
        for role, org_id, member_id in kept:
            s.add(RoleGrant(account_id=admin, role=role, org_id=org_id, member_id=member_id))
        s.commit()
    # the role is back, but that session was ended: a new login link is needed
    assert _is_login_page(_with_cookie(app, cookie).get("/staff/"))


def test_a_session_expires_on_the_server(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    _, cookie = _login(app)
    later = now_utc() + timedelta(hours=8, minutes=1)
    monkeypatch.setattr("services.org.staff.now_utc", lambda: later)
    assert _is_login_page(_with_cookie(app, cookie).get("/staff/"))
