"""Image uploads: the decoded size is capped from the header, JPEGs are reduced while
decoding, and each user has a daily count."""

from __future__ import annotations

import io
from pathlib import Path

from flask.testing import FlaskClient
from PIL import Image

from tests.handlers.api.conftest import build_app, make_world, png_bytes, token_for


def _upload(api: FlaskClient, headers: dict[str, str], data: bytes, name: str):
    return api.post(
        "/api/v1/uploads",
        data={"file": (io.BytesIO(data), name)},
        headers=headers,
        content_type="multipart/form-data",
    )


def _encoded(image: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, optimize=True) if fmt == "PNG" else image.save(out, fmt, quality=70)
    return out.getvalue()


def test_a_small_png_declaring_6300x6300_is_refused_without_decoding(
    db_url: str, tmp_path: Path
) -> None:
    app = build_app(db_url, tmp_path, uploads={"dir": str(tmp_path / "up")})
    world = make_world(app)
    bomb = _encoded(Image.new("L", (6300, 6300), 0), "PNG")
    assert len(bomb) < 200_000  # small on the wire, 40 MP (120 MB as RGB) once decoded
    api, headers = app.test_client(), token_for(app, world.author_account)
    Image.core.reset_stats()
    r = _upload(api, headers, bomb, "bomb.png")
    assert r.status_code == 400, r.get_json()
    err = r.get_json()["error"]
    assert err["code"] == "too_large" and "6300×6300" in err["fields"]["file"]
    # Pillow allocated no image memory at all: the header was enough to refuse (no timing
    # here: a loaded CI box took 0.9 s for the request; the allocation count is the proof)
    assert Image.core.get_stats()["allocated_blocks"] == 0
    assert not (tmp_path / "up").exists() or not any((tmp_path / "up").iterdir())
    app.extensions["db"].dispose()


def test_caps_come_from_config_and_jpegs_are_reduced_while_decoding(
    db_url: str, tmp_path: Path
) -> None:
    app = build_app(
        db_url,
        tmp_path,
        uploads={"dir": str(tmp_path / "up"), "max_pixels": 1_000_000, "max_side": 1024},
    )
    world = make_world(app)
    api, headers = app.test_client(), token_for(app, world.author_account)
    picture = Image.linear_gradient("L").resize((2000, 1500)).convert("RGB")
    # a PNG cannot be reduced while decoding: over the caps, refused
    r = _upload(api, headers, _encoded(picture, "PNG"), "big.png")
    assert r.status_code == 400 and r.get_json()["error"]["code"] == "too_large"
    assert "1024" in r.get_json()["error"]["fields"]["file"]
    # a JPEG is decoded at 1/2 scale (1000×750) and stored within the caps
    r = _upload(api, headers, _encoded(picture, "JPEG"), "big.jpg")
    assert r.status_code == 201, r.get_json()
    stored = api.get(r.get_json()["url"])
    data = stored.get_data()
    stored.close()
    with Image.open(io.BytesIO(data)) as image:
        assert image.size == (1000, 750)
    # within the caps: accepted as it is
    assert _upload(api, headers, png_bytes(), "small.png").status_code == 201
    app.extensions["db"].dispose()


def test_uploads_per_user_per_day_are_bounded(db_url: str, tmp_path: Path) -> None:
    app = build_app(db_url, tmp_path, uploads={"dir": str(tmp_path / "up"), "max_per_day": 2})
    world = make_world(app)
    api = app.test_client()
    author = token_for(app, world.author_account)
    statuses = [_upload(api, author, png_bytes(), "p.png").status_code for _ in range(3)]
    assert statuses == [201, 201, 429]
    r = _upload(api, author, png_bytes(), "p.png")
    assert r.get_json()["error"]["code"] == "upload_quota"
    assert "每日上限" in r.get_json()["error"]["message"]
    # another user has their own count
    assert (
        _upload(api, token_for(app, world.leader_account), png_bytes(), "p.png").status_code == 201
    )
    app.extensions["db"].dispose()
