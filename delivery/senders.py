"""Outbox channel senders for the WeChat channels (the dispatcher calls these).

Each sender takes one ``OutboundMessage`` row and a ``SendContext`` and either returns
(sent), raises ``WechatTransientError`` (the dispatcher retries with backoff) or raises
``WechatPermanentError`` (the dispatcher stops and keeps the row visible as failed).
Senders never commit: the dispatcher owns the transaction. The WeCom group-robot sender
lives in ``wechat/robot.py``.

Payload shapes (``OutboundMessage.payload`` is JSON):

- ``customer_service``: the customer-service body without ``touser``, e.g.
  ``{"msgtype": "text", "text": {"content": "..."}}``, or ``{"notice": {"kind", ...}}`` worded
  by ``delivery.notices``; ``recipient`` = official-account openid.
- ``template``: ``{"template_id", "data", "url"?, "miniprogram"?}``; ``recipient`` = openid.
- ``subscription``: ``{"template_id", "data", "page"?}``; ``recipient`` = mini-program openid.
- ``media_download``: ``{"photo_id", "media_id"}``: fetches the image into the uploads dir
  and marks the ``Photo`` ready; ``{"voice_id", "media_id"}`` does the same for a voice
  message (``VoiceClip``).
- ``content_check``: ``{"kind": "log"|"commitment", "id", "content", "openid", "scene"?}``:
  WeChat's msg_sec_check v2 of text the content gate (``services/content.py``) left
  ``pending``; the gate turns the answer into the object's ``content_status``.
- ``oa_image``: ``{"image": "<key under uploads.dir>"}``: uploaded as media, then sent as a
  customer-service image message (``delivery.oa_media``); ``recipient`` = openid.
- ``oa_voice``: ``{"voice_id"}``: a kept voice message (``VoiceClip``), once downloaded,
  uploaded as voice media and sent as a customer-service voice message (``delivery.oa_media``).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from delivery import notices
from models import (
    OutboundChannel,
    OutboundMessage,
    Photo,
    VoiceClip,
)
from services import content
from wechat.client import Clients, clients_from_settings
from wechat.errors import WechatNotConfigured, WechatPermanentError

# Where downloaded WeChat images go, relative to ``uploads.dir``.
WECHAT_MEDIA_DIR = "wechat"
WECHAT_VOICE_DIR = "wechat-voice"
_IMAGE_EXT = {b"\xff\xd8\xff": ("jpg", "image/jpeg"), b"\x89PNG": ("png", "image/png")}


@dataclass
class SendContext:
    """What a sender needs: settings, the dispatcher's session, the WeChat clients."""

    settings: Any  # services.config.Settings
    session: Session
    clients: Clients

    @classmethod
    def build(cls, settings: Any, session: Session, clients: Clients | None = None) -> SendContext:
        if clients is None:
            # The token cache uses its own short transactions: the dispatcher holds no lock
            # while a sender talks to WeChat (see ``release``).
            bind = session.get_bind()
            clients = clients_from_settings(
                settings, session_factory=lambda: Session(bind, expire_on_commit=False)
            )
        return cls(settings=settings, session=session, clients=clients)

    def release(self) -> None:
        """End the current transaction before a network call.

        On SQLite a transaction holds the database's write lock; a sender must never keep it
        while waiting for WeChat, or every web request that writes would wait too.
        """
        self.session.commit()

    @property
    def uploads_dir(self) -> Path:
        from infra.paths import ROOT

        path = Path(self.settings.uploads.dir)
        return path if path.is_absolute() else ROOT / path


def _payload(msg: OutboundMessage) -> dict[str, Any]:
    try:
        data = json.loads(msg.payload)
    except ValueError as exc:
        raise WechatPermanentError(f"消息 {msg.id} 的内容不是合法的 JSON，无法发送") from exc
    if not isinstance(data, dict):
        raise WechatPermanentError(f"消息 {msg.id} 的内容格式不对（应为 JSON 对象），无法发送")
    return data


def _need_recipient(msg: OutboundMessage) -> str:
    if not msg.recipient:
        raise WechatPermanentError(f"消息 {msg.id} 没有接收人（openid），无法发送")
    return msg.recipient


def send_customer_service(msg: OutboundMessage, ctx: SendContext) -> None:
    """Official-account customer-service message (user must have interacted within 48 h)."""
    openid = _need_recipient(msg)
    settings = ctx.settings.requests
    payload = _payload(msg)
    channel, body = notices.route(
        ctx.session,
        payload,
        openid,
        settings.notice_template_id,
        fields=settings.template_fields,
    )
    ctx.release()  # route read the inbound log: hold no lock over the network
    if channel == "template":  # outside the 48-hour window (the choice: delivery.notices)
        ctx.clients.official_account.send_template(
            openid,
            body["template_id"],
            body["data"],
            miniprogram=notices.opening(payload, ctx.settings.wechat.mini_program.app_id),
        )
        return
    ctx.clients.official_account.send_customer_message(openid, body)


def send_template(msg: OutboundMessage, ctx: SendContext) -> None:
    data = _payload(msg)
    ctx.clients.official_account.send_template(
        _need_recipient(msg),
        str(data["template_id"]),
        data.get("data") or {},
        url=str(data.get("url") or ""),
        miniprogram=data.get("miniprogram"),
    )


