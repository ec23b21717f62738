"""Public reads (no token): organisations, a branch's commitment wall and progress board, a
member's public card (the QR code on the brick) and a township's overview. Parse → call the
one public read model (``services.reads.public``, the same the HTML pages use) → serialise."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import Response

from handlers.context import read_session, settings
from infra.clock import local_date
from models import OrgKind
from services.errors import NotFound
from services.fulfilment.photos import url_for_key
from services.reads import public

from . import cache, dump, serialize
from .base import Blueprint, PageArgs, check_id, page_body, page_of, paginate
from .schemas import BoardSchema, CardSchema, OrgSchema, OrgsQuery, OverviewSchema, WallSchema

bp = Blueprint("public", __name__, url_prefix="/api/v1", description="公开信息（无需登录）")


class OrgsArgs(OrgsQuery, PageArgs):
    pass


# -- serialisation of the read model ---------------------------------------------------------


def commitment_body(item: public.Item, org_name: str, member_name: str | None) -> dict[str, Any]:
    """A public commitment in ``CommitmentSchema``'s shape, its text as the read model masked it."""
    return serialize.commitment_body(
        item.commitment,
        item.progress,
        org_name,
        member_name,
        {
            "title": item.title,
            "description": item.description,
            "target_label": item.target,
            "beneficiary": item.beneficiary,
            "last_rejection_reason": item.rejection_reason,
        },
    )


def log_bodies(views: Sequence[public.LogView]) -> list[dict[str, Any]]:
    """Public logs in ``LogSchema``'s shape (ready photos only, notes masked)."""
    return [
        {
            "id": v.id,
            "commitment_id": v.commitment_id,
            "quantity": v.quantity,
            "note": v.note,
            "happened_on": v.happened_on,
            "photos": [{"id": p.id, "url": url_for_key(p.key)} for p in v.photos],
            "content_status": v.content_status,
            "verified": v.verified,
            "created_at": v.created_at,
        }
        for v in views
    ]


def _flag_settings() -> dict[str, int]:
    cfg = settings().reports
    return {"red_count": cfg.red_flag_count, "yellow_below": cfg.yellow_flag_below_percent}


# -- routes ---------------------------------------------------------------------------------


@bp.route("/orgs", methods=["GET"])
@cache.public
@bp.arguments(OrgsArgs, location="query")
@bp.response(200, page_of(OrgSchema))
def orgs(args: dict[str, Any]) -> dict[str, Any]:
    """党组织列表（默认村/社区党支部），供群众选择、查看承诺墙。"""
    session = read_session()
    items, total = paginate(session, public.orgs_query(args["kind"]), args)
    return page_body(serialize.orgs(session, items), total, args)


@bp.route("/orgs/<int:org_id>/wall", methods=["GET"])
@cache.public
@bp.response(200, WallSchema)
def wall(org_id: int) -> Response:
    """承诺墙：支部承诺与每名党员公开的承诺（与网页承诺墙同一数据）。"""
    session = read_session()
    org = public.org_by_id(session, check_id(org_id))
    view = public.branch_view(session, org, local_date(), with_past_years=False)
    org_name = view.org.name
    body = {
        "org": serialize.org(session, view.org),
        "branch_commitments": [commitment_body(i, org_name, None) for i in view.branch_row.items],
        "members": [
            {
                "name": r.name,
                "public_code": r.public_code,
                "duties": r.duties,
                "commitments": [commitment_body(i, org_name, r.name) for i in r.items],
            }
            for r in view.member_rows
        ],
        "partners": [
            {
                "heading": "结对共建",
                "org_name": r.name,
                "commitments": [commitment_body(i, r.name, None) for i in r.items],
            }
            for r in view.partner_rows
        ],
    }
    return dump.response(WallSchema, body)


@bp.route("/orgs/<int:org_id>/board", methods=["GET"])
@cache.public
@bp.response(200, BoardSchema)
def board(org_id: int) -> Response:
    """进度榜：每名党员承诺的平均进度、最差状态、已完成项数与下次到期日；
    flag 是本支部本月的红旗/黄旗（与乡镇总览同一规则，旗帜只评支部、不评党员）。"""
    session = read_session()
    today = local_date()
    view = public.board(session, check_id(org_id), today)
    org, township_id = view.org, view.org.township_id
    flags = cache.township_flags(session, township_id, today) if township_id is not None else {}
    flag = flags.get(org.id, "")
    body = {
        "org": serialize.org_head(org.id, org.name, org.kind, org.code, org.parent_name),
        "flag": flag or None,
        "rows": [
            {
                "name": r.name,
                "public_code": r.public_code,
                "percent": r.percent if r.progresses else None,
                "state": r.state,
                "completed": r.completed,
                "next_due": r.next_due,
                "commitments": len(r.progresses),
                "exempt": r.exempt,
                "exempt_reason": r.exempt_reason or None,
            }
            for r in view.rows
        ],
        "partners": [
            {
                "heading": "结对共建",
                "name": r.name,
                "percent": r.percent,
                "state": r.state,
                "completed": r.completed,
                "next_due": r.next_due,
                "commitments": len(r.progresses),
            }
            for r in view.partners
        ],
    }
    return dump.response(BoardSchema, body)


@bp.route("/orgs/<int:org_id>/overview", methods=["GET"])
@cache.public
@bp.response(200, OverviewSchema)
def overview(org_id: int) -> Response:
    """乡镇总览：各党支部按承诺进度、群众满意率排名，含本月红旗/黄旗（与网页总览同一数据）。"""
    session = read_session()
    township = public.org_by_id(session, check_id(org_id))
    if township.kind != OrgKind.TOWNSHIP.value:
        raise NotFound("找不到这个乡镇（街道）党组织")
    stats = public.branch_stats(session, township, local_date(), **_flag_settings())
    body = {
        "org": serialize.org(session, township),
        "branches": [
            {
                "org": {"id": s.org.id, "name": s.org.name, "code": s.org.code},
                "rank": s.rank,
                "flag": s.flag or None,
                "members": s.members,
                "commitments": s.commitments,
                "completed": s.completed,
                "completion": s.completion,
                "month_logs": s.month_logs,
                "satisfaction_percent": s.satisfaction_percent,
            }
            for s in stats
        ],
    }
    return dump.response(OverviewSchema, body)


@bp.route("/members/<string:public_code>/card", methods=["GET"])
@cache.public
@bp.response(200, CardSchema)
def card(public_code: str) -> Response:
    """党员公开名片（扫码可见）：承诺、进度与最近的践诺记录（含照片），与网页名片同一数据。"""
    c = public.public_card(
        read_session(), public_code, local_date(), settings().reports.member_card_logs
    )
    body = {
        "name": c.name,
        "public_code": c.public_code,
        "org_name": c.branch_name,
        "duties": c.duties,
        "speciality": c.speciality,
        "photo_url": url_for_key(c.photo_key),
        "contact": c.contact_line,
        "commitments": [commitment_body(i, c.branch_name, c.name) for i in c.items],
        "logs": log_bodies(c.logs),
    }
    return dump.response(CardSchema, body)
