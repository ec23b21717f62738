"""The public views serialise their bodies without marshmallow's per-field walk
(``handlers.api.dump``): every board, wall, card and overview of the demo township comes out
exactly as ``Schema().dump`` would have made it, and the fast path is the one taken."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from handlers.api import dump
from handlers.api.schemas import BoardSchema, CardSchema, OverviewSchema, WallSchema
from models import Member, Organisation
from models.db import Database


@pytest.mark.parametrize("schema", [BoardSchema, WallSchema, CardSchema, OverviewSchema])
def test_every_public_schema_has_a_fast_plan(schema: type[ma.Schema]) -> None:
    assert dump._plan(schema) is not None


@pytest.mark.demo_township
def test_public_views_dump_as_marshmallow_would(
    app: Flask, client: FlaskClient, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: dict[str, int] = {}
    fast_response = dump.response

    def checked(schema: type[ma.Schema], body: dict[str, Any]) -> Any:
        assert dump.dump(schema, body) == schema().dump(body)
        seen[schema.__name__] = seen.get(schema.__name__, 0) + 1
        return fast_response(schema, body)

    monkeypatch.setattr(dump, "response", checked)
    db = Database(db_url)
    with db.session() as s:
        branches = list(s.scalars(select(Organisation.id).where(Organisation.kind == "branch")))
        townships = list(s.scalars(select(Organisation.id).where(Organisation.kind == "township")))
        codes = list(s.scalars(select(Member.public_code).where(Member.active.is_(True))))
    db.dispose()
    urls = [f"/api/v1/orgs/{b}/{v}" for b in branches for v in ("board", "wall")]
    urls += [f"/api/v1/orgs/{t}/overview" for t in townships]
    urls += [f"/api/v1/members/{c}/card" for c in codes]
    for url in urls:
        resp = client.get(url)
        assert resp.status_code == 200, url
    assert seen == {
        "BoardSchema": len(branches),
        "WallSchema": len(branches),
        "OverviewSchema": len(townships),
        "CardSchema": len(codes),
    }
    assert len(branches) >= 2 and len(codes) >= 5
