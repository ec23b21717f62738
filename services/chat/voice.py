"""Voice messages: kept with the log or request they led to, the audio fetched from WeChat
by the outbox worker (media/get, like a photo) — never inside the callback's 5 seconds."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from infra.clock import now_utc
from models import FulfilmentLog, OutboundChannel, Request, VoiceClip
from services import outbox
from services.actors import Actor
from services.errors import NotFound
from services.requests import notify
from services.requests.access import can_view


def made_by_message(session: Session, msg_id: str) -> tuple[FulfilmentLog | None, Request | None]:
    """The log and the request a message created (by its ``source_msg_id``), if any."""
    entry = session.scalar(select(FulfilmentLog).where(FulfilmentLog.source_msg_id == msg_id))
    req = session.scalar(select(Request).where(Request.source_msg_id == msg_id))
    return entry, req


def keep_voice(
    session: Session,
    *,
    account_id: int,
    openid: str,
    media_id: str,
    msg_id: str,
    recognition: str = "",
    audio_format: str = "amr",
    log_id: int | None = None,
    request_id: int | None = None,
    now: datetime | None = None,
) -> VoiceClip:
    """Record the voice and queue its download (once per message)."""
    clip = VoiceClip(
        wechat_media_id=media_id[:128],
        recognition=recognition,
        audio_format=audio_format[:16] or "amr",
        status="downloading",
        account_id=account_id,
        log_id=log_id,
        request_id=request_id,
        created_at=now or now_utc(),
    )
    session.add(clip)
    session.flush()
    outbox.enqueue(
        session,
        OutboundChannel.MEDIA_DOWNLOAD,
        {"voice_id": clip.id, "media_id": media_id},
        f"voice:{msg_id}",
        recipient=openid,
    )
    if request_id is not None:  # whoever holds the request hears it in WeChat
        notify.pass_on_voices(session, session.get_one(Request, request_id), [clip])
    return clip


def voices_of_request(session: Session, request_id: int) -> list[VoiceClip]:
    return list(
        session.scalars(
            select(VoiceClip).where(VoiceClip.request_id == request_id).order_by(VoiceClip.id)
        )
    )


def voices_for(session: Session, request_ids: list[int]) -> dict[int, list[VoiceClip]]:
    """The ready voice clips of many requests at once (one query), by request id."""
    out: dict[int, list[VoiceClip]] = {}
    if not request_ids:
        return out
    rows = session.scalars(
        select(VoiceClip)
        .where(VoiceClip.request_id.in_(request_ids), VoiceClip.status == "ready")
        .order_by(VoiceClip.id)
    )
    for clip in rows:
        out.setdefault(int(clip.request_id or 0), []).append(clip)
    return out


def voice_file(
    session: Session, actor: Actor | None, upload_dir: Path, clip_id: int
) -> tuple[Path, VoiceClip]:
    """The stored audio of a request's voice clip, for those who may see the request."""
    clip = session.get(VoiceClip, clip_id)
    req = session.get(Request, clip.request_id) if clip and clip.request_id else None
    if clip is None or req is None or not can_view(session, actor, req):
        raise NotFound("找不到这段语音")
    if clip.status != "ready" or not clip.storage_key:
        raise NotFound("这段语音还没有下载好，请稍后再试")
    path = (upload_dir / clip.storage_key).resolve()
    if not path.is_relative_to(upload_dir.resolve()) or not path.is_file():
        raise NotFound("找不到这段语音")
    return path, clip
