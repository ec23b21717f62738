"""评诺 / 用诺: the resident served confirms a log (群众销账); the branch grades its members
and the township its branches at year end; members evaluate each other at half year; the
points ledger (先锋指数) and rankings.

The rules and every permission check live in ``services.evaluation`` and ``services.points``;
this module only loads (404), calls, commits and serializes.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers.api import serialize
from handlers.api.base import (
    SECURED,
    Blueprint,
    LocalDateTime,
    PageArgs,
    Schema,
    check_id,
    current_actor,
    one_of,
    page_list,
    page_of,
    text_field,
)
from handlers.api.schemas import LogSchema
from handlers.context import db_session, read_session, settings
from infra.clock import local_date
from models import Evaluation, Member, Organisation
from services import commitments, fulfilment
from services import evaluation as evaluation_service
from services.errors import NotFound, ValidationError
from services.evaluation import points as points_service
from services.evaluation import standings

F = ma.fields

bp = Blueprint("evaluations", __name__, url_prefix="/api/v1", description="评诺与先锋指数")

RATINGS = evaluation_service.RATING_LABELS
GRADES = evaluation_service.GRADES
BRANCH_GRADES = evaluation_service.BRANCH_GRADES
MUTUAL = evaluation_service.MUTUAL_RATINGS


def _labels(choices: dict[str, str]) -> str:
    return "、".join(f"{k}（{v}）" for k, v in choices.items())


def a_year(*, strict: bool = True, **kw: Any) -> ma.fields.Integer:
    """A year; strict (a JSON number) in bodies, parsed from text in query strings."""
    return F.Integer(
        strict=strict,
        validate=ma.validate.Range(2000, 2100, error="年份应为 2000 到 2100 之间，例如 2026"),
        error_messages={"invalid": "年份应为整数，例如 2026", "required": "必填，请填写年份"},
        **kw,
    )


def a_period(**kw: Any) -> ma.fields.String:
    return F.String(
        validate=ma.validate.Regexp(
            r"^\d{4}H[12]$", error="半年格式应为 2026H1（上半年）或 2026H2（下半年）"
        ),
        error_messages={"invalid": "应为文字，例如 2026H1"},
        metadata={"example": "2026H1", **kw.pop("metadata", {})},
        **kw,
    )


# -- schemas ----------------------------------------------------------------------------


class ConfirmIn(Schema):
    rating = one_of(tuple(RATINGS), _labels(RATINGS), required=True)
    comment = text_field(500, load_default="")


class GradeIn(Schema):
    year = a_year(required=True)
    grade = one_of(tuple(GRADES), _labels(GRADES), required=True)
    comment = text_field(500, load_default="")


class BranchGradeIn(GradeIn):
    grade = one_of(tuple(BRANCH_GRADES), _labels(BRANCH_GRADES), required=True)


class MutualIn(Schema):
    period = a_period(metadata={"description": "半年，例如 2026H1；或同时给出 year 和 half"})
    year = a_year()
    half = F.Integer(
        strict=True,
        validate=ma.validate.OneOf([1, 2], error="只能是 1（上半年）或 2（下半年）"),
        error_messages={"invalid": "应为 1 或 2"},
    )
    rating = one_of(tuple(MUTUAL), _labels(MUTUAL), required=True)
    comment = text_field(500, load_default="")


class YearQuery(PageArgs):
    year = a_year(strict=False, load_default=None)


class GradesQuery(YearQuery):
    kind = one_of(
        ("member", "branch"),
        "member（党员年度等次）、branch（支部年度等次）",
        load_default="member",
    )


class MutualQuery(PageArgs):
    period = a_period(load_default=None)


class EvaluationSchema(ma.Schema):
    id = F.Integer(required=True)
    kind = F.String(required=True)
    period = F.String(required=True)
    rating = F.String(required=True)
    rating_label = F.String(required=True)
    comment = F.String(required=True)
    created_at = LocalDateTime(required=True)


class ConfirmedSchema(ma.Schema):
    log = F.Nested(LogSchema, required=True)
    evaluation = F.Nested(EvaluationSchema, required=True)


class GradeSchema(ma.Schema):
    year = F.Integer(required=True)
    member_id = F.Integer(allow_none=True, required=True)
    member_name = F.String(allow_none=True, required=True)
    org_id = F.Integer(required=True)
    org_name = F.String(required=True)
    grade = F.String(allow_none=True, required=True, metadata={"description": "未评定时为 null"})
    grade_label = F.String(allow_none=True, required=True)
    comment = F.String(required=True)
    graded_at = LocalDateTime(allow_none=True, required=True)


class MutualSchema(ma.Schema):
    member_id = F.Integer(required=True)
    member_name = F.String(required=True)
    period = F.String(required=True)
    rating = F.String(required=True)
    rating_label = F.String(required=True)
    comment = F.String(required=True)


class MutualRowSchema(ma.Schema):
    member_id = F.Integer(required=True)
    member_name = F.String(required=True)
    counts = F.Dict(
        keys=F.String(),
        values=F.Integer(),
        required=True,
        metadata={"description": "good（好）、fair（较好）、average（一般）、poor（差）的票数"},
    )
    total = F.Integer(required=True)


class MutualPageSchema(page_of(MutualRowSchema)):  # type: ignore[misc]
    period = F.String(required=True)


class PointsEntrySchema(ma.Schema):
    id = F.Integer(required=True)
    points = F.Integer(required=True)
    rule = F.String(required=True)
    rule_label = F.String(required=True)
    reason = F.String(required=True)
    occurred_at = LocalDateTime(required=True)


class LedgerPageSchema(page_of(PointsEntrySchema)):  # type: ignore[misc]
    member_id = F.Integer(required=True)
    member_name = F.String(required=True)
    year = F.Integer(allow_none=True, required=True)
    index = F.Integer(required=True, metadata={"description": "先锋指数：明细的合计"})


class RankedSchema(ma.Schema):
    rank = F.Integer(required=True)
    member_id = F.Integer(required=True)
    name = F.String(required=True)
    org_id = F.Integer(required=True)
    org_name = F.String(required=True)
    points = F.Integer(required=True)


class RankingPageSchema(page_of(RankedSchema)):  # type: ignore[misc]
    year = F.Integer(allow_none=True, required=True)


# -- loading and shaping ----------------------------------------------------------------


def _member(session: Session, member_id: int) -> Member:
    m = session.get(Member, check_id(member_id))
    if m is None:
        raise NotFound("找不到这位党员")
    return m


def _org(session: Session, org_id: int) -> Organisation:
    o = session.get(Organisation, check_id(org_id))
    if o is None:
        raise NotFound("找不到这个组织")
    return o


def _evaluation(ev: Evaluation, labels: dict[str, str]) -> dict[str, Any]:
    return {
        "id": ev.id,
        "kind": ev.kind,
        "period": ev.period,
        "rating": ev.rating,
        "rating_label": labels.get(ev.rating, ev.rating),
        "comment": ev.comment,
        "created_at": ev.created_at,
    }


def _grade(
    year: int,
    member: Member | None,
    org: Organisation,
    ev: Evaluation | None,
    labels: dict[str, str],
) -> dict[str, Any]:
    return {
        "year": year,
        "member_id": member.id if member else None,
        "member_name": member.name if member else None,
        "org_id": org.id,
        "org_name": org.name,
        "grade": ev.rating if ev else None,
        "grade_label": labels.get(ev.rating, ev.rating) if ev else None,
        "comment": ev.comment if ev else "",
        "graded_at": ev.created_at if ev else None,
    }


def _half(args: dict[str, Any]) -> tuple[int, int]:
    """``period`` (2026H1), or ``year`` + ``half``, or (reading) the current half year."""
    if args.get("period"):
        if args.get("year") is not None or args.get("half") is not None:
            raise ValidationError("period", "请只填 period，或只填 year 和 half")
        return evaluation_service.parse_half(args["period"])
    year, half = args.get("year"), args.get("half")
    if year is None and half is None:
        raise ValidationError("period", "请填写半年，例如 period: 2026H1")
    if year is None or half is None:
        missing = "year" if year is None else "half"
        raise ValidationError(missing, "year 和 half 要一起填写，例如 2026 和 1")
    return int(year), int(half)


# -- 群众销账 --------------------------------------------------------------------------------


@bp.route("/logs/<int:log_id>/confirm", methods=["POST"])
@bp.doc(**SECURED)
@bp.arguments(ConfirmIn)
@bp.response(200, ConfirmedSchema)
def confirm(args: dict[str, Any], log_id: int) -> dict[str, Any]:
    """群众销账：党员联系服务的群众确认这条践诺记录并评价；确认后记录即为已核实。"""
    session = db_session()
    _account, actor = current_actor(session)
    entry = fulfilment.get_log(session, check_id(log_id))
    commitments.visible(session, actor, entry.commitment_id)  # 404 if the caller may not see it
    ev = evaluation_service.confirm_log(
        session, actor, entry, args["rating"], args.get("comment") or "", settings().points.rules
    )
    session.flush()
    body = {"log": serialize.logs(session, [entry])[0], "evaluation": _evaluation(ev, RATINGS)}
    session.commit()
    return body


# -- year-end grades ----------------------------------------------------------------------


@bp.route("/members/<int:member_id>/grades", methods=["POST"])
@bp.doc(**SECURED)
@bp.arguments(GradeIn)
@bp.response(200, GradeSchema)
def grade_member(args: dict[str, Any], member_id: int) -> dict[str, Any]:
    """支部书记（或街镇管理员）评定本支部党员的年度等次；再次提交即修改。"""
    session = db_session()
    _account, actor = current_actor(session)
    member = _member(session, member_id)
    ev = evaluation_service.grade_member(
        session, actor, member, args["year"], args["grade"], args.get("comment") or ""
    )
    session.flush()
    body = _grade(args["year"], member, _org(session, member.org_id), ev, GRADES)
    session.commit()
    return body


@bp.route("/orgs/<int:org_id>/grades", methods=["POST"])
@bp.doc(**SECURED)
@bp.arguments(BranchGradeIn)
@bp.response(200, GradeSchema)
def grade_branch(args: dict[str, Any], org_id: int) -> dict[str, Any]:
    """街镇管理员评定党支部的年度等次（好、较好、一般、差）；再次提交即修改。"""
    session = db_session()
    _account, actor = current_actor(session)
    branch = _org(session, org_id)
    ev = evaluation_service.grade_branch(
        session, actor, branch, args["year"], args["grade"], args.get("comment") or ""
    )
    session.flush()
    body = _grade(args["year"], None, branch, ev, BRANCH_GRADES)
    session.commit()
    return body


@bp.route("/orgs/<int:org_id>/grades", methods=["GET"])
@bp.doc(**SECURED)
@bp.arguments(GradesQuery, location="query")
@bp.response(200, page_of(GradeSchema))
def grades(args: dict[str, Any], org_id: int) -> dict[str, Any]:
    """年度等次：kind=member 为组织内每位党员（未评定为 null），kind=branch 为每个支部。"""
    session = read_session()
    _account, actor = current_actor(session)
    org = _org(session, org_id)
    year = args.get("year") or local_date().year
    if args["kind"] == "branch":
        rows = [
            _grade(year, None, r.branch, r.grade, BRANCH_GRADES)
            for r in evaluation_service.branch_grades(session, actor, org, year)
        ]
    else:
        rows = [
            _grade(year, r.member, r.branch, r.grade, GRADES)
            for r in evaluation_service.member_grades(session, actor, org, year)
        ]
    return page_list(rows, args)


# -- half-year mutual evaluation ----------------------------------------------------------


@bp.route("/members/<int:member_id>/mutual", methods=["POST"])
@bp.doc(**SECURED)
@bp.arguments(MutualIn)
@bp.response(200, MutualSchema)
def mutual(args: dict[str, Any], member_id: int) -> dict[str, Any]:
    """半年互评：评价本支部的另一位党员（不能评价自己）；再次提交即修改。"""
    year, half = _half(args)
    session = db_session()
    _account, actor = current_actor(session)
    subject = _member(session, member_id)
    ev = evaluation_service.mutual(
        session, actor, subject, year, half, args["rating"], args.get("comment") or ""
    )
    session.flush()
    body = {
        "member_id": subject.id,
        "member_name": subject.name,
        "period": ev.period,
        "rating": ev.rating,
        "rating_label": MUTUAL.get(ev.rating, ev.rating),
        "comment": ev.comment,
    }
    session.commit()
    return body


@bp.route("/orgs/<int:org_id>/mutual", methods=["GET"])
@bp.doc(**SECURED)
@bp.arguments(MutualQuery, location="query")
@bp.response(200, MutualPageSchema)
def mutual_summary(args: dict[str, Any], org_id: int) -> dict[str, Any]:
    """支部互评汇总（每位党员各等次的票数，不显示谁评了谁），供支部书记使用。"""
    if args.get("period"):
        year, half = evaluation_service.parse_half(args["period"])
    else:
        today = local_date()
        year, half = today.year, 1 if today.month <= 6 else 2
    session = read_session()
    _account, actor = current_actor(session)
    branch = _org(session, org_id)
    rows = [
        {
            "member_id": m.id,
            "member_name": m.name,
            "counts": counts,
            "total": sum(counts.values()),
        }
        for m, counts in evaluation_service.mutual_summary_for(session, actor, branch, year, half)
    ]
    body = page_list(rows, args)
    body["period"] = evaluation_service.half_of(year, half)
    return body


# -- 先锋指数 ----------------------------------------------------------------------------------


@bp.route("/members/<int:member_id>/points", methods=["GET"])
@bp.doc(**SECURED)
@bp.arguments(YearQuery, location="query")
@bp.response(200, LedgerPageSchema)
def ledger(args: dict[str, Any], member_id: int) -> dict[str, Any]:
    """积分明细（每条都有原因）；本人、本支部书记或街镇管理员可看。不填 year 为全部年份。"""
    session = read_session()
    _account, actor = current_actor(session)
    member = _member(session, member_id)
    year = args.get("year")
    entries = standings.ledger_for(session, actor, member, year)
    rows = [
        {
            "id": e.id,
            "points": e.points,
            "rule": e.rule,
            "rule_label": points_service.RULE_LABELS.get(e.rule, e.rule),
            "reason": e.reason,
            "occurred_at": e.occurred_at,
        }
        for e in entries
    ]
    body = page_list(rows, args)
    body.update(
        member_id=member.id,
        member_name=member.name,
        year=year,
        index=sum(e.points for e in entries),
    )
    return body


@bp.route("/orgs/<int:org_id>/points", methods=["GET"])
@bp.doc(**SECURED)
@bp.arguments(YearQuery, location="query")
@bp.response(200, RankingPageSchema)
def ranking(args: dict[str, Any], org_id: int) -> dict[str, Any]:
    """先锋指数排名（支部或街镇；并列同名次）。不填 year 为全部年份。"""
    session = read_session()
    _account, actor = current_actor(session)
    org = _org(session, org_id)
    year = args.get("year")
    ranked = standings.ranking_for(session, actor, org, year)
    names: dict[int, str] = {}
    if ranked:
        names = dict(
            session.execute(
                select(Organisation.id, Organisation.name).where(
                    Organisation.id.in_({r.org_id for r in ranked})
                )
            )
            .tuples()
            .all()
        )
    rows = [
        {
            "rank": r.rank,
            "member_id": r.member_id,
            "name": r.name,
            "org_id": r.org_id,
            "org_name": names.get(r.org_id, ""),
            "points": r.points,
        }
        for r in ranked
    ]
    body = page_list(rows, args)
    body["year"] = year
    return body
