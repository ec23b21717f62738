"""街镇管理员后台: a voice message kept with a request, downloaded for listening
(/staff/voice/<id>). Routes of the console blueprint (same login); who may hear it is the
request's visibility rule (``services.requests.can_view``), through ``services.chat``."""

from __future__ import annotations

from typing import Any

from flask import Response, send_file

from handlers.api.uploads import upload_dir
from handlers.staff import _actor, _db, bp, login_required
from services import chat

AUDIO_TYPES = {"amr": "audio/amr", "speex": "audio/speex", "mp3": "audio/mpeg"}


@bp.get("/voice/<int:clip_id>")
@login_required
def voice(clip_id: int) -> Response:
    path, clip = chat.voice_file(_db(), _actor(), upload_dir(), clip_id)
    resp = send_file(
        path,
        mimetype=AUDIO_TYPES.get(clip.audio_format, "application/octet-stream"),
        as_attachment=True,
        download_name=f"voice-{clip.id}.{path.suffix.lstrip('.') or 'amr'}",
    )
    resp.headers["X-Content-Type-Options"] = "nosniff"
    return resp


@bp.app_template_global("voice_clips")
def voice_clips(rows: list[Any]) -> dict[int, list[Any]]:
    """The ready voice clips of the listed requests (one query), for the request list."""
    return chat.voices_for(_db(), [row.request.id for row in rows])
