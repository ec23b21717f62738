"""主题党日 for the mini-program: the secretary sets the month's party day, members sign in on
the day (or the secretary marks them, leave included), each member's report is drafted from the
month's logs, edited, saved and printed.

Every rule and permission lives in ``services.practices``; the draft's wording is
``handlers.documents``; the pushes' wording is ``scheduler.practice_pushes``."""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from handlers import documents, pages_practices
from handlers.api.base import (
    SECURED,
    Blueprint,
    LocalDateTime,
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
from handlers.api.practices import a_month, a_query_id
from handlers.context import db_session, read_session
from infra.clock import local_date
from models import Attendance, Member, Organisation, PartyDay
from services.errors import NotFound
from services.practices import party_day
from services.reads import drafts

F = ma.fields

bp = Blueprint("practices_meetings", __name__, url_prefix="/api/v1", description="主题党日")
ATTENDANCE_LABELS = {"present": "到会", "leave": "请假", "absent": "缺席"}


# -- schemas ----------------------------------------------------------------------------


class PartyDayIn(Schema):
    held_on = a_date(required=True)
    topic = text_field(200, required=True, min_len=2)


class RateSchema(ma.Schema):
    expected = F.Integer(required=True, metadata={"description": "应到（本支部党员）"})
    present = F.Integer(required=True)
    leave = F.Integer(required=True, metadata={"description": "请假，不计为缺席"})
    absent = F.Integer(required=True)
    percent = F.Integer(
        allow_none=True, required=True, metadata={"description": "到会率：到会 ÷ (应到 − 请假)"}
    )


class RollSchema(ma.Schema):
    member_id = F.Integer(required=True)
    name = F.String(required=True)
    status = F.String(allow_none=True, required=True)
    status_label = F.String(required=True)
    via = F.String(required=True)
    note = F.String(required=True)


class PartyDaySchema(ma.Schema):
    id = F.Integer(required=True)
    org_id = F.Integer(required=True)
    month = F.String(required=True)
    held_on = F.Date(required=True)
    topic = F.String(required=True)
    rate = F.Nested(RateSchema, required=True)
    my_status = F.String(allow_none=True, required=True)
    roll = F.List(F.Nested(RollSchema), required=True, metadata={"description": "书记可见"})
    sign_in_qr_url = F.String(
        required=True, metadata={"description": "签到二维码页面（书记在会场展示；其他人为空）"}
    )
    reports_print_url = F.String(
        required=True, metadata={"description": "全体党员发言稿打印页（书记；其他人为空）"}
    )


class PartyDayQuery(PageArgs):
    org_id = a_query_id(load_default=None)
    month = a_month(load_default=None)


class PartyDayPageSchema(ma.Schema):
    items = F.List(F.Nested(PartyDaySchema), required=True)
    page = F.Integer(required=True)
    per_page = F.Integer(required=True)
    total = F.Integer(required=True)


class AttendanceIn(Schema):
    member_id = an_id(required=True)
    status = one_of(
        tuple(Attendance.values()), "present（到会）、leave（请假）、absent（缺席）", required=True
    )
    note = text_field(200, load_default="")


class ReportQuery(Schema):
    member_id = a_query_id(load_default=None)


class ReportIn(Schema):
    member_id = an_id(load_default=None)
    text = text_field(5000, required=True, min_len=1)


class ReportSchema(ma.Schema):
    party_day_id = F.Integer(required=True)
    member_id = F.Integer(required=True)
    member_name = F.String(required=True)
    text = F.String(required=True)
    saved = F.Boolean(
        required=True, metadata={"description": "false：尚未保存，是根据本月践诺起草的"}
    )
    updated_at = LocalDateTime(allow_none=True, required=True)
    print_url = F.String(required=True)


# -- helpers ----------------------------------------------------------------------------


def load_org(session: Any, org_id: int) -> Organisation:
    o = session.get(Organisation, check_id(org_id))
    if o is None:
        raise NotFound("找不到这个组织")
    return o


def load_member(session: Any, member_id: int) -> Member:
    m = session.get(Member, check_id(member_id))
    if m is None:
        raise NotFound("找不到这位党员")
    return m


def _day_body(session: Any, actor: Any, day: PartyDay) -> dict[str, Any]:
    rate = party_day.rates(session, day.held_on, day.held_on, [day.org_id]).get(day.org_id)
    org = session.get_one(Organisation, day.org_id)
    roll = party_day.roll(session, actor, day) if actor.manages(org) else []
    mine = party_day.status_of(session, day, actor.member_id)
    return {
        "id": day.id,
        "org_id": day.org_id,
        "month": day.month,
        "held_on": day.held_on,
        "topic": day.topic,
        "rate": {
            "expected": rate.expected if rate else 0,
            "present": rate.present if rate else 0,
            "leave": rate.leave if rate else 0,
            "absent": rate.absent if rate else 0,
            "percent": rate.percent if rate else None,
        },
        "my_status": mine,
        "sign_in_qr_url": pages_practices.qr_link(day.id) if actor.manages(org) else "",
        "reports_print_url": pages_practices.all_reports_link(day.id) if actor.manages(org) else "",
        "roll": [
            {
                "member_id": r.member_id,
                "name": r.name,
                "status": r.status,
                "status_label": ATTENDANCE_LABELS.get(r.status or "", "未签到"),
                "via": r.via,
                "note": r.note,
            }
            for r in roll
        ],
    }


def report_text(session: Any, actor: Any, day: PartyDay, member: Member) -> tuple[str, Any]:
    """The saved report, or a draft from the member's month of logs (not saved)."""
    saved = party_day.saved_report(session, actor, day, member)
    if saved is not None:
        return saved.text, saved
    facts = drafts.party_day(session, member, day.held_on.year, day.held_on.month, day.held_on)
    return documents.party_day_text(facts), None


# -- party days -------------------------------------------------------------------------


@bp.route("/orgs/<int:org_id>/party-days", methods=["POST"])
@bp.doc(**SECURED)
@bp.arguments(PartyDayIn)
@bp.response(201, PartyDaySchema)
def create_party_day(args: dict[str, Any], org_id: int) -> dict[str, Any]:
    """支部书记安排本月主题党日（日期、主题）；每个支部每月一次。"""
    session = db_session()
    _account, actor = current_actor(session)
    day = party_day.create(
        session, actor, load_org(session, org_id), args["held_on"], args["topic"]
    )
    body = _day_body(session, actor, day)
    session.commit()
    return body


@bp.route("/party-days", methods=["GET"])
@bp.doc(**SECURED)
@bp.arguments(PartyDayQuery, location="query")
@bp.response(200, PartyDayPageSchema)
def list_party_days(args: dict[str, Any]) -> dict[str, Any]:
    """主题党日：org_id 的支部（默认我的支部），month 的（默认本月）。"""
    session = read_session()
    account, actor = current_actor(session)
    org_id = args.get("org_id")
    if org_id is None:
        member = session.get(Member, account.member_id) if account.member_id else None
        if member is None:
            return page_list([], args)
        org_id = member.org_id
    month = args.get("month") or party_day.month_of(local_date())
    day = party_day.for_month(session, check_id(org_id), month)
    return page_list([_day_body(session, actor, day)] if day else [], args)


def _day(session: Any, party_day_id: int) -> PartyDay:
    return party_day.get(session, check_id(party_day_id))


@bp.route("/party-days/<int:party_day_id>", methods=["GET"])
@bp.doc(**SECURED)
@bp.response(200, PartyDaySchema)
def get_party_day(party_day_id: int) -> dict[str, Any]:
    """一次主题党日：到会率；书记另见每位党员的到会情况。"""
    session = read_session()
    _account, actor = current_actor(session)
    return _day_body(session, actor, _day(session, party_day_id))


@bp.route("/party-days/<int:party_day_id>/sign-in", methods=["POST"])
@bp.doc(**SECURED)
@bp.response(200, PartyDaySchema)
def sign_in(party_day_id: int) -> dict[str, Any]:
    """党员在主题党日当天签到（也可扫公众号二维码签到）。"""
    session = db_session()
    _account, actor = current_actor(session)
    day = _day(session, party_day_id)
    party_day.sign_in(session, actor, day, "mp")
    body = _day_body(session, actor, day)
    session.commit()
    return body


@bp.route("/party-days/<int:party_day_id>/attendance", methods=["POST"])
@bp.doc(**SECURED)
@bp.arguments(AttendanceIn)
@bp.response(200, PartyDaySchema)
def mark_attendance(args: dict[str, Any], party_day_id: int) -> dict[str, Any]:
    """书记登记到会情况：到会、请假（写明原因，不计为缺席）或缺席。"""
    session = db_session()
    _account, actor = current_actor(session)
    day = _day(session, party_day_id)
    member = load_member(session, args["member_id"])
    party_day.mark(session, actor, day, member, args["status"], args.get("note") or "")
    body = _day_body(session, actor, day)
    session.commit()
    return body


@bp.route("/party-days/<int:party_day_id>/report", methods=["GET"])
@bp.doc(**SECURED)
@bp.arguments(ReportQuery, location="query")
@bp.response(200, ReportSchema)
def get_report(args: dict[str, Any], party_day_id: int) -> dict[str, Any]:
    """我的发言稿（书记可看本支部党员的，member_id）：已保存的，或根据本月践诺起草的。"""
    session = read_session()
    account, actor = current_actor(session)
    day = _day(session, party_day_id)
    member = _report_member(session, account, args.get("member_id"))
    body, saved = report_text(session, actor, day, member)
    return _report_body(day, member, body, saved)


def _report_member(session: Any, account: Any, member_id: int | None) -> Member:
    if member_id is not None:
        return load_member(session, member_id)
    if account.member_id is None:
        raise NotFound("只有党员有发言稿：请先绑定党员身份")
    return session.get_one(Member, account.member_id)


def _report_body(day: PartyDay, member: Member, body: str, saved: Any) -> dict[str, Any]:
    return {
        "party_day_id": day.id,
        "member_id": member.id,
        "member_name": member.name,
        "text": body,
        "saved": saved is not None,
        "updated_at": saved.updated_at if saved is not None else None,
        "print_url": pages_practices.report_link(day.id, member.id),
    }


@bp.route("/party-days/<int:party_day_id>/report", methods=["PUT"])
@bp.doc(**SECURED)
@bp.arguments(ReportIn)
@bp.response(200, ReportSchema)
def save_report(args: dict[str, Any], party_day_id: int) -> dict[str, Any]:
    """保存修改后的发言稿（再次保存即替换）。"""
    session = db_session()
    account, actor = current_actor(session)
    day = _day(session, party_day_id)
    member = _report_member(session, account, args.get("member_id"))
    saved = party_day.save_report(session, actor, day, member, args["text"])
    body = _report_body(day, member, saved.text, saved)
    session.commit()
    return body
