"""Fixtures for the mini-program API: an app per test, a small world, tokens."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image

from app import create_app
from models import Account, Member, Organisation
from services.org import auth
from tests import factories as f
from tests.conftest import make_config


def build_app(db_url: str, tmp_path: Path, **sections: Any) -> Flask:
    api = {"write_rate_limit": "1000 per minute", **sections.pop("api", {})}
    app = create_app(make_config(db_url, tmp_path, api=api, **sections))
    app.config["TESTING"] = True
    return app


@pytest.fixture
def api_app(db_url: str, tmp_path: Path) -> Iterator[Flask]:
    app = build_app(db_url, tmp_path)
    yield app
    app.extensions["db"].dispose()


@pytest.fixture
def api(api_app: Flask) -> FlaskClient:
    return api_app.test_client()


@dataclass
class World:
    branch: Organisation
    township: Organisation
    group1: Organisation
    author: Member  # plain member in group 1
    leader: Member  # group leader of group 1
    secretary: Member
    author_account: Account
    leader_account: Account
    secretary_account: Account
    resident_a: Account
    resident_b: Account


def make_world(app: Flask) -> World:
    db = app.extensions["db"]
    with db.session() as s:
        t = f.tree(s)
        author = f.member(s, t["branch"], "王建国", group=t["group1"])
        leader = f.member(s, t["branch"], "李小组", group=t["group1"])
        secretary = f.member(s, t["branch"], "赵书记")
        f.grant(s, "group_leader", t["group1"], member=leader)
        f.grant(s, "secretary", t["branch"], member=secretary)
        world = World(
            branch=t["branch"],
            township=t["township"],
            group1=t["group1"],
            author=author,
            leader=leader,
            secretary=secretary,
            author_account=f.account(s, author, mp_openid="mp-author"),
            leader_account=f.account(s, leader, mp_openid="mp-leader"),
            secretary_account=f.account(s, secretary, mp_openid="mp-secretary"),
            resident_a=f.account(s, mp_openid="mp-resident-a", name="居民甲"),
            resident_b=f.account(s, mp_openid="mp-resident-b", name="居民乙"),
        )
    return world


@pytest.fixture
def world(api_app: Flask) -> World:
    return make_world(api_app)


def token_for(app: Flask, account: Account) -> dict[str, str]:
    issued = auth.issue_token(app.config["SECRET_KEY"], account, 1)
    return {"Authorization": f"Bearer {issued.token}"}


def png_bytes(
    size: tuple[int, int] = (32, 24), color: tuple[int, int, int] = (200, 30, 30)
) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


def jpeg_bytes(size: tuple[int, int] = (40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 120, 200)).save(out, "JPEG")
    return out.getvalue()


COMMITMENT = {
    "title": "每月给村东生产路树木浇水一次",
    "description": "夏季每月至少浇水一次",
    "beneficiary": "村东生产路",
}
