"""Image uploads, and the ``/media/<key>`` route that serves stored images back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask, Response, request, send_file

from handlers.api.base import SECURED, Blueprint, current_actor, validation_error
from handlers.api.schemas import UploadedSchema, UploadIn
from handlers.context import db_session, read_session, settings
from services.errors import NotFound, ValidationError
from services.fulfilment import photos as upload_service

bp = Blueprint("uploads", __name__, url_prefix="/api/v1/uploads", description="上传图片")


def upload_dir() -> Path:
    from infra.paths import ROOT

    path = Path(settings().uploads.dir)
    return path if path.is_absolute() else ROOT / path


@bp.route("", methods=["POST"])
@bp.doc(**SECURED)
@bp.arguments(UploadIn, location="files", unknown="raise")
@bp.response(201, UploadedSchema)
def upload(files: dict[str, Any]) -> dict[str, Any]:
    """上传一张图片（multipart 字段 file），按内容检查是否为图片，限制大小。"""
    _, actor = current_actor(read_session())
    extra = [name for name in request.form] + [n for n in request.files if n != "file"]
    if extra:
        raise validation_error({name: ["Unknown field."] for name in extra})
    storage = files["file"]
    if not hasattr(storage, "read"):
        raise ValidationError("file", "请选择要上传的图片")
    limits = settings().uploads
    data = storage.read(limits.max_bytes + 1)
    session = db_session()
    photo = upload_service.store_image(
        session,
        actor,
        data,
        upload_dir(),
        limits.max_bytes,
        max_pixels=limits.max_pixels,
        max_side=limits.max_side,
        max_per_day=limits.max_per_day,
    )
    body = {"id": photo.id, "url": upload_service.photo_url(photo)}
    session.commit()
    return body


def media(key: str) -> Response:
    found = upload_service.find_media(read_session(), upload_dir(), key)
    if found is None:
        raise NotFound("找不到这张图片")
    path, content_type = found
    resp = send_file(path, mimetype=content_type, max_age=86400, conditional=True)
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Content-Security-Policy"] = "default-src 'none'"
    return resp


def init_media(app: Flask) -> None:
    app.add_url_rule("/media/<path:key>", "media", media, methods=["GET"])
