"""联户走访 and pledge templates for the mini-program (and the console): my linked households,
visits (log one; a member's, a household's), templates by branch type and 特长.

Every rule and permission lives in ``services.practices``; this module loads, calls, commits
and serializes."""

from __future__ import annotations

from datetime import date
from typing import Any

import marshmallow as ma

from handlers.api.base import (
    SECURED,
    Blueprint,
    PageArgs,
    Schema,
    a_date,
    an_id,
    check_id,
    current_actor,
    one_of,
    page_list,
    text_field,
)
from handlers.context import db_session, read_session, settings
from infra.clock import local_date
from models import ORG_TYPES, Household, Member, Organisation
from services import privacy
from services.errors import NotFound, ValidationError
from services.fulfilment.photos import url_for_key
from services.practices import coverage, templates, visits
from services.reads.periods import month as month_period

F = ma.fields

bp = Blueprint("practices", __name__, url_prefix="/api/v1", description="联户走访与承诺模板")

MONTH_RE = r"^\d{4}-\d{2}$"


def a_month(**kw: Any) -> ma.fields.String:
    return F.String(
        validate=ma.validate.Regexp(MONTH_RE, error="月份格式应为 YYYY-MM，例如 2026-11"),
        error_messages={"invalid": "应为文字，例如 2026-11"},
        metadata={"example": "2026-11"},
        **kw,
    )


# -- schemas ----------------------------------------------------------------------------


class HouseholdSchema(ma.Schema):
    id = F.Integer(required=True)
    code = F.String(required=True)
    address = F.String(required=True)
    head_name = F.String(required=True, metadata={"description": "户主（打码）"})
    visited_this_month = F.Boolean(required=True)


class HouseholdPageSchema(ma.Schema):
    is_member = F.Boolean(required=True, metadata={"description": "false：群众（看自家的走访）"})
    items = F.List(F.Nested(HouseholdSchema), required=True)
    linked = F.Integer(required=True)
    visited = F.Integer(required=True)
    percent = F.Integer(allow_none=True, required=True, metadata={"description": "本月走访覆盖率"})


class VisitIn(Schema):
    household_id = an_id(required=True)
    note = text_field(500, required=True, min_len=2)
    visited_on = a_date(load_default=None)
    photo_id = an_id(load_default=None)
    latitude = F.Float(
        validate=ma.validate.Range(-90, 90, error="纬度应在 -90 到 90 之间"), load_default=None
    )
    longitude = F.Float(
        validate=ma.validate.Range(-180, 180, error="经度应在 -180 到 180 之间"), load_default=None
    )
    location_label = text_field(200, load_default="")


class VisitSchema(ma.Schema):
    id = F.Integer(required=True)
    visited_on = F.Date(required=True)
    member_id = F.Integer(required=True)
    member_name = F.String(required=True)
    household_id = F.Integer(required=True)
    household_code = F.String(required=True)
    address = F.String(required=True)
    head_name = F.String(required=True)
    note = F.String(required=True)
    photo_url = F.String(allow_none=True, required=True)
    location_label = F.String(required=True)


class VisitPageSchema(ma.Schema):
    items = F.List(F.Nested(VisitSchema), required=True)
    page = F.Integer(required=True)
    per_page = F.Integer(required=True)
    total = F.Integer(required=True)


def a_query_id(**kw: Any) -> ma.fields.Integer:
    """An id in a query string (text, so not strict)."""
    return F.Integer(
        validate=ma.validate.Range(1, 2_147_483_647, error="编号不正确"),
        error_messages={"invalid": "应为整数编号"},
        **kw,
    )


class VisitQuery(PageArgs):
    household_id = a_query_id(load_default=None)
    member_id = a_query_id(load_default=None)
    month = a_month(load_default=None)


class PledgeTemplateQuery(PageArgs):
    org_type = one_of((*ORG_TYPES, *templates.ALIASES), "、".join(ORG_TYPES), load_default=None)
    only_type = F.Boolean(load_default=False, error_messages={"invalid": "应为 true 或 false"})


class PledgeMeasureSchema(ma.Schema):
    target_kind = F.String(required=True)
    frequency = F.String(allow_none=True, required=True)
    target_quantity = F.Integer(required=True)
    unit = F.String(required=True)


class PledgeTemplateSchema(ma.Schema):
    org_type = F.String(required=True)
    text = F.String(required=True)
    tags = F.List(F.String(), required=True)
    matches_speciality = F.Boolean(required=True)
    measure = F.Nested(
        PledgeMeasureSchema, required=True, metadata={"description": "四化检查读出的目标"}
    )


class PledgeTemplatePageSchema(ma.Schema):
    items = F.List(F.Nested(PledgeTemplateSchema), required=True)
    page = F.Integer(required=True)
    per_page = F.Integer(required=True)
    total = F.Integer(required=True)
    org_type = F.String(allow_none=True, required=True)


# -- helpers ----------------------------------------------------------------------------


def visit_body(v: visits.VisitLine) -> dict[str, Any]:
    return {
        "id": v.id,
        "visited_on": v.visited_on,
        "member_id": v.member_id,
        "member_name": v.member_name,
        "household_id": v.household_id,
        "household_code": v.household_code,
        "address": v.address,
        "head_name": v.head_name,
        "note": v.note,
        "photo_url": url_for_key(v.photo_key),
        "location_label": v.location_label,
    }


