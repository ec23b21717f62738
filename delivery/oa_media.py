"""Official-account media messages: a file stored under ``uploads.dir`` is uploaded as
temporary media, then sent as a customer-service message of that type.

- ``oa_image`` (the monthly posters): ``{"image": "<key under uploads.dir>"}``.
- ``oa_voice`` (a resident's voice message passed on to whoever holds the request,
  ``services.requests.notify.pass_on_voices``): ``{"voice_id": <VoiceClip id>}``; while the
  clip is still being downloaded from WeChat the row waits (retried), a clip that could not be
  downloaded fails the row.

``recipient`` = official-account openid. A retried row uploads again (a temporary media id
lives three days; uploading is harmless).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from models import OutboundMessage, VoiceClip
from wechat.errors import WechatPermanentError, WechatTransientError

if TYPE_CHECKING:
    from delivery.senders import SendContext

_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".amr": "audio/amr",
    ".mp3": "audio/mpeg",
    ".speex": "audio/speex",
}


def _field(msg: OutboundMessage, name: str, what: str) -> object:
    if not msg.recipient:
        raise WechatPermanentError(f"消息 {msg.id} 没有接收人（openid），无法发送")
    try:
        return json.loads(msg.payload)[name]
    except (ValueError, KeyError, TypeError) as exc:
        raise WechatPermanentError(f"消息 {msg.id} 的内容格式不对（缺少{what}），无法发送") from exc


def _stored(ctx: SendContext, msg: OutboundMessage, key: str, what: str) -> Path:
    root = ctx.uploads_dir.resolve()
    path = (root / key).resolve()
    if root not in path.parents or not path.is_file():
        raise WechatPermanentError(f"消息 {msg.id} 的{what} {key} 已不存在")
    return path


def _upload_and_send(ctx: SendContext, msg: OutboundMessage, kind: str, path: Path) -> None:
    ctx.release()  # hold no lock over the network
    client = ctx.clients.official_account
    default = "image/png" if kind == "image" else "audio/amr"
    media_id = client.upload_media(
        kind, path.name, path.read_bytes(), _TYPES.get(path.suffix.lower(), default)
    )
    client.send_customer_message(msg.recipient, {"msgtype": kind, kind: {"media_id": media_id}})


def send_oa_image(msg: OutboundMessage, ctx: SendContext) -> None:
    key = str(_field(msg, "image", "图片"))
    _upload_and_send(ctx, msg, "image", _stored(ctx, msg, key, "图片"))


def send_oa_voice(msg: OutboundMessage, ctx: SendContext) -> None:
    voice_id = _field(msg, "voice_id", "语音")
    clip = ctx.session.get(VoiceClip, int(voice_id))  # type: ignore[call-overload]
    if clip is None:
        raise WechatPermanentError(f"消息 {msg.id} 对应的语音 {voice_id} 已不存在")
    if clip.status == "failed":
        raise WechatPermanentError(f"语音 {clip.id} 没能从微信下载（可能已过期），无法转发")
    if clip.status != "ready" or not clip.storage_key:
        raise WechatTransientError(f"语音 {clip.id} 还在从微信下载，稍后再转发")
    _upload_and_send(ctx, msg, "voice", _stored(ctx, msg, clip.storage_key, "语音"))
