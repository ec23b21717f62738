"""订阅消息: the templates the mini-program may ask users to allow, and each user's answer.

Parse → ``services.subscriptions`` (which templates are offered, the record of grants)
→ serialise. Delivery may spend an accepted grant to send one subscription message."""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from handlers.context import db_session, read_session, settings
from services import subscriptions

from .base import SECURED, Blueprint, Schema, current_account, one_of, text_field

F = ma.fields

bp = Blueprint("subscriptions", __name__, url_prefix="/api/v1", description="订阅消息")


class TemplateSchema(ma.Schema):
    template_id = F.String(required=True)
    scenes = F.List(F.String(), required=True, metadata={"description": "request / inbox"})
    title = F.String(required=True)


class TemplatesSchema(ma.Schema):
    items = F.List(F.Nested(TemplateSchema), required=True)


class GrantIn(Schema):
    template_id = text_field(64, required=True, min_len=1)
    decision = one_of(
        ("accept", "reject", "ban", "filter"),
        "accept（允许）、reject（拒绝）、ban（已被封禁）、filter（被过滤）",
        required=True,
    )


class GrantsIn(Schema):
    scene = one_of(
        ("request", "inbox"), "request（提交诉求时）、inbox（打开待办时）", required=True
    )
    grants = F.List(
        F.Nested(GrantIn),
        required=True,
        validate=ma.validate.Length(min=1, max=3, error="请提供 1 到 3 个订阅结果"),
        error_messages={"required": "必填，请提供订阅结果", "invalid": "应为列表"},
    )


class RecordedSchema(ma.Schema):
    recorded = F.Integer(required=True)
    accepted = F.Integer(required=True)


def _offered() -> list[subscriptions.Template]:
    s = settings().requests
    return subscriptions.offered(s.answer_subscribe_template_id, s.inbox_subscribe_template_id)


@bp.route("/subscriptions", methods=["GET"])
@bp.doc(**SECURED)
@bp.response(200, TemplatesSchema)
def templates() -> dict[str, Any]:
    """小程序可请求用户允许的订阅消息模板（来自服务器配置；未配置时为空列表）。"""
    current_account(read_session())
    return {
        "items": [
            {"template_id": t.template_id, "scenes": list(t.scenes), "title": t.title}
            for t in _offered()
        ]
    }


@bp.route("/subscriptions", methods=["POST"])
@bp.doc(**SECURED)
@bp.arguments(GrantsIn)
@bp.response(201, RecordedSchema)
def record(args: dict[str, Any]) -> dict[str, Any]:
    """记录用户对订阅消息的选择（每个模板：允许 / 拒绝，及时间）。"""
    session = db_session()
    account = current_account(session)
    rows = subscriptions.record(session, account.id, args["scene"], args["grants"], _offered())
    body = {"recorded": len(rows), "accepted": sum(r.decision == "accept" for r in rows)}
    session.commit()
    return body
