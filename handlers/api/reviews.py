"""审核: the review queue and decisions (group leader, secretary, township staff), the
secretary's queue of fulfilment logs waiting for 核实, and held text (the content gate)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from handlers.context import db_session, read_session, settings
from services import commitments as commitment_service
from services import content, fulfilment

from . import serialize
from .base import (
    SECURED,
    Blueprint,
    PageArgs,
    check_id,
    current_actor,
    page_body,
    page_list,
    page_of,
    paginate,
)
from .schemas import (
    CommitmentSchema,
    ContentDecisionIn,
    ContentDecisionSchema,
    HeldContentSchema,
    LogToVerifySchema,
    ReviewIn,
    VerificationQueueArgs,
)

bp = Blueprint("reviews", __name__, url_prefix="/api/v1", description="审核")


@bp.route("/reviews/queue", methods=["GET"])
@bp.doc(**SECURED)
@bp.arguments(PageArgs, location="query")
@bp.response(200, page_of(CommitmentSchema))
def queue(args: dict[str, int]) -> dict[str, Any]:
    """等我审核的承诺（不含我自己的）。"""
    session = read_session()
    _, actor = current_actor(session)
    body = page_list(commitment_service.review_queue(session, actor), args)
    body["items"] = serialize.commitments(session, body["items"])
    return body


@bp.route("/reviews/logs", methods=["GET"])
@bp.doc(**SECURED)
@bp.arguments(VerificationQueueArgs, location="query")
@bp.response(200, page_of(LogToVerifySchema))
def logs_to_verify(args: dict[str, Any]) -> dict[str, Any]:
    """等我核实的践诺记录（我管理的支部、已公开的承诺、未核实，不含我自己的；新的在前）。

    群众、普通党员和党小组长没有核实权限，得到空列表。"""
    session = read_session()
    _, actor = current_actor(session)
    stmt = fulfilment.verification_queue(session, actor, commitment_id=args["commitment_id"])
    items, total = paginate(session, stmt, args)
    return page_body(serialize.logs_to_verify(session, items), total, args)


@bp.route("/commitments/<int:commitment_id>/review", methods=["POST"])
@bp.doc(**SECURED)
@bp.arguments(ReviewIn)
@bp.response(200, CommitmentSchema)
def review(args: dict[str, Any], commitment_id: int) -> dict[str, Any]:
    """审核决定：通过（进入下一级或公开）或退回（须写明理由）。不能审核自己的承诺。"""
    session = db_session()
    _, actor = current_actor(session)
    c = commitment_service.visible(session, actor, commitment_id)
    commitment_service.review(
        session,
        actor,
        c,
        args["decision"],
        args.get("reason") or "",
        settings().commitments.review_levels,
    )
    body = serialize.commitment(session, c)
    session.commit()
    return body


@bp.route("/reviews/content", methods=["GET"])
@bp.doc(**SECURED)
@bp.arguments(PageArgs, location="query")
@bp.response(200, page_of(HeldContentSchema))
def held_content(args: dict[str, int]) -> dict[str, Any]:
    """等我审核的待公开内容：含敏感词或微信无法确定的践诺记录和承诺（我管理的支部，不含我自己的；
    早的在前）。审核通过后才向群众公开。没有审核权限的人得到空列表。"""
    session = read_session()
    _, actor = current_actor(session)
    body = page_list(content.held_items(session, actor), args)
    body["items"] = [asdict(item) for item in body["items"]]
    return body


@bp.route("/reviews/content/<kind>/<int:obj_id>", methods=["POST"])
@bp.doc(**SECURED)
@bp.arguments(ContentDecisionIn)
@bp.response(200, ContentDecisionSchema)
def decide_content(args: dict[str, Any], kind: str, obj_id: int) -> dict[str, Any]:
    """审核一条待公开内容：准予公开（approve）或不予公开（reject，须写明理由）。
    kind 为 log（践诺记录）或 commitment（承诺）。"""
    session = db_session()
    _, actor = current_actor(session)
    obj = content.decide(
        session,
        actor,
        kind,
        check_id(obj_id),
        args["decision"] == "approve",
        args.get("reason") or "",
    )
    body = {"kind": kind, "id": obj.id, "content_status": obj.content_status}
    session.commit()
    return body
