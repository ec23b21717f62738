"""Uploads are checked by content and size; a log with a photo shows on the member card."""

from __future__ import annotations

import io
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from PIL import Image

from tests import factories as f

from .conftest import World, build_app, jpeg_bytes, make_world, png_bytes, token_for


def _upload(api: FlaskClient, headers: dict[str, str], data: bytes, name: str = "photo.jpg"):
    return api.post(
        "/api/v1/uploads",
        data={"file": (io.BytesIO(data), name)},
        headers=headers,
        content_type="multipart/form-data",
    )


def test_non_image_renamed_jpg_is_refused(api: FlaskClient, api_app: Flask, world: World) -> None:
    headers = token_for(api_app, world.author_account)
    for data in (b"#!/bin/sh\necho hello\n", b"%PDF-1.4 fake", b"\xff\xd8\xff\xe0" + b"\x00" * 64):
        r = _upload(api, headers, data, "holiday.jpg")
        assert r.status_code == 400
        err = r.get_json()["error"]
        assert err["fields"]["file"].startswith("只能上传图片")


def test_oversize_is_refused(db_url: str, tmp_path: Path) -> None:
    app = build_app(db_url, tmp_path, uploads={"max_bytes": 2000, "dir": str(tmp_path / "up")})
    world = make_world(app)
    big = Image.effect_noise((80, 80), 80)
    out = io.BytesIO()
    big.convert("RGB").save(out, "PNG")
    assert len(out.getvalue()) > 2000
    r = _upload(app.test_client(), token_for(app, world.author_account), out.getvalue(), "big.png")
    assert r.status_code in (400, 413)
    assert r.get_json()["error"]["code"] in ("too_large",)
    assert not any((tmp_path / "up").glob("*")) if (tmp_path / "up").exists() else True
    app.extensions["db"].dispose()


def test_upload_needs_login_and_is_served_back_without_metadata(
    api: FlaskClient, api_app: Flask, world: World
) -> None:
    assert _upload(api, {}, png_bytes()).status_code == 401
    img = Image.new("RGB", (50, 40), (1, 2, 3))
    exif = img.getexif()
    exif[0x010F] = "PhoneMaker"  # Make
    out = io.BytesIO()
    img.save(out, "JPEG", exif=exif)
    r = _upload(api, token_for(api_app, world.author_account), out.getvalue(), "x.png")
    assert r.status_code == 201
    url = r.get_json()["url"]
    assert url.startswith("/media/") and url.endswith(".jpg")  # type from content, not name
    with api.get(url) as served:
        assert served.status_code == 200 and served.mimetype == "image/jpeg"
        assert served.headers["X-Content-Type-Options"] == "nosniff"
        assert b"PhoneMaker" not in served.data
        assert Image.open(io.BytesIO(served.data)).size == (50, 40)
    assert api.get("/media/does-not-exist.jpg").status_code == 404
    assert api.get("/media/../config.yaml").status_code == 404


def test_log_with_photo_appears_on_member_card(
    api: FlaskClient, api_app: Flask, world: World
) -> None:
    with api_app.extensions["db"].session() as s:
        from models import Member

        c = f.published(s, s.get(Member, world.author.id))
        cid = c.id
    headers = token_for(api_app, world.author_account)
    photo = _upload(api, headers, jpeg_bytes()).get_json()
    r = api.post(
        f"/api/v1/commitments/{cid}/logs",
        json={"quantity": 1, "note": "给生产路的树浇了水", "photo_ids": [photo["id"]]},
        headers=headers,
    )
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert body["log"]["photos"] == [photo]
    assert body["progress"]["done"] >= 1

    # another member cannot reuse the photo, nor log on this commitment
    other = token_for(api_app, world.leader_account)
    r = api.post(
        f"/api/v1/commitments/{cid}/logs", json={"photo_ids": [photo["id"]]}, headers=other
    )
    assert r.status_code == 403

    card = api.get(f"/api/v1/members/{world.author.public_code}/card")
    assert card.status_code == 200
    data = card.get_json()
    assert data["name"] == world.author.name
    assert [c["id"] for c in data["commitments"]] == [cid]
    assert data["logs"][0]["note"] == "给生产路的树浇了水"
    assert data["logs"][0]["photos"] == [photo]
    with api.get(photo["url"]) as served:
        assert served.status_code == 200 and served.data.startswith(b"\xff\xd8")
    assert api.get("/api/v1/members/nobody/card").status_code == 404

    page = api.get(f"/m/{world.author.public_code}")
    if page.status_code != 404:  # the HTML card (pages) shows the same photo
        assert page.status_code == 200
        assert photo["url"] in page.get_data(as_text=True)
