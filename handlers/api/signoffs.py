"""群众销账 on the member card: which of the card's logs the signed-in resident may confirm.

The card itself is public and cached for everyone (``public.card``); who may sign off is
per viewer, so it is this small signed-in read beside it. The rule is
``services.evaluation.signoff`` (the same ``is_served_by`` the sign-off enforces)."""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from handlers.context import read_session, settings
from infra.clock import local_date
from services import evaluation
from services.evaluation.signoff import sign_offs
from services.reads import public

from .base import SECURED, Blueprint, current_actor

F = ma.fields

bp = Blueprint("signoffs", __name__, url_prefix="/api/v1", description="群众销账")


class RatedSchema(ma.Schema):
    log_id = F.Integer(required=True)
    rating = F.String(required=True)
    rating_label = F.String(required=True)


class SignOffsSchema(ma.Schema):
    confirmable = F.List(
        F.Integer(),
        required=True,
        metadata={"description": "名片上最近的践诺记录中，当前群众可以确认（销账）的记录 id"},
    )
    rated = F.List(F.Nested(RatedSchema), required=True, metadata={"description": "已评价的"})


@bp.route("/members/<string:public_code>/sign-offs", methods=["GET"])
@bp.doc(**SECURED)
@bp.response(200, SignOffsSchema)
def card_sign_offs(public_code: str) -> dict[str, Any]:
    """党员名片上哪些践诺记录可由当前群众确认（只有这位党员联系服务的群众可以）。"""
    session = read_session()
    _account, actor = current_actor(session)
    member = public.member_by_code(session, public_code)
    c = public.member_card(session, member, local_date(), settings().reports.member_card_logs)
    found = sign_offs(session, actor, [v.id for v in c.logs])
    labels = evaluation.RATING_LABELS
    return {
        "confirmable": found.confirmable,
        "rated": [
            {"log_id": i, "rating": r, "rating_label": labels.get(r, r)}
            for i, r in found.rated.items()
        ],
    }
