"""半年互评表 for the mini-program: whom I may rate this half year and what I already gave.
Rating goes through the existing ``POST /members/<id>/mutual`` (handlers/api/evaluations.py)."""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from handlers.context import read_session
from infra.clock import local_date
from services import evaluation
from services.evaluation.mutual_sheet import mutual_sheet

from .base import SECURED, Blueprint, Schema, current_actor
from .evaluations import a_period

F = ma.fields

bp = Blueprint("mutual_sheet", __name__, url_prefix="/api/v1", description="评诺与先锋指数")


class SheetQuery(Schema):
    period = a_period(load_default=None)


class SheetRowSchema(ma.Schema):
    member_id = F.Integer(required=True)
    member_name = F.String(required=True)
    rating = F.String(allow_none=True, required=True, metadata={"description": "未评为 null"})
    rating_label = F.String(allow_none=True, required=True)


class ChoiceSchema(ma.Schema):
    value = F.String(required=True)
    label = F.String(required=True)


class SheetSchema(ma.Schema):
    period = F.String(required=True)
    choices = F.List(
        F.Nested(ChoiceSchema),
        required=True,
        metadata={"description": "好、较好、一般、差（按此顺序）"},
    )
    items = F.List(F.Nested(SheetRowSchema), required=True)


@bp.route("/me/mutual", methods=["GET"])
@bp.doc(**SECURED)
@bp.arguments(SheetQuery, location="query")
@bp.response(200, SheetSchema)
def sheet(args: dict[str, Any]) -> dict[str, Any]:
    """我的半年互评表：本支部其他党员，以及我已给出的评价（不填 period 为本半年）。"""
    if args.get("period"):
        year, half = evaluation.parse_half(args["period"])
    else:
        today = local_date()
        year, half = today.year, 1 if today.month <= 6 else 2
    session = read_session()
    _account, actor = current_actor(session)
    labels = evaluation.MUTUAL_RATINGS
    return {
        "period": evaluation.half_of(year, half),
        "choices": [{"value": k, "label": v} for k, v in labels.items()],
        "items": [
            {
                "member_id": r.member.id,
                "member_name": r.member.name,
                "rating": r.given.rating if r.given else None,
                "rating_label": labels.get(r.given.rating, r.given.rating) if r.given else None,
            }
            for r in mutual_sheet(session, actor, year, half)
        ],
    }
