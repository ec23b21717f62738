"""Printed 小程序码: a member's brick opens the member card, a branch's code its board.

The request WeChat sees (the fake on loopback) carries the page and the scene, and the page
named there is a real page of the mini-program (miniprogram/app.json)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from infra import qr
from tests.fakes.wechat_api import FakeWechat

from .conftest import World, build_app, make_world

APP_JSON = Path(__file__).resolve().parents[3] / "miniprogram" / "app.json"


def _pages() -> set[str]:
    return set(json.loads(APP_JSON.read_text(encoding="utf-8"))["pages"])


def _app(db_url: str, tmp_path: Path, fake: FakeWechat, env_version: str) -> Flask:
    mp = {"app_id": "wx-mp-test", "secret": "mp-secret", "env_version": env_version}
    return build_app(
        db_url,
        tmp_path,
        wechat={"api_base_url": fake.base_url, "mini_program": mp},
        app={"secret_key": "test-secret-key"},
    )


@pytest.fixture
def dev_app(db_url: str, tmp_path: Path, fake_wechat: FakeWechat) -> Iterator[Flask]:
    app = _app(db_url, tmp_path, fake_wechat, "develop")
    yield app
    app.extensions["db"].dispose()


def test_member_brick_opens_the_member_card_page(dev_app: Flask, fake_wechat: FakeWechat) -> None:
    world: World = make_world(dev_app)
    code = world.author.public_code
    r = dev_app.test_client().get(f"/m/{code}/qr.png")
    assert r.status_code == 200 and r.mimetype == "image/png"
    (call,) = fake_wechat.calls_to("/wxa/getwxacodeunlimit")
    assert call.json["page"] == "pages/member/index"
    assert call.json["scene"] == f"m={code}"
    assert call.json["check_path"] is False  # a development version: the page is not released
    assert call.json["env_version"] == "develop"
    assert call.json["page"] in _pages()


def test_branch_code_opens_the_board_page(dev_app: Flask, fake_wechat: FakeWechat) -> None:
    world = make_world(dev_app)
    r = dev_app.test_client().get(f"/o/{world.branch.code}/qr.png")
    assert r.status_code == 200 and r.mimetype == "image/png"
    (call,) = fake_wechat.calls_to("/wxa/getwxacodeunlimit")
    assert call.json["page"] == "pages/board/index"
    assert call.json["scene"] == f"o={world.branch.code}"
    assert call.json["page"] in _pages()


def test_release_version_checks_the_path(
    db_url: str, tmp_path: Path, fake_wechat: FakeWechat
) -> None:
    app = _app(db_url, tmp_path, fake_wechat, "release")
    try:
        world = make_world(app)
        assert app.test_client().get(f"/m/{world.author.public_code}/qr.png").status_code == 200
        (call,) = fake_wechat.calls_to("/wxa/getwxacodeunlimit")
        assert call.json["check_path"] is True and call.json["env_version"] == "release"
    finally:
        app.extensions["db"].dispose()


def test_every_code_target_is_a_page_of_the_mini_program() -> None:
    pages = _pages()
    assert qr.MEMBER_PAGE in pages and qr.BOARD_PAGE in pages
    assert qr.member_target("x" * 40) is None  # too long for a scene: plain QR instead


@pytest.mark.demo_township
def test_devtools_compile_modes_open_real_demo_codes(app: Flask) -> None:
    """miniprogram/project.config.json's compile modes (and its README) name demo codes:
    each is a real member or branch of the demo township, on a page of the mini-program."""
    from urllib.parse import parse_qs, unquote

    from sqlalchemy import select

    from models import Member, Organisation

    cfg = json.loads((APP_JSON.parent / "project.config.json").read_text(encoding="utf-8"))
    modes = cfg["condition"]["miniprogram"]["list"]
    pages = _pages()
    with app.extensions["db"].session() as s:
        members = set(s.scalars(select(Member.public_code)))
        branches = set(s.scalars(select(Organisation.code)))
    checked = 0
    for mode in modes:
        assert mode["pathName"] in pages
        query = {k: v[0] for k, v in parse_qs(mode["query"]).items()}
        scene = dict(
            p.split("=", 1) for p in unquote(query.get("scene", "")).split("&") if "=" in p
        )
        code_m = query.get("m") or scene.get("m")
        code_o = query.get("o") or scene.get("o")
        if code_m:
            assert mode["pathName"] == qr.MEMBER_PAGE and code_m in members
            checked += 1
        if code_o:
            assert mode["pathName"] == qr.BOARD_PAGE and code_o in branches
            checked += 1
    assert checked >= 3


def test_the_web_card_leads_to_the_mini_program_for_signing_off(
    dev_app: Flask, fake_wechat: FakeWechat, db_url: str, tmp_path: Path
) -> None:
    """群众销账 needs the resident signed in, which the mini-program does: with one, the web
    card (opened from a plain QR or a shared link) shows the member's mini-program code, which
    opens the card in the mini-program, where the button is; without one, it shows none."""
    world = make_world(dev_app)
    code = world.author.public_code
    client = dev_app.test_client()
    html = client.get(f"/m/{code}").get_data(as_text=True)
    assert f'src="/m/{code}/qr.png?kind=mp"' in html and "确认这件事办了" in html
    img = client.get(f"/m/{code}/qr.png?kind=mp")
    assert img.status_code == 200 and img.mimetype == "image/png"
    (call,) = fake_wechat.calls_to("/wxa/getwxacodeunlimit")
    assert call.json["page"] == "pages/member/index" and call.json["scene"] == f"m={code}"
    # WeChat failing (or wrong credentials): no plain QR of this very page in its place; the
    # page hides the hint when its image does not load
    fake_wechat.fail_next("/wxa/getwxacodeunlimit", errcode=40097)
    assert client.get(f"/m/{code}/qr.png?kind=mp").status_code == 404
    assert client.get(f"/m/{code}/qr.png").mimetype == "image/png"  # the brick keeps its code

    plain = build_app(db_url, tmp_path / "plain", app={"secret_key": "test-secret-key"})
    try:
        html = plain.test_client().get(f"/m/{code}").get_data(as_text=True)
        assert "qr.png" not in html and "确认这件事办了" not in html
    finally:
        plain.extensions["db"].dispose()
