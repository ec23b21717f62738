"""Wording of the notices the rules queue (``services.outbox.notice_account``): to a resident
(answers, resolutions) and to the people who must act on a request (``services.requests.notify``:
assignment, escalation). The official account's voice, so it names the bot's commands and the
mini-program page; the rules only send facts.

Channel (decided here only, at send time, by :func:`route`): a customer-service message while
the recipient is inside WeChat's 48-hour window (they wrote to the official account within 48
hours), else a template message when ``requests.notice_template_id`` is set; without a template
the customer-service send is tried anyway (WeChat may refuse it; the row then shows the error)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from delivery import civic_notices
from infra.clock import now_utc
from models import InboundMessage
from services.content import NOTICE_HELD
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
    if kind == NOTICE_HELD:
        what = "践诺记录" if notice.get("what") == "log" else "承诺"
        return (
            f"{notice.get('org_name', '')}{notice.get('author', '')}的{what}含需要审核的词，"
            f"暂未公开：“{notice.get('text', '')}”\n"
            "请在小程序“待办 → 待审核内容”或电脑后台“内容审核”里准予公开或不予公开。"
        )
    civic = civic_notices.text_of(notice)
    if civic is not None:
        return civic
    raise WechatPermanentError(f"不认识的通知类型“{kind}”，无法发送")


def body_of(payload: dict[str, Any]) -> dict[str, Any]:
    """A customer-service body: a queued notice worded as text; any other body unchanged."""
    notice = payload.get("notice")
    if not isinstance(notice, dict):
        return payload
    return {"msgtype": "text", "text": {"content": text_of(notice)}}


SERVICE_WINDOW = timedelta(hours=48)


def in_service_window(session: Session, openid: str, now: datetime | None = None) -> bool:
    """Has ``openid`` written to the official account within the last 48 hours?"""
    since = (now or now_utc()) - SERVICE_WINDOW
    return (
        session.scalar(
            select(InboundMessage.id)
            .where(InboundMessage.openid == openid, InboundMessage.created_at >= since)
            .limit(1)
        )
        is not None
    )


DEFAULT_FIELDS = {"item": "thing1", "number": "character_string2", "hint": "thing3"}


def template_of(
    notice: dict[str, Any], template_id: str, fields: Mapping[str, str] = DEFAULT_FIELDS
) -> dict[str, Any]:
    """A queued notice as a template message: 事项, 编号 and 提示 under the keys of the
    template chosen in the 公众平台 (``requests.template_fields``)."""
    keys = {**DEFAULT_FIELDS, **fields}
    return {
        "template_id": template_id,
        "data": {
            keys["item"]: {"value": str(notice.get("text", ""))[:20] or "群众诉求"},
            keys["number"]: {"value": str(notice.get("number", ""))},
            keys["hint"]: {"value": text_of(notice).split("\n")[-1][:20]},
        },
    }


def route(
    session: Session,
    payload: dict[str, Any],
    openid: str,
    template_id: str,
    now: datetime | None = None,
    fields: Mapping[str, str] = DEFAULT_FIELDS,
) -> tuple[str, dict[str, Any]]:
    """Channel and body for a customer-service row: ``("customer_service", body)`` inside the
    48-hour window (or with no template configured), else ``("template", template payload)``."""
    notice = payload.get("notice")
    if isinstance(notice, dict) and template_id and not in_service_window(session, openid, now):
        text_of(notice)  # an unknown kind fails here, as it would as a customer-service text
        return "template", template_of(notice, template_id, fields)
    return "customer_service", body_of(payload)


def opening(payload: dict[str, Any], mini_program_app_id: str) -> dict[str, str] | None:
    """Where a template message opens: the request's page in the mini-program, when one is
    configured and the notice names its page."""
    notice = payload.get("notice")
    path = notice.get("mp_path") if isinstance(notice, dict) else None
    if not mini_program_app_id or not path:
        return None
    return {"appid": mini_program_app_id, "pagepath": str(path)}


MP_STATE = {"release": "formal", "trial": "trial", "develop": "developer"}
DEFAULT_PAGE = "pages/requests/index"


def subscription_of(
    notice: dict[str, Any], template_id: str, fields: Mapping[str, str] = DEFAULT_FIELDS
) -> dict[str, Any]:
    """A queued notice as a mini-program subscription message (same fields as the template
    message; it opens the request's page, or 我的诉求 / 待办)."""
    return {
        "template_id": template_id,
        "data": template_of(notice, template_id, fields)["data"],
        "page": str(notice.get("mp_path") or DEFAULT_PAGE),
    }
