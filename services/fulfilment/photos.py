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
from datetime import datetime
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from infra.clock import local_tz, now_utc
from models import Photo
from services.actors import Actor
from services.errors import DomainError, ValidationError

# Pillow format → (content type, file extension)
FORMATS = {
    "JPEG": ("image/jpeg", ".jpg"),
    "PNG": ("image/png", ".png"),
    "WEBP": ("image/webp", ".webp"),
    "GIF": ("image/gif", ".gif"),
}
# Decoded size caps (``uploads.max_pixels`` / ``uploads.max_side``): a 150 KB PNG can declare
# 6300×6300 pixels and decode to 120 MB, so the size is read from the header and checked
# before anything is decoded. JPEGs may be reduced 1/2, 1/4 or 1/8 while decoding
# (``Image.draft``), so a 48 MP phone photo still fits; other formats are refused.
MAX_PIXELS = 16_000_000
MAX_SIDE = 4096
MAX_PER_DAY = 100
_JPEG_SCALES = (1, 2, 4, 8)
KEY_RE = re.compile(r"^[A-Za-z0-9_\-]{1,64}(/[A-Za-z0-9_\-]{1,64}){0,3}\.(jpg|jpeg|png|webp|gif)$")
MEDIA_PREFIX = "/media/"
NOT_AN_IMAGE = "只能上传图片（JPG、PNG、WEBP 或 GIF），这个文件不是图片"


class UploadQuotaExceeded(DomainError):
    code = "upload_quota"
    status = 429


def url_for_key(key: str | None) -> str | None:
    return MEDIA_PREFIX + key if key else None


def photo_url(photo: Photo) -> str | None:
    return url_for_key(photo.storage_key) if photo.status == "ready" else None


def _reduction(width: int, height: int, fmt: str, max_pixels: int, max_side: int) -> int | None:
    """The decode scale that brings the image within the caps, or ``None`` when none does."""
    for scale in _JPEG_SCALES if fmt == "JPEG" else (1,):
        w, h = -(-width // scale), -(-height // scale)
        if max(w, h) <= max_side and w * h <= max_pixels:
            return scale
    return None


def _too_large(width: int, height: int, max_pixels: int, max_side: int) -> ValidationError:
    return ValidationError(
        "file",
        f"图片尺寸太大（{width}×{height} 像素）。请缩小到长边不超过 {max_side} 像素、"
        f"总像素不超过 {max_pixels // 10_000} 万后再上传",
        code="too_large",
    )


def _decode(data: bytes, max_pixels: int, max_side: int) -> Image.Image:
    """Open, check the declared size against the caps, then decode (reduced when possible)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            probe = Image.open(io.BytesIO(data))  # lazy: reads the header only
            width, height = probe.size
            fmt = probe.format or ""
            if fmt not in FORMATS:
                raise ValidationError("file", "只能上传 JPG、PNG、WEBP 或 GIF 图片")
            scale = _reduction(width, height, fmt, max_pixels, max_side)
            if scale is None:
                raise _too_large(width, height, max_pixels, max_side)
            probe.verify()  # structure check; the image must be reopened afterwards
            image = Image.open(io.BytesIO(data))
            if scale > 1:
                image.draft(image.mode, (width // scale, height // scale))
            image.load()
        except ValidationError:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ValidationError(
                "file", "图片尺寸太大，请缩小后再上传", code="too_large"
            ) from None
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
            raise ValidationError("file", NOT_AN_IMAGE) from None
    return image


def _encode(image: Image.Image, fmt: str, original: bytes, max_side: int) -> bytes:
    """Re-encode without EXIF (phones put the GPS position there); GIFs are kept as sent."""
    if fmt == "GIF":
        return original
    image = ImageOps.exif_transpose(image) or image
    if max(image.size) > max_side:
        image.thumbnail((max_side, max_side))
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


def uploads_today(session: Session, account_id: int, now: datetime | None = None) -> int:
    """How many images this account has uploaded since local midnight."""
    local_now = (now or now_utc()).astimezone(local_tz())
    midnight = local_now.replace(hour=0, minute=0, second=0, microsecond=0)
    return (
        session.scalar(
            select(func.count())
            .select_from(Photo)
            .where(Photo.uploader_account_id == account_id, Photo.created_at >= midnight)
        )
        or 0
    )


def store_image(
    session: Session,
    actor: Actor,
    data: bytes,
    upload_dir: Path,
    max_bytes: int,
    *,
    max_pixels: int = MAX_PIXELS,
    max_side: int = MAX_SIDE,
    max_per_day: int = MAX_PER_DAY,
) -> Photo:
    """Check, re-encode and store an image; returns the (flushed) ``Photo`` row.

    Refused: no account, empty, over ``max_bytes``, over ``max_per_day`` uploads today, not
    an image, or declaring more than ``max_pixels`` / a side over ``max_side`` once reduced.
    """
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
    if uploads_today(session, actor.account_id) >= max_per_day:
        raise UploadQuotaExceeded(f"今天已经上传了 {max_per_day} 张图片，达到每日上限，请明天再传")
    image = _decode(data, max_pixels, max_side)
    fmt = image.format or ""
    content_type, ext = FORMATS[fmt]
    body = _encode(image, fmt, data, max_side)
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
