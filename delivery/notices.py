"""Wording of the notices the rules queue (``services.outbox.notice_account``): to a resident
(answers, resolutions) and to the people who must act on a request (``services.requests.notify``:
assignment, escalation). The official account's voice, so it names the bot's commands and the
mini-program page; the rules only send facts.

Channel: every notice goes as an official-account customer-service message (the dispatcher's
customer-service sender). Outside WeChat's 48-hour window that send is refused and the row is
marked failed in the outbox; a template-message fallback would be chosen here, in one place."""

from __future__ import annotations

from typing import Any

from services.requests import NOTICE_REPLIED, NOTICE_RESOLVED
from services.requests.notify import NOTICE_ASSIGNED, NOTICE_ESCALATED
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
    if kind == NOTICE_ASSIGNED:
        who = "您" if notice.get("to_member") else f"{notice.get('org_name', '')}"
        return (
            f"有一件群众诉求（编号 {number}）分派给{who}办理：{notice.get('text', '')}\n"
            f"请在时限内答复：回复“待办”查看，或在小程序“我的诉求”中打开"
            f"（{notice.get('mp_path', '')}）。"
        )
    if kind == NOTICE_ESCALATED:
        stage = "答复" if notice.get("stage") == "answer" else "办结"
        return (
            f"群众诉求（编号 {number}，{notice.get('org_name', '')}）超过{stage}时限，"
            f"已上报给您督办：{notice.get('text', '')}\n"
            f"请在小程序“我的诉求”中打开（{notice.get('mp_path', '')}）分派或催办。"
        )
    raise WechatPermanentError(f"不认识的通知类型“{kind}”，无法发送")


def body_of(payload: dict[str, Any]) -> dict[str, Any]:
    """A customer-service body: a queued notice worded as text; any other body unchanged."""
    notice = payload.get("notice")
    if not isinstance(notice, dict):
        return payload
    return {"msgtype": "text", "text": {"content": text_of(notice)}}
