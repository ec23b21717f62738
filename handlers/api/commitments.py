"""定诺: my commitments — create and edit drafts, submit, withdraw, read with timeline."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from handlers.context import db_session, read_session, settings
from models import Commitment
from services import commitments as commitment_service
from services import fulfilment
from services import timeline as timeline_service
from services.actors import Actor
from services.content import COMMITMENT_TEXT_FIELDS, SCENES, Kind
from services.errors import PermissionDenied, ValidationError
from services.org import pairing

from . import serialize, wx
from .base import (
    SECURED,
    Blueprint,
    PageArgs,
    current_actor,
    optional_actor,
    page_body,
    page_of,
    paginate,
)
from .schemas import (
    CommitmentCreateIn,
    CommitmentDetailSchema,
    CommitmentPatch,
    CommitmentSchema,
    WithdrawIn,
)

bp = Blueprint("commitments", __name__, url_prefix="/api/v1/commitments", description="承诺")

TEXT_FIELDS = COMMITMENT_TEXT_FIELDS


def _public_text(args: dict[str, Any]) -> str:
    return "\n".join(str(args[k]) for k in TEXT_FIELDS if args.get(k))


def _services_data(args: dict[str, Any]) -> dict[str, Any]:
    data = {k: v for k, v in args.items() if k != "request_ids"}
    return {k: v for k, v in data.items() if v is not None or k == "frequency"}


def detail(session: Any, actor: Actor | None, c: Commitment) -> dict[str, Any]:
    body = serialize.commitment(session, c)
    body["timeline"] = serialize.timeline(timeline_service.entries_for(session, c))
    can = commitment_service.capabilities(session, actor, c).as_dict()
    body["can"] = {**can, "log": fulfilment.can_log(session, actor, c)}
    return body


@bp.route("/mine", methods=["GET"])
@bp.doc(**SECURED)
@bp.arguments(PageArgs, location="query")
@bp.response(200, page_of(CommitmentSchema))
def mine(args: dict[str, int]) -> dict[str, Any]:
    """我的承诺（党员本人的，含草稿和审核中的）。"""
    session = read_session()
    _, actor = current_actor(session)
    if actor.member_id is None:
        return page_body([], 0, args)
    stmt = (
        select(Commitment)
        .where(Commitment.member_id == actor.member_id)
        .order_by(Commitment.id.desc())
    )
    items, total = paginate(session, stmt, args)
    return page_body(serialize.commitments(session, items), total, args)


@bp.route("", methods=["POST"])
@bp.doc(**SECURED)
@bp.arguments(CommitmentCreateIn)
@bp.response(201, CommitmentSchema)
def create(args: dict[str, Any]) -> dict[str, Any]:
    """起草一条承诺（草稿；须写明做什么、做多少、什么时候）。owner_kind=branch 为支部承诺
    （支部书记起草，街镇审核）；再填 partner_org_id 为机关支部对结对村的结对共建承诺。"""
    owner_kind = args.pop("owner_kind", None) or "member"
    org_id, partner_id = args.pop("org_id", None), args.pop("partner_org_id", None)
    account, actor = current_actor(read_session())
    if owner_kind == "member" and partner_id is not None:
        raise ValidationError("partner_org_id", "结对共建承诺须以支部名义作出（owner_kind=branch）")
    if owner_kind == "member" and actor.member_id is None:
        raise PermissionDenied("请先在“我的”页面绑定党员身份，再作出承诺")
    content = _public_text(args)
    answer = wx.precheck(account.mp_openid, content, SCENES[Kind.COMMITMENT])
    session = db_session()
    request_ids = args.get("request_ids") or ()
    if owner_kind == "branch" and partner_id is not None:
        c = pairing.create_partner_pledge(
            session,
            actor,
            org_id or 0,
            partner_id,
            _services_data(args),
            request_ids=request_ids,
            content_answer=answer,
        )
    else:
        c = commitment_service.create(
            session,
            actor,
            _services_data(args),
            owner_kind=owner_kind,
            org_id=org_id,
            request_ids=request_ids,
            content_answer=answer,
        )
    body = serialize.commitment(session, c)
    session.commit()
    return body


@bp.route("/<int:commitment_id>", methods=["GET"])
@bp.response(200, CommitmentDetailSchema)
def get(commitment_id: int) -> dict[str, Any]:
    """承诺详情与时间线（公开的承诺无需登录）。"""
    session = read_session()
    actor = optional_actor(session)
    c = commitment_service.visible(session, actor, commitment_id)
    return detail(session, actor, c)


@bp.route("/<int:commitment_id>", methods=["PATCH"])
@bp.doc(**SECURED)
@bp.arguments(CommitmentPatch)
@bp.response(200, CommitmentSchema)
def update(args: dict[str, Any], commitment_id: int) -> dict[str, Any]:
    """修改草稿（含被退回的承诺）。"""
    account, actor = current_actor(read_session())
    content = _public_text(args)
    answer = wx.precheck(account.mp_openid, content, SCENES[Kind.COMMITMENT]) if content else None
    session = db_session()
    c = commitment_service.visible(session, actor, commitment_id)
    commitment_service.update_draft(session, actor, c, _services_data(args), content_answer=answer)
    body = serialize.commitment(session, c)
    session.commit()
    return body


@bp.route("/<int:commitment_id>/submit", methods=["POST"])
@bp.doc(**SECURED)
@bp.response(200, CommitmentSchema)
def submit(commitment_id: int) -> dict[str, Any]:
    """提交审核（按配置的审核层级：党小组初审 → 支部复审 → 街镇备案）。"""
    session = db_session()
    _, actor = current_actor(session)
    c = commitment_service.visible(session, actor, commitment_id)
    commitment_service.submit(session, actor, c, settings().commitments.review_levels)
    body = serialize.commitment(session, c)
    session.commit()
    return body


@bp.route("/<int:commitment_id>/withdraw", methods=["POST"])
@bp.doc(**SECURED)
@bp.arguments(WithdrawIn)
@bp.response(200, CommitmentSchema)
def withdraw(args: dict[str, Any], commitment_id: int) -> dict[str, Any]:
    """撤回承诺（须写明原因）。"""
    session = db_session()
    _, actor = current_actor(session)
    c = commitment_service.visible(session, actor, commitment_id)
    commitment_service.withdraw(session, actor, c, args["reason"])
    body = serialize.commitment(session, c)
    session.commit()
    return body
