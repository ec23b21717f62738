"""Official-account image messages (the monthly posters): the image stored under
``uploads.dir`` is uploaded as temporary media, then sent as a customer-service image message.

Payload: ``{"image": "<key under uploads.dir>"}``; ``recipient`` = official-account openid.
A retried row uploads again (a temporary media id lives three days; uploading is harmless).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from models import OutboundMessage
from wechat.errors import WechatPermanentError

if TYPE_CHECKING:
    from delivery.senders import SendContext

_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}


def send_oa_image(msg: OutboundMessage, ctx: SendContext) -> None:
    if not msg.recipient:
        raise WechatPermanentError(f"消息 {msg.id} 没有接收人（openid），无法发送")
    try:
        key = str(json.loads(msg.payload)["image"])
    except (ValueError, KeyError, TypeError) as exc:
        raise WechatPermanentError(f"消息 {msg.id} 的内容格式不对（缺少图片），无法发送") from exc
    root = ctx.uploads_dir.resolve()
    path = (root / key).resolve()
    if root not in path.parents or not path.is_file():
        raise WechatPermanentError(f"消息 {msg.id} 的图片 {key} 已不存在")
    ctx.release()  # hold no lock over the network
    client = ctx.clients.official_account
    media_id = client.upload_media(
        "image", path.name, path.read_bytes(), _TYPES.get(path.suffix.lower(), "image/png")
    )
    client.send_customer_message(
        msg.recipient, {"msgtype": "image", "image": {"media_id": media_id}}
    )
