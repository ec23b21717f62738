"""践诺: fulfilment logs with photos."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from handlers.context import db_session, read_session, settings
from models import FulfilmentLog
from services import commitments as commitment_service
from services import content, fulfilment, visibility
from services.actors import Actor
from services.reads import public as public_reads

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
from .public import log_bodies
from .schemas import LogCreatedSchema, LogEditIn, LogIn, LogSchema

bp = Blueprint("logs", __name__, url_prefix="/api/v1/commitments", description="践诺记录")


@bp.route("/<int:commitment_id>/logs", methods=["POST"])
@bp.doc(**SECURED)
@bp.arguments(LogIn)
@bp.response(201, LogCreatedSchema)
def create(args: dict[str, Any], commitment_id: int) -> dict[str, Any]:
    """记录践诺（数量、内容、照片），返回新的进度。"""
    account, actor = current_actor(read_session())
    note = args.get("note") or ""
    answer = wx.precheck(account.mp_openid, note, content.SCENES[content.Kind.LOG])
    session = db_session()
    c = commitment_service.visible(session, actor, commitment_id)
    entry = fulfilment.log(
        session,
        actor,
        c,
        quantity=args["quantity"],
        note=note,
        happened_on=args.get("happened_on"),
        channel="miniprogram",
        photo_ids=args.get("photo_ids") or (),
        content_answer=answer,
        backdate_days=settings().commitments.backdate_days,
    )
    session.flush()
    body = {
        "log": serialize.logs(session, [entry])[0],
        "progress": fulfilment.progress_of(session, c).as_dict(),
    }
    session.commit()
    return body


@bp.route("/<int:commitment_id>/logs", methods=["GET"])
@bp.arguments(PageArgs, location="query")
@bp.response(200, page_of(LogSchema))
def index(args: dict[str, int], commitment_id: int) -> dict[str, Any]:
    """一条承诺的践诺记录（新的在前）。"""
    session = read_session()
    actor = optional_actor(session)
    c = commitment_service.visible(session, actor, commitment_id)
    if not commitment_service.is_owner(actor, c) and visibility.commitment_is_public(c):
        # Everyone but the author reads the public view: the one read model's logs (public
        # text only, residents' phones masked), as on the member's card.
        items, total = paginate(
            session, public_reads.public_logs_query(FulfilmentLog.commitment_id == c.id), args
        )
        return page_body(log_bodies(public_reads.log_views(items)), total, args)
    items, total = paginate(session, fulfilment.visible_logs(session, actor, c), args)
    return page_body(serialize.logs(session, items), total, args)


verify_bp = Blueprint("log_verify", __name__, url_prefix="/api/v1/logs", description="践诺核实")


def _log_for(log_id: int) -> tuple[Session, Actor, FulfilmentLog]:
    """Load-or-404 a log the caller may see (404 when its commitment is hidden from them)."""
    session = db_session()
    _account, actor = current_actor(session)
    entry = fulfilment.visible_log(session, actor, log_id)
    return session, actor, entry


@verify_bp.route("/<int:log_id>/verify", methods=["POST"])
@verify_bp.doc(**SECURED)
@verify_bp.response(200, LogSchema)
def verify(log_id: int) -> dict[str, Any]:
    """支部书记（或街镇管理员）核实一条践诺记录；核实后才计入先锋指数。"""
    session, actor, entry = _log_for(log_id)
    fulfilment.verify_log(session, actor, entry, settings().points.rules)
    body = serialize.logs(session, [entry])[0]
    session.commit()
    return body


@verify_bp.route("/<int:log_id>", methods=["PATCH"])
@verify_bp.doc(**SECURED)
@verify_bp.arguments(LogEditIn)
@verify_bp.response(200, LogSchema)
def edit(args: dict[str, Any], log_id: int) -> dict[str, Any]:
    """修改自己的践诺记录（记录后一定时间内、核实之前）；改过的内容重新经过内容审核。"""
    account, _ = current_actor(read_session())
    note = args.get("note")
    answer = (
        wx.precheck(account.mp_openid, note, content.SCENES[content.Kind.LOG]) if note else None
    )
    session, actor, entry = _log_for(log_id)
    window = settings().commitments.log_edit_window_hours
    fulfilment.edit_log(
        session,
        actor,
        entry,
        window,
        quantity=args.get("quantity"),
        note=note,
        content_answer=answer,
    )
    body = serialize.logs(session, [entry])[0]
    session.commit()
    return body


@verify_bp.route("/<int:log_id>", methods=["DELETE"])
@verify_bp.doc(**SECURED)
@verify_bp.response(204)
def delete(log_id: int) -> None:
    """删除自己记错的践诺记录（记录后一定时间内、核实之前）。"""
    session, actor, entry = _log_for(log_id)
    fulfilment.delete_log(session, actor, entry, settings().commitments.log_edit_window_hours)
    session.commit()
