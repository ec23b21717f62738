"""Wording of the notices the rules queue for a resident (``services.outbox.notice_account``):
the official account's voice, so it names the bot's commands; the rules only send facts."""

from __future__ import annotations

from typing import Any

from services.requests import NOTICE_REPLIED, NOTICE_RESOLVED
from wechat.errors import WechatPermanentError


def text_of(notice: dict[str, Any]) -> str:
    kind = notice.get("kind")
    number = notice.get("number", "")
    if kind == NOTICE_REPLIED:
        return (
            f"您反映的诉求（编号 {number}）有了答复：{notice.get('text', '')}\n"
            f"回复“查询 {number}”查看进展。"
        )
    if kind == NOTICE_RESOLVED:
        return (
            f"您反映的诉求（编号 {number}）已办结：{notice.get('resolution', '')}。"
            f"{notice.get('note', '')}\n"
            f"如已解决请回复“确认 {number}”；请回复“满意 {number}”“基本满意 {number}”"
            f"或“不满意 {number} 原因”评价办理结果，不满意会退回重办。"
        )
    raise WechatPermanentError(f"不认识的通知类型“{kind}”，无法发送")


def body_of(payload: dict[str, Any]) -> dict[str, Any]:
    """A customer-service body: a queued notice worded as text; any other body unchanged."""
    notice = payload.get("notice")
    if not isinstance(notice, dict):
        return payload
    return {"msgtype": "text", "text": {"content": text_of(notice)}}
