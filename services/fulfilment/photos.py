"""Uploaded images: checked by content (not by name), re-encoded without metadata, stored
under a random key, served back at ``/media/<key>``.

The key is random and unguessable and the media route only serves keys recorded in the
``photo`` table, so one user's URL reveals nothing about anybody else's files.
"""

from __future__ import annotations

import io
import re
import secrets
import warnings
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import select
from sqlalchemy.orm import Session

from infra.clock import now_utc
from models import Photo
from services.actors import Actor
from services.errors import ValidationError

# Pillow format → (content type, file extension)
FORMATS = {
    "JPEG": ("image/jpeg", ".jpg"),
    "PNG": ("image/png", ".png"),
    "WEBP": ("image/webp", ".webp"),
    "GIF": ("image/gif", ".gif"),
}
MAX_PIXELS = 40_000_000
MAX_SIDE = 4096  # larger photos are scaled down: phones send 12 MP, pages show 1 MP
KEY_RE = re.compile(r"^[A-Za-z0-9_\-]{1,64}(/[A-Za-z0-9_\-]{1,64}){0,3}\.(jpg|jpeg|png|webp|gif)$")
MEDIA_PREFIX = "/media/"


def url_for_key(key: str | None) -> str | None:
    return MEDIA_PREFIX + key if key else None


def photo_url(photo: Photo) -> str | None:
    return url_for_key(photo.storage_key) if photo.status == "ready" else None


def _decode(data: bytes) -> Image.Image:
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            probe = Image.open(io.BytesIO(data))
            probe.verify()  # structure check; the image must be reopened afterwards
            image = Image.open(io.BytesIO(data))
            if image.width * image.height > MAX_PIXELS:
                raise ValidationError("file", "图片像素太大，请压缩后再上传")
            image.load()
        except ValidationError:
            raise
        except (
            UnidentifiedImageError,
            OSError,
            SyntaxError,
            ValueError,
            Image.DecompressionBombError,
            Image.DecompressionBombWarning,
            EOFError,
        ):
            raise ValidationError(
                "file", "只能上传图片（JPG、PNG、WEBP 或 GIF），这个文件不是图片"
            ) from None
    return image


def _encode(image: Image.Image, fmt: str, original: bytes) -> bytes:
    """Re-encode without EXIF (phones put the GPS position there); GIFs are kept as sent."""
    if fmt == "GIF":
        return original
    image = ImageOps.exif_transpose(image) or image
    if max(image.size) > MAX_SIDE:
        image.thumbnail((MAX_SIDE, MAX_SIDE))
    out = io.BytesIO()
    if fmt == "JPEG":
        if image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        image.save(out, "JPEG", quality=88, optimize=True)
    elif fmt == "PNG":
        image.save(out, "PNG", optimize=True)
    else:
        image.save(out, "WEBP", quality=88)
    return out.getvalue()


def store_image(
    session: Session, actor: Actor, data: bytes, upload_dir: Path, max_bytes: int
) -> Photo:
    """Check, re-encode and store an image; returns the (flushed) ``Photo`` row."""
    if actor.account_id is None:
        raise ValidationError("file", "请先登录再上传图片")
    if not data:
        raise ValidationError("file", "请选择要上传的图片")
    if len(data) > max_bytes:
        raise ValidationError(
            "file",
            f"图片太大（最大 {max_bytes // (1024 * 1024) or 1} MB），请压缩后再上传",
            code="too_large",
        )
    image = _decode(data)
    fmt = image.format or ""
    if fmt not in FORMATS:
        raise ValidationError("file", "只能上传 JPG、PNG、WEBP 或 GIF 图片")
    content_type, ext = FORMATS[fmt]
    body = _encode(image, fmt, data)
    key = secrets.token_urlsafe(24) + ext
    upload_dir.mkdir(parents=True, exist_ok=True)
    (upload_dir / key).write_bytes(body)
    photo = Photo(
        storage_key=key,
        content_type=content_type,
        status="ready",
        uploader_account_id=actor.account_id,
        created_at=now_utc(),
    )
    session.add(photo)
    session.flush()
    return photo


def find_media(session: Session, upload_dir: Path, key: str) -> tuple[Path, str] | None:
    """The file and content type for a media key, if it is a stored, ready photo."""
    if not KEY_RE.match(key):
        return None
    photo = session.scalar(select(Photo).where(Photo.storage_key == key, Photo.status == "ready"))
    if photo is None:
        return None
    path = (upload_dir / key).resolve()
    if not path.is_relative_to(upload_dir.resolve()) or not path.is_file():
        return None
    return path, photo.content_type


def attach_to_request(
    session: Session, actor: Actor, request_id: int, photo_ids: list[int]
) -> None:
    """Attach the caller's own, unused uploads to a request."""
    for pid in dict.fromkeys(photo_ids):
        photo = session.get(Photo, pid)
        if photo is None or (not actor.system and photo.uploader_account_id != actor.account_id):
            raise ValidationError("photo_ids", f"照片 {pid} 不存在或不是您上传的")
        if photo.log_id is not None or photo.request_id not in (None, request_id):
            raise ValidationError("photo_ids", f"照片 {pid} 已经用在别处")
        photo.request_id = request_id
    session.flush()
