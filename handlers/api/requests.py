"""诉求: residents submit and follow requests; members and the branch claim, answer and
resolve them; the resident confirms, reopens or rates. A resident never sees another
resident's request (404, nothing leaked)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from handlers.api import serialize, wx
from handlers.api.base import (
    SECURED,
    Blueprint,
    PageArgs,
    check_id,
    current_actor,
    page_body,
    page_of,
    paginate,
)
from handlers.api.schemas import (
    CandidatesSchema,
    DemandSchema,
    RateIn,
    ReopenIn,
    ReplyIn,
    RequestDetailSchema,
    RequestIn,
    RequestSchema,
    ResolveIn,
    TransferIn,
)
from handlers.context import db_session, read_session, settings
from models import (
    Organisation,
    OrgKind,
    Request,
)
from services import content, evaluation
from services import requests as request_service
from services import timeline as timeline_service
from services.actors import Actor
from services.errors import NotFound, ValidationError
from services.fulfilment import photos as upload_service

bp = Blueprint("requests", __name__, url_prefix="/api/v1", description="诉求")


def _load(session: Any, actor: Actor, request_id: int, *, for_claim: bool = False) -> Request:
    return request_service.visible(session, actor, request_id, for_claim=for_claim)


def _branch_id(session: Any, args: dict[str, Any]) -> int | None:
    branch_id = args.get("branch_id")
    if branch_id is None:
        return None
    org = session.get(Organisation, branch_id)
    if org is None or org.kind != OrgKind.BRANCH.value:
        raise ValidationError("branch_id", "请从列表中选择所在的村（社区）")
    return int(org.id)


def _one(session: Any, actor: Actor, req: Request) -> dict[str, Any]:
    return serialize.requests(session, actor, [req])[0]


def _detail(session: Any, actor: Actor, req: Request) -> dict[str, Any]:
    body = _one(session, actor, req)
    body["timeline"] = serialize.timeline(timeline_service.entries_for(session, req))
    return body


@bp.route("/requests", methods=["POST"])
@bp.doc(**SECURED)
@bp.arguments(RequestIn)
@bp.response(201, RequestSchema)
def create(args: dict[str, Any]) -> dict[str, Any]:
    """我要反映：问题、微心愿、建议或投诉（可附照片；扫党员码时带 member_code）。"""
    session = db_session()
    _, actor = current_actor(session)
    req = request_service.submit(
        session,
        actor,
        kind=args["kind"],
        text=args["text"],
        location=args.get("location") or "",
        member_code=args.get("member_code") or None,
        org_id=_branch_id(session, args),
        channel="miniprogram",
        first_answer_hours=settings().requests.first_answer_hours,
    )
    upload_service.attach_to_request(session, actor, req.id, list(args.get("photo_ids") or []))
    body = _one(session, actor, req)
    session.commit()
    return body


@bp.route("/requests/mine", methods=["GET"])
@bp.doc(**SECURED)
@bp.arguments(PageArgs, location="query")
@bp.response(200, page_of(RequestSchema))
def mine(args: dict[str, int]) -> dict[str, Any]:
    """我提出的诉求。"""
    session = read_session()
    _, actor = current_actor(session)
    stmt = (
        select(Request)
        .where(Request.submitter_account_id == actor.account_id)
        .order_by(Request.id.desc())
    )
    items, total = paginate(session, stmt, args)
    return page_body(serialize.requests(session, actor, items), total, args)


@bp.route("/requests/assigned", methods=["GET"])
@bp.doc(**SECURED)
@bp.arguments(PageArgs, location="query")
@bp.response(200, page_of(RequestSchema))
def assigned(args: dict[str, int]) -> dict[str, Any]:
    """交给我办理的诉求：分派给我的，及我所管理的支部/街镇的（未办结的在前；overdue 为已超时）。"""
    session = read_session()
    _, actor = current_actor(session)
    stmt = request_service.assigned_query(actor)
    if stmt is None:
        return page_body([], 0, args)
    items, total = paginate(session, stmt, args)
    return page_body(serialize.requests(session, actor, items), total, args)


@bp.route("/requests/<int:request_id>", methods=["GET"])
@bp.doc(**SECURED)
@bp.response(200, RequestDetailSchema)
def get(request_id: int) -> dict[str, Any]:
    """诉求详情与办理时间线。"""
    session = read_session()
    _, actor = current_actor(session)
    return _detail(session, actor, _load(session, actor, request_id))


@bp.route("/requests/<int:request_id>/claim", methods=["POST"])
@bp.doc(**SECURED)
@bp.response(200, RequestSchema)
def claim(request_id: int) -> dict[str, Any]:
    """党员认领本支部的诉求。"""
    session = db_session()
    _, actor = current_actor(session)
    req = _load(session, actor, request_id, for_claim=True)
    request_service.claim(session, actor, req)
    body = _one(session, actor, req)
    session.commit()
    return body


@bp.route("/requests/<int:request_id>/transfer", methods=["POST"])
@bp.doc(**SECURED)
@bp.arguments(TransferIn)
@bp.response(200, RequestSchema)
def transfer(args: dict[str, Any], request_id: int) -> dict[str, Any]:
    """转交：负责的党员、支部书记或街镇管理员把诉求交给本支部另一名党员，或转回支部需求清单。"""
    session = db_session()
    _, actor = current_actor(session)
    req = _load(session, actor, request_id)
    request_service.transfer(session, actor, req, args["member_id"], args.get("reason") or "")
    body = _one(session, actor, req)
    session.commit()
    return body


@bp.route("/requests/<int:request_id>/candidates", methods=["GET"])
@bp.doc(**SECURED)
@bp.response(200, CandidatesSchema)
def candidates(request_id: int) -> dict[str, Any]:
    """可以接手这条诉求的本支部党员（转交、书记派单时选择）。"""
    session = read_session()
    _, actor = current_actor(session)
    req = _load(session, actor, request_id)
    members = request_service.transfer_candidates(session, actor, req)
    return {"items": [{"id": m.id, "name": m.name} for m in members]}


@bp.route("/requests/<int:request_id>/reply", methods=["POST"])
@bp.doc(**SECURED)
@bp.arguments(ReplyIn)
@bp.response(200, RequestSchema)
def reply(args: dict[str, Any], request_id: int) -> dict[str, Any]:
    """答复群众（负责的党员或支部书记）。"""
    account, actor = current_actor(read_session())
    answer = wx.precheck(account.mp_openid, args["text"], content.REPLY_SCENE)
    content.refuse_risky(answer, "text")
    session = db_session()
    req = _load(session, actor, request_id)
    request_service.reply(session, actor, req, args["text"])
    body = _one(session, actor, req)
    session.commit()
    return body


@bp.route("/requests/<int:request_id>/resolve", methods=["POST"])
@bp.doc(**SECURED)
@bp.arguments(ResolveIn)
@bp.response(200, RequestSchema)
def resolve(args: dict[str, Any], request_id: int) -> dict[str, Any]:
    """办结（已解决 / 暂不具备条件 / 重复反映 / 已转交；未解决须写明原因）。"""
    session = db_session()
    _, actor = current_actor(session)
    req = _load(session, actor, request_id)
    request_service.resolve(session, actor, req, args["resolution"], args.get("note") or "")
    body = _one(session, actor, req)
    session.commit()
    return body


@bp.route("/requests/<int:request_id>/confirm", methods=["POST"])
@bp.doc(**SECURED)
@bp.response(200, RequestSchema)
def confirm(request_id: int) -> dict[str, Any]:
    """群众确认已解决（群众销账）。"""
    session = db_session()
    _, actor = current_actor(session)
    req = _load(session, actor, request_id)
    request_service.confirm(session, actor, req, settings().requests.reopen_window_days)
    body = _one(session, actor, req)
    session.commit()
    return body


@bp.route("/requests/<int:request_id>/reopen", methods=["POST"])
@bp.doc(**SECURED)
@bp.arguments(ReopenIn)
@bp.response(200, RequestSchema)
def reopen(args: dict[str, Any], request_id: int) -> dict[str, Any]:
    """没有解决：重新打开（须说明原因）。"""
    session = db_session()
    _, actor = current_actor(session)
    req = _load(session, actor, request_id)
    request_service.reopen(
        session, actor, req, args["reason"], settings().requests.reopen_window_days
    )
    body = _one(session, actor, req)
    session.commit()
    return body


@bp.route("/requests/<int:request_id>/rate", methods=["POST"])
@bp.doc(**SECURED)
@bp.arguments(RateIn)
@bp.response(200, RequestSchema)
def rate(args: dict[str, Any], request_id: int) -> dict[str, Any]:
    """评价办理结果：满意 / 基本满意 / 不满意。"""
    session = db_session()
    _, actor = current_actor(session)
    req = _load(session, actor, request_id)
    s = settings()
    evaluation.rate_request(  # the one rating rule: points and 退回重办 as in every channel
        session,
        actor,
        req,
        args["rating"],
        args.get("comment") or "",
        s.points.rules,
        s.requests.reopen_window_days,
    )
    body = _one(session, actor, req)
    session.commit()
    return body


@bp.route("/orgs/<int:org_id>/demands", methods=["GET"])
@bp.doc(**SECURED)
@bp.arguments(PageArgs, location="query")
@bp.response(200, page_of(DemandSchema))
def demands(args: dict[str, int], org_id: int) -> dict[str, Any]:
    """支部的需求清单（未办结的诉求，不含群众姓名），供党员认领、定诺。"""
    session = read_session()
    _, actor = current_actor(session)
    org = session.get(Organisation, check_id(org_id))
    if org is None:
        raise NotFound("找不到这个组织")
    stmt = request_service.demands_query(session, actor, org)
    items, total = paginate(session, stmt, args)
    return page_body(serialize.demands(session, items), total, args)