def send_subscription(msg: OutboundMessage, ctx: SendContext) -> None:
    data = _payload(msg)
    notice = data.get("notice")
    if isinstance(notice, dict):  # a queued notice for a mini-program-only user
        notices.text_of(notice)  # an unknown kind fails here, as for the other channels
        data = notices.subscription_of(
            notice, str(data["template_id"]), ctx.settings.requests.template_fields
        )
    ctx.clients.mini_program.send_subscribe(
        _need_recipient(msg),
        str(data["template_id"]),
        data.get("data") or {},
        page=str(data.get("page") or ""),
        miniprogram_state=notices.MP_STATE.get(
            ctx.settings.wechat.mini_program.env_version, "formal"
        ),
    )


def download_media(msg: OutboundMessage, ctx: SendContext) -> None:
    """Fetch an image a user sent to the official account and mark its ``Photo`` ready."""
    data = _payload(msg)
    if "voice_id" in data:
        download_voice(msg, ctx)
        return
    photo = ctx.session.get(Photo, int(data["photo_id"]))
    if photo is None:
        raise WechatPermanentError(f"消息 {msg.id} 对应的照片 {data['photo_id']} 已不存在")
    if photo.status == "ready" and photo.storage_key:
        return  # already done (a retried row)
    ctx.release()
    try:
        content = ctx.clients.official_account.get_media(str(data["media_id"]))
    except WechatPermanentError:
        photo.status = "failed"
        ctx.session.commit()  # kept even though the dispatcher rolls back its own change
        raise
    if len(content) > ctx.settings.uploads.max_bytes:
        photo.status = "failed"
        ctx.session.commit()
        raise WechatPermanentError(f"图片超过 {ctx.settings.uploads.max_bytes} 字节，未保存")
    ext, ctype = next(
        (v for magic, v in _IMAGE_EXT.items() if content.startswith(magic)), ("jpg", "image/jpeg")
    )
    # Random names: a photo's URL must not let anyone guess another user's photo.
    key = f"{WECHAT_MEDIA_DIR}/{secrets.token_urlsafe(18)}.{ext}"
    target = ctx.uploads_dir / key
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(target.suffix + ".part")
    tmp.write_bytes(content)
    tmp.replace(target)
    photo.storage_key = key
    photo.content_type = ctype
    photo.status = "ready"
    ctx.session.flush()


def download_voice(msg: OutboundMessage, ctx: SendContext) -> None:
    """Fetch a voice message (``{"voice_id", "media_id"}``) into the uploads dir and mark its
    ``VoiceClip`` ready: the same media/get path as photos."""
    data = _payload(msg)
    clip = ctx.session.get(VoiceClip, int(data["voice_id"]))
    if clip is None:
        raise WechatPermanentError(f"消息 {msg.id} 对应的语音 {data['voice_id']} 已不存在")
    if clip.status == "ready" and clip.storage_key:
        return
    ctx.release()
    try:
        content_bytes = ctx.clients.official_account.get_media(str(data["media_id"]))
    except WechatPermanentError:
        clip.status = "failed"
        ctx.session.commit()
        raise
    if len(content_bytes) > ctx.settings.uploads.max_bytes:
        clip.status = "failed"
        ctx.session.commit()
        raise WechatPermanentError(f"语音超过 {ctx.settings.uploads.max_bytes} 字节，未保存")
    ext = "".join(ch for ch in clip.audio_format if ch.isalnum())[:8] or "amr"
    key = f"{WECHAT_VOICE_DIR}/{secrets.token_urlsafe(18)}.{ext}"
    target = ctx.uploads_dir / key
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(target.suffix + ".part")
    tmp.write_bytes(content_bytes)
    tmp.replace(target)
    clip.storage_key = key
    clip.status = "ready"
    ctx.session.flush()


def check_content(msg: OutboundMessage, ctx: SendContext) -> None:
    """WeChat content-security check (msg_sec_check v2) queued by the content gate; the
    answer goes back to the gate (``services.content.apply_wechat_answer``), which decides."""
    data = _payload(msg)
    kind = str(data.get("kind"))
    if kind not in content.Kind.values():
        raise WechatPermanentError(f"消息 {msg.id} 的内容类型 {data.get('kind')} 无法识别")
    obj_id, text = int(data["id"]), str(data["content"])
    if not content.awaiting_check(ctx.session, kind, obj_id, text):
        return  # deleted, edited since (its own check is queued) or decided by a person
    ctx.release()
    try:
        result = ctx.clients.mini_program.msg_sec_check(
            str(data.get("openid") or msg.recipient),
            text,
            int(data.get("scene", 2)),
        )
    except WechatNotConfigured:
        content.apply_wechat_answer(ctx.session, kind, obj_id, text, None)
        return
    content.apply_wechat_answer(ctx.session, kind, obj_id, text, str(result.get("suggest", "")))


Sender = Callable[[OutboundMessage, SendContext], None]

SENDERS: dict[str, Sender] = {
    OutboundChannel.CUSTOMER_SERVICE.value: send_customer_service,
    OutboundChannel.TEMPLATE.value: send_template,
    OutboundChannel.SUBSCRIPTION.value: send_subscription,
    OutboundChannel.MEDIA_DOWNLOAD.value: download_media,
    OutboundChannel.CONTENT_CHECK.value: check_content,
}

# Official-account media messages (the monthly posters, passed-on voices) live in their own module.
from delivery.oa_media import send_oa_image, send_oa_voice  # noqa: E402

SENDERS[OutboundChannel.OA_IMAGE.value] = send_oa_image
SENDERS[OutboundChannel.OA_VOICE.value] = send_oa_voice
