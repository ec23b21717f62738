"""三评 for the mini-program: the secretary's monthly branch score of each member, and the
quarterly residents' survey (opened and pushed by the secretary, answered once per resident,
results per member). The half-year mutual evaluation is ``handlers.api.evaluations``.

Every rule and permission lives in ``services.practices.survey``; the pushes' wording is
``scheduler.practice_pushes``."""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from handlers.api.base import (
    SECURED,
    Blueprint,
    PageArgs,
    Schema,
    an_id,
    check_id,
    current_actor,
    page_list,
    text_field,
)
from handlers.api.practices import a_month
from handlers.api.practices_meetings import load_member, load_org
from handlers.context import db_session, read_session, settings
from infra.clock import local_date
from models import Organisation
from scheduler import practice_pushes
from services.evaluation import standings
from services.practices import survey

F = ma.fields

bp = Blueprint(
    "practices_reviews", __name__, url_prefix="/api/v1", description="三评：支部考评与群众测评"
)


class ScoreIn(Schema):
    month = a_month(required=True)
    grade = text_field(16, required=True, min_len=1)
    note = text_field(500, load_default="")


class ScoreSchema(ma.Schema):
    member_id = F.Integer(required=True)
    member_name = F.String(required=True)
    month = F.String(required=True)
    grade = F.String(allow_none=True, required=True)
    note = F.String(required=True)


class ScoreQuery(PageArgs):
    month = a_month(required=True)


class ScorePageSchema(ma.Schema):
    items = F.List(F.Nested(ScoreSchema), required=True)
    page = F.Integer(required=True)
    per_page = F.Integer(required=True)
    total = F.Integer(required=True)
    rubric = F.List(F.String(), required=True)


class SurveyIn(Schema):
    quarter = F.String(
        required=True,
        validate=ma.validate.Regexp(r"^\d{4}Q[1-4]$", error="季度格式应为 2026Q4"),
        error_messages={"required": "必填，例如 2026Q4", "invalid": "应为文字，例如 2026Q4"},
    )


class RatingIn(Schema):
    member_id = an_id(required=True)
    rating = text_field(16, required=True, min_len=1)


class AnswerIn(Schema):
    ratings = F.List(
        F.Nested(RatingIn),
        required=True,
        validate=ma.validate.Length(1, 200, error="请评价 1 到 200 位党员"),
    )
    comment = text_field(500, load_default="")


class SubjectSchema(ma.Schema):
    member_id = F.Integer(required=True)
    name = F.String(required=True)


class ResultSchema(ma.Schema):
    member_id = F.Integer(required=True)
    name = F.String(required=True)
    counts = F.Dict(keys=F.String(), values=F.Integer(), required=True)
    total = F.Integer(required=True)
    average = F.Integer(allow_none=True, required=True, metadata={"description": "0–100"})


class SurveySchema(ma.Schema):
    id = F.Integer(required=True)
    org_id = F.Integer(required=True)
    org_name = F.String(required=True)
    quarter = F.String(required=True)
    rubric = F.List(F.String(), required=True)
    members = F.List(F.Nested(SubjectSchema), required=True)
    responses = F.Integer(required=True)
    results = F.List(F.Nested(ResultSchema), required=True, metadata={"description": "书记可见"})
    pushed = F.Integer(required=True, metadata={"description": "本次推送的消息数（发起时）"})


class BasisQuery(PageArgs):
    year = F.Integer(
        validate=ma.validate.Range(2000, 2100, error="年份应为 2000 到 2100 之间，例如 2026"),
        error_messages={"invalid": "年份应为整数，例如 2026"},
        load_default=None,
    )


class BasisSchema(ma.Schema):
    rank = F.Integer(required=True, metadata={"description": "按综合分在本支部的名次"})
    member_id = F.Integer(required=True)
    name = F.String(required=True)
    points = F.Integer(required=True, metadata={"description": "先锋指数"})
    branch_score = F.Float(allow_none=True, required=True, metadata={"description": "支部月评均分"})
    survey = F.Float(allow_none=True, required=True, metadata={"description": "群众测评均分"})
    mutual = F.Float(allow_none=True, required=True, metadata={"description": "党员互评均分"})
    score = F.Float(required=True, metadata={"description": "综合分（README 闪亮之星公式）"})


class BasisPageSchema(ma.Schema):
    items = F.List(F.Nested(BasisSchema), required=True)
    page = F.Integer(required=True)
    per_page = F.Integer(required=True)
    total = F.Integer(required=True)
    year = F.Integer(required=True)
    weights = F.Dict(keys=F.String(), values=F.Float(), required=True)


class AnsweredSchema(ma.Schema):
    survey_id = F.Integer(required=True)
    rated = F.Integer(required=True)


# -- 三评: monthly branch score, quarterly survey ------------------------------------------