def _household(session: Any, household_id: int) -> Household:
    h = session.get(Household, check_id(household_id))
    if h is None:
        raise NotFound("找不到这一户")
    return h


def _member(session: Any, member_id: int) -> Member:
    m = session.get(Member, check_id(member_id))
    if m is None:
        raise NotFound("找不到这位党员")
    return m


# -- households and visits --------------------------------------------------------------


@bp.route("/me/households", methods=["GET"])
@bp.doc(**SECURED)
@bp.response(200, HouseholdPageSchema)
def my_households() -> dict[str, Any]:
    """我的联系户（走访表单从这里选户），含本月是否已走访和本月覆盖率。群众为空列表。"""
    session = read_session()
    account, _actor = current_actor(session)
    member = session.get(Member, account.member_id) if account.member_id else None
    if member is None:
        return {"is_member": False, "items": [], "linked": 0, "visited": 0, "percent": None}
    today = local_date()
    start = today.replace(day=1)
    mine = visits.linked_households(session, member)
    seen = {v.household_id for v in visits.visits_by(session, _actor, member, start, today, 1000)}
    cov = coverage.coverage(session, start, today, [member.org_id]).get(member.org_id)
    me = next((m for m in cov.members if m.member_id == member.id), None) if cov else None
    return {
        "is_member": True,
        "items": [
            {
                "id": h.id,
                "code": h.code,
                "address": h.address,
                "head_name": privacy.mask_name(h.head_name),
                "visited_this_month": h.id in seen,
            }
            for h in mine
        ],
        "linked": me.linked if me else 0,
        "visited": me.visited if me else 0,
        "percent": me.percent if me else None,
    }


@bp.route("/visits", methods=["POST"])
@bp.doc(**SECURED)
@bp.arguments(VisitIn)
@bp.response(201, VisitSchema)
def create_visit(args: dict[str, Any]) -> dict[str, Any]:
    """记录一次走访（只能走访自己的联系户）；可附照片（先 POST /uploads）和位置。"""
    session = db_session()
    account, actor = current_actor(session)
    member = session.get(Member, account.member_id) if account.member_id else None
    if member is None:
        raise ValidationError("household_id", "只有党员可以记录走访：请先绑定党员身份")
    household = _household(session, args["household_id"])
    location = None
    lat, lng = args.get("latitude"), args.get("longitude")
    if (lat is None) != (lng is None):
        raise ValidationError("latitude", "纬度和经度要一起填写")
    if lat is not None and lng is not None:
        location = visits.Location(lat, lng, args.get("location_label") or "")
    visit = visits.log_visit(
        session,
        actor,
        member,
        household,
        args["note"],
        channel="mp",
        visited_on=args.get("visited_on"),
        photo_id=args.get("photo_id"),
        location=location,
        backdate_days=settings().commitments.backdate_days,
    )
    body = visit_body(visits.line_of(session, visit))
    session.commit()
    return body


@bp.route("/visits", methods=["GET"])
@bp.doc(**SECURED)
@bp.arguments(VisitQuery, location="query")
@bp.response(200, VisitPageSchema)
def list_visits(args: dict[str, Any]) -> dict[str, Any]:
    """走访记录：household_id 为这一户的（绑定该户的群众、联户党员、书记可看）；member_id 为这位
    党员的（本人、书记）；都不填：党员看自己的，群众看自家的。month 限定月份。"""
    session = read_session()
    account, actor = current_actor(session)
    start: date | None = None
    end: date | None = None
    if args.get("month"):
        p = month_period(args["month"])
        start, end = p.start, p.end
    if args.get("household_id"):
        household = _household(session, args["household_id"])
        lines = visits.visits_to(session, actor, household, 500, start, end)
    elif args.get("member_id") or account.member_id:
        member = _member(session, args.get("member_id") or account.member_id)
        lines = visits.visits_by(session, actor, member, start, end, 500)
    else:
        household = visits.household_for_account(session, account.household_id)
        lines = visits.visits_to(session, actor, household, 500, start, end)
    return page_list([visit_body(v) for v in lines], args)


# -- pledge templates -------------------------------------------------------------------


@bp.route("/pledge-templates", methods=["GET"])
@bp.doc(**SECURED)
@bp.arguments(PledgeTemplateQuery, location="query")
@bp.response(200, PledgeTemplatePageSchema)
def pledge_templates(args: dict[str, Any]) -> dict[str, Any]:
    """承诺模板：本支部类型的在前（与我的特长相符的更靠前），再是其他类型的；org_type 指定类型，
    only_type=true 只要该类型。"""
    session = read_session()
    account, _actor = current_actor(session)
    member = session.get(Member, account.member_id) if account.member_id else None
    org_type = args.get("org_type")
    speciality = member.speciality if member else ""
    if org_type is None and member is not None:
        org_type = session.get_one(Organisation, member.org_id).org_type or None
    kind = templates.normalise_type(org_type)
    offered = templates.offer(
        settings().practices.templates_path(), kind, speciality, only_type=args["only_type"]
    )
    today = local_date()
    rows = [
        {
            "org_type": t.org_type,
            "text": t.text,
            "tags": list(t.tags),
            "matches_speciality": templates.matches(t, speciality),
            "measure": templates.measure(t, today),
        }
        for t in offered
    ]
    body = page_list(rows, args)
    body["org_type"] = kind
    return body
