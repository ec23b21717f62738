"""Public reads (no token): organisations, a branch's commitment wall and progress board,
a member's public card (the QR code on the brick). Only published commitments whose text is
public, and what the member agreed to show."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from handlers.context import read_session
from models import Commitment, CommitmentStatus, FulfilmentLog, Member, Organisation, OwnerKind
from services.errors import NotFound

from . import cache, serialize
from .base import Blueprint, PageArgs, check_id, page_body, page_of, paginate
from .schemas import BoardSchema, CardSchema, OrgSchema, OrgsQuery, WallSchema

bp = Blueprint("public", __name__, url_prefix="/api/v1", description="公开信息（无需登录）")

CODE_RE = re.compile(r"^[A-Za-z0-9_-]{1,16}$")
CARD_LOGS = 20


class OrgsArgs(OrgsQuery, PageArgs):
    pass


def _public_commitments(session: Any, *conds: Any) -> list[Commitment]:
    return list(
        session.scalars(
            select(Commitment)
            .where(
                Commitment.status == CommitmentStatus.PUBLISHED.value,
                Commitment.content_status.in_(serialize.PUBLIC_CONTENT),
                *conds,
            )
            .order_by(Commitment.id)
        )
    )


def _branch(session: Any, org_id: int) -> Organisation:
    org = session.get(Organisation, check_id(org_id))
    if org is None:
        raise NotFound("找不到这个村（社区）党组织")
    return org


@bp.route("/orgs", methods=["GET"])
@cache.public
@bp.arguments(OrgsArgs, location="query")
@bp.response(200, page_of(OrgSchema))
def orgs(args: dict[str, Any]) -> dict[str, Any]:
    """党组织列表（默认村/社区党支部），供群众选择、查看承诺墙。"""
    session = read_session()
    stmt = (
        select(Organisation)
        .where(Organisation.kind == args["kind"])
        .order_by(Organisation.sort_order, Organisation.id)
    )
    items, total = paginate(session, stmt, args)
    return page_body(serialize.orgs(session, items), total, args)


@bp.route("/orgs/<int:org_id>/wall", methods=["GET"])
@cache.public
@bp.response(200, WallSchema)
def wall(org_id: int) -> dict[str, Any]:
    """承诺墙：支部承诺与每名党员公开的承诺。"""
    session = read_session()
    org = _branch(session, org_id)
    commitments = _public_commitments(session, Commitment.org_id == org.id)
    data = {c["id"]: c for c in serialize.commitments(session, commitments)}
    members = list(
        session.scalars(
            select(Member)
            .where(Member.org_id == org.id, Member.active.is_(True))
            .order_by(Member.id)
        )
    )
    by_member: dict[int, list[dict[str, Any]]] = {}
    for c in commitments:
        if c.owner_kind == OwnerKind.MEMBER.value and c.member_id:
            by_member.setdefault(c.member_id, []).append(data[c.id])
    return {
        "org": serialize.org(session, org),
        "branch_commitments": [
            data[c.id] for c in commitments if c.owner_kind == OwnerKind.BRANCH.value
        ],
        "members": [
            {
                "name": m.name,
                "public_code": m.public_code,
                "duties": m.duties,
                "commitments": by_member.get(m.id, []),
            }
            for m in members
        ],
    }


def _flags(states: list[str]) -> list[str]:
    if not states:
        return []
    if all(s in ("completed", "completed_late") for s in states):
        return ["red"]
    if any(s in ("behind", "overdue") for s in states):
        return ["yellow"]
    return []


@bp.route("/orgs/<int:org_id>/board", methods=["GET"])
@cache.public
@bp.response(200, BoardSchema)
def board(org_id: int) -> dict[str, Any]:
    """进度榜：每名党员承诺的平均进度、状态与下次到期日。red=全部完成，yellow=有落后或逾期。"""
    session = read_session()
    org = _branch(session, org_id)
    commitments = _public_commitments(
        session, Commitment.org_id == org.id, Commitment.owner_kind == OwnerKind.MEMBER.value
    )
    progress = serialize.progress_map(session, commitments)
    by_member: dict[int, list[Any]] = {}
    for c in commitments:
        by_member.setdefault(c.member_id or 0, []).append(progress[c.id])
    rows = []
    # Plain columns rather than Member objects: a district board is read often, and building
    # ORM objects for every member was a visible share of its CPU time.
    for m in session.execute(
        select(Member.id, Member.name, Member.public_code)
        .where(Member.org_id == org.id, Member.active.is_(True))
        .order_by(Member.id)
    ):
        ps = by_member.get(m.id, [])
        states = [p.state for p in ps]
        worst = next(
            (
                s
                for s in (
                    "overdue",
                    "behind",
                    "on_track",
                    "not_started",
                    "completed_late",
                    "completed",
                )
                if s in states
            ),
            None,
        )
        dues = [p.next_due for p in ps if p.next_due]
        rows.append(
            {
                "name": m.name,
                "public_code": m.public_code,
                "percent": sum(p.percent for p in ps) // len(ps) if ps else None,
                "state": worst,
                "flags": _flags(states),
                "next_due": min(dues) if dues else None,
                "commitments": len(ps),
            }
        )
    return {"org": serialize.org(session, org), "rows": rows}


@bp.route("/members/<string:public_code>/card", methods=["GET"])
@cache.public
@bp.response(200, CardSchema)
def card(public_code: str) -> dict[str, Any]:
    """党员公开名片（扫码可见）：承诺、进度与最近的践诺记录（含照片）。"""
    session = read_session()
    member = None
    if CODE_RE.match(public_code):
        member = session.scalar(
            select(Member).where(Member.public_code == public_code, Member.active.is_(True))
        )
    if member is None:
        raise NotFound("找不到这位党员，请重新扫码")
    org = session.get_one(Organisation, member.org_id)
    commitments = _public_commitments(session, Commitment.member_id == member.id)
    logs = (
        list(
            session.scalars(
                select(FulfilmentLog)
                .where(
                    FulfilmentLog.commitment_id.in_([c.id for c in commitments]),
                    FulfilmentLog.content_status.in_(serialize.PUBLIC_CONTENT),
                )
                .order_by(FulfilmentLog.happened_on.desc(), FulfilmentLog.id.desc())
                .limit(CARD_LOGS)
            )
        )
        if commitments
        else []
    )
    contact = member.card_contact
    if member.card_show_phone:
        contact = (contact + " " if contact else "") + member.phone
    return {
        "name": member.name,
        "public_code": member.public_code,
        "org_name": org.name,
        "duties": member.duties,
        "speciality": member.speciality,
        "photo_url": serialize.member_photo_url(member),
        "contact": contact,
        "commitments": serialize.commitments(session, commitments),
        "logs": serialize.logs(session, logs),
    }