@bp.route("/members/<int:member_id>/branch-scores", methods=["POST"])
@bp.doc(**SECURED)
@bp.arguments(ScoreIn)
@bp.response(200, ScoreSchema)
def score(args: dict[str, Any], member_id: int) -> dict[str, Any]:
    """支部书记每月考评本支部党员（等次见 practices.branch_rubric，如 好、较好、一般、差）。"""
    session = db_session()
    _account, actor = current_actor(session)
    member = load_member(session, member_id)
    row = survey.score_member(
        session,
        actor,
        member,
        args["month"],
        args["grade"],
        args.get("note") or "",
        settings().practices.branch_rubric,
    )
    body = {
        "member_id": member.id,
        "member_name": member.name,
        "month": row.month,
        "grade": row.grade,
        "note": row.note,
    }
    session.commit()
    return body


@bp.route("/orgs/<int:org_id>/branch-scores", methods=["GET"])
@bp.doc(**SECURED)
@bp.arguments(ScoreQuery, location="query")
@bp.response(200, ScorePageSchema)
def scores(args: dict[str, Any], org_id: int) -> dict[str, Any]:
    """本支部党员某月的考评（未评为 null）。"""
    session = read_session()
    _account, actor = current_actor(session)
    rows = [
        {
            "member_id": m.id,
            "member_name": m.name,
            "month": args["month"],
            "grade": s.grade if s else None,
            "note": s.note if s else "",
        }
        for m, s in survey.scores_of_month(session, actor, load_org(session, org_id), args["month"])
    ]
    body = page_list(rows, args)
    body["rubric"] = list(settings().practices.branch_rubric)
    return body


def _survey_body(session: Any, actor: Any, s: Any, pushed: int = 0) -> dict[str, Any]:
    org = session.get_one(Organisation, s.org_id)
    rubric = settings().practices.survey_rubric
    results = survey.results(session, actor, s, rubric) if actor.manages(org) else []
    return {
        "id": s.id,
        "org_id": org.id,
        "org_name": org.name,
        "quarter": s.quarter,
        "rubric": list(rubric),
        "members": [{"member_id": m.id, "name": m.name} for m in survey.subjects(session, s)],
        "responses": survey.responses_count(session, s),
        "results": [
            {
                "member_id": r.member_id,
                "name": r.name,
                "counts": r.counts,
                "total": r.total,
                "average": r.average,
            }
            for r in results
        ],
        "pushed": pushed,
    }


@bp.route("/orgs/<int:org_id>/surveys", methods=["POST"])
@bp.doc(**SECURED)
@bp.arguments(SurveyIn)
@bp.response(201, SurveySchema)
def open_survey(args: dict[str, Any], org_id: int) -> dict[str, Any]:
    """书记发起本季度群众测评：链接推送到支部群和已绑定户的群众（每季度一次，重复发起不重复推送）。"""
    session = db_session()
    _account, actor = current_actor(session)
    s = survey.open_survey(session, actor, load_org(session, org_id), args["quarter"])
    pushed = practice_pushes.survey_pushes(session, s, str(settings().app.base_url))
    body = _survey_body(session, actor, s, pushed)
    session.commit()
    return body


@bp.route("/surveys/<int:survey_id>", methods=["GET"])
@bp.doc(**SECURED)
@bp.response(200, SurveySchema)
def get_survey(survey_id: int) -> dict[str, Any]:
    """群众测评：要评价的党员；书记另见每位党员的结果。"""
    session = read_session()
    _account, actor = current_actor(session)
    return _survey_body(session, actor, survey.get(session, check_id(survey_id)))


@bp.route("/surveys/<int:survey_id>/answers", methods=["POST"])
@bp.doc(**SECURED)
@bp.arguments(AnswerIn)
@bp.response(201, AnsweredSchema)
def answer(args: dict[str, Any], survey_id: int) -> dict[str, Any]:
    """群众填写测评（每位群众每季度一次；评价见 practices.survey_rubric，如 满意、基本满意、不满意）。"""
    session = db_session()
    _account, actor = current_actor(session)
    s = survey.get(session, check_id(survey_id))
    ratings = {r["member_id"]: r["rating"] for r in args["ratings"]}
    survey.answer(
        session, actor, s, ratings, args.get("comment") or "", settings().practices.survey_rubric
    )
    session.commit()
    return {"survey_id": s.id, "rated": len(ratings)}


@bp.route("/orgs/<int:org_id>/three-reviews", methods=["GET"])
@bp.doc(**SECURED)
@bp.arguments(BasisQuery, location="query")
@bp.response(200, BasisPageSchema)
def three_reviews(args: dict[str, Any], org_id: int) -> dict[str, Any]:
    """三评汇总（年终评议参考）：本支部党员当年的先锋指数、支部月评、群众测评、党员互评均分和综合分。"""
    session = read_session()
    _account, actor = current_actor(session)
    branch = load_org(session, org_id)
    year = args.get("year") or local_date().year
    weights = settings().practices.star_weights
    rows = [
        {
            "rank": b.ranked.rank,
            "member_id": b.ranked.member_id,
            "name": b.ranked.name,
            "points": b.ranked.points,
            "branch_score": None if b.branch_score is None else round(b.branch_score, 1),
            "survey": None if b.survey is None else round(b.survey, 1),
            "mutual": None if b.mutual is None else round(b.mutual, 1),
            "score": b.score,
        }
        for b in standings.year_basis(session, actor, branch, year, weights)
    ]
    body = page_list(rows, args)
    body.update(year=year, weights=dict(weights))
    return body
