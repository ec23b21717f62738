"""Issue 12 item 10: a body the document requires is required; unknown fields are refused,
always with a 400 in the {"error": {"code", "message", "fields"}} shape."""

from __future__ import annotations

import io

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from models import FulfilmentLog, Member, Photo
from tests import factories as f

from .conftest import COMMITMENT, World, png_bytes, token_for


def _refused(r, field: str) -> None:  # type: ignore[no-untyped-def]
    assert r.status_code == 400, r.get_json()
    error = r.get_json()["error"]
    assert error["code"] == "invalid" and field in error["fields"]
    assert all("\u4e00" <= ch <= "\u9fff" for ch in error["fields"][field][:2]), error


@pytest.fixture
def commitment_id(api_app: Flask, world: World) -> int:
    with api_app.extensions["db"].session() as s:
        return int(f.published(s, s.get_one(Member, world.author.id)).id)


@pytest.mark.parametrize("body", [None, "", "{}"])
def test_a_log_needs_a_body(
    api_app: Flask, api: FlaskClient, world: World, commitment_id: int, body: str | None
) -> None:
    headers = token_for(api_app, world.author_account)
    url = f"/api/v1/commitments/{commitment_id}/logs"
    if body is None:
        r = api.post(url, headers=headers)
    else:
        r = api.post(url, headers=headers, data=body, content_type="application/json")
    _refused(r, "_schema")
    with api_app.extensions["db"].session() as s:
        assert s.scalar(select(func.count(FulfilmentLog.id))) == 0


def test_a_patch_needs_something_to_change(
    api_app: Flask, api: FlaskClient, world: World, commitment_id: int
) -> None:
    headers = token_for(api_app, world.author_account)
    r = api.post(
        f"/api/v1/commitments/{commitment_id}/logs", json={"note": "浇水"}, headers=headers
    )
    assert r.status_code == 201
    log_id = r.get_json()["log"]["id"]
    _refused(api.patch(f"/api/v1/logs/{log_id}", headers=headers), "_schema")
    _refused(api.patch(f"/api/v1/logs/{log_id}", json={}, headers=headers), "_schema")
    assert (
        api.patch(f"/api/v1/logs/{log_id}", json={"quantity": 2}, headers=headers).status_code
        == 200
    )
    draft = api.post("/api/v1/commitments", json=COMMITMENT, headers=headers)
    assert draft.status_code == 201
    _refused(api.patch(f"/api/v1/commitments/{draft.get_json()['id']}", headers=headers), "_schema")


@pytest.mark.parametrize(
    "extra",
    [{"note": "x"}, {"owner_id": "3"}, {"second": "file"}],
)
def test_uploads_refuse_unknown_form_fields(
    api_app: Flask, api: FlaskClient, world: World, extra: dict[str, object]
) -> None:
    # a fresh file object per run: one made at collection would be closed by the first backend
    extra = {k: (io.BytesIO(b"x"), "b.png") if v == "file" else v for k, v in extra.items()}
    data = {"file": (io.BytesIO(png_bytes()), "a.png"), **extra}
    r = api.post("/api/v1/uploads", data=data, content_type="multipart/form-data",
                 headers=token_for(api_app, world.author_account))  # fmt: skip
    _refused(r, next(iter(extra)))
    with api_app.extensions["db"].session() as s:
        assert s.scalar(select(func.count(Photo.id))) == 0
    ok = api.post("/api/v1/uploads", data={"file": (io.BytesIO(png_bytes()), "a.png")},
                  content_type="multipart/form-data",
                  headers=token_for(api_app, world.author_account))  # fmt: skip
    assert ok.status_code == 201
