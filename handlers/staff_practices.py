"""后台: 联户走访与主题党日 (/staff/practices) — the month's household-visit coverage per
member and branch, the branch's party day (create, mark attendance or leave, 到会率) and the
quarter's residents' survey (open and push, results); and 承诺模板 (/staff/practices/templates),
the pledge catalogue filtered by branch type and a member's 特长.

Routes of the console blueprint (``handlers.staff.bp``: login, scope, CSRF, audit); the rules
live in ``services.practices`` (coverage, party_day, survey, templates)."""

from __future__ import annotations

from datetime import date

from flask import Response, render_template, request

from handlers.context import settings
from handlers.staff import _actor, _db, back, bp, done_text, levels, login_required
from handlers.staff_civic import chosen_village, villages
from infra.clock import local_date
from models import ORG_TYPES, Member, Organisation
from scheduler import practice_pushes
from services.errors import DomainError, NotFound, ValidationError
from services.practices import coverage, party_day, survey, templates
from services.reads import periods, request_list

ATTENDANCE_LABELS = {"present": "到会", "leave": "请假", "absent": "缺席"}
VIA_LABELS = {"scan": "扫码签到", "mp": "小程序签到", "self": "本人请假", "secretary": "书记登记"}


def _quarter(day: date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def _page(*, error: str = "", status: int = 200) -> Response:
    db, actor, cfg = _db(), _actor(), settings().practices
    vs = villages()
    branch = chosen_village(vs, request.values.get("org", ""))
    today = local_date()
    try:
        period = periods.month(request.args.get("month", "").strip() or party_day.month_of(today))
    except DomainError as exc:
        period, error, status = periods.month(party_day.month_of(today)), exc.message, exc.status
    start, end = period.start, period.end
    cover = coverage.monthly(db, start, end, [v.id for v in vs]) if vs else {}
    day = party_day.for_month(db, branch.id, period.code) if branch else None
    quarter = _quarter(today)
    opened = survey.for_quarter(db, branch.id, quarter) if branch else None
    html = render_template(
        "staff/practices.html",
        villages=vs,
        branch=branch,
        month_label=period.label,
        period=period,
        this_month=period.code == party_day.month_of(today),
        coverage=cover,
        mine=cover.get(branch.id) if branch else None,
        day=day,
        roll=party_day.roll(db, actor, day) if day else [],
        rate=party_day.rates(db, day.held_on, day.held_on, [day.org_id]).get(day.org_id)
        if day
        else None,
        attendance_labels=ATTENDANCE_LABELS,
        via_labels=VIA_LABELS,
        quarter=quarter,
        quarter_label=f"{today.year}年第{quarter[-1]}季度",
        survey=opened,
        responses=survey.responses_count(db, opened) if opened else 0,
        results=survey.results(db, actor, opened, cfg.survey_rubric) if opened else [],
        rubric=cfg.survey_rubric,
        today=today,
        done=done_text(),
        error=error,
    )
    return Response(html, status=status)


def _failed(exc: DomainError) -> Response:
    _db().rollback()
    return _page(error=exc.message, status=exc.status)


def _branch() -> Organisation:
    branch = chosen_village(villages(), request.form.get("org", ""))
    if branch is None:
        raise ValidationError("org", "请选择党支部")
    return branch


@bp.get("/practices")
@login_required
@levels("township", "branch")
def practices_page() -> Response:
    return _page()


@bp.post("/practices/party-days")
@login_required
@levels("township", "branch")
def practices_party_day() -> Response:
    """安排本月主题党日: date and topic."""
    db = _db()
    try:
        branch = _branch()
        raw = request.form.get("held_on", "").strip()
        try:
            held_on = date.fromisoformat(raw)
        except ValueError:
            raise ValidationError("held_on", "请填写主题党日的日期，例如 2026-12-10") from None
        day = party_day.create(db, _actor(), branch, held_on, request.form.get("topic", ""))
    except DomainError as exc:
        return _failed(exc)
    done = f"已安排主题党日：{day.held_on.month}月{day.held_on.day}日 {day.topic}"
    db.commit()
    return back("staff.practices_page", done, org=branch.id)


@bp.post("/practices/party-days/<int:party_day_id>/attendance")
@login_required
@levels("township", "branch")
def practices_mark(party_day_id: int) -> Response:
    """登记到会情况: a member present, on leave (with the reason) or absent."""
    db = _db()
    try:
        day = party_day.get(db, party_day_id)
        raw = request.form.get("member", "")
        member = db.get(Member, int(raw)) if raw.isdigit() and len(raw) < 10 else None
        if member is None:
            raise NotFound("请选择党员")
        status = request.form.get("status", "")
        party_day.mark(db, _actor(), day, member, status, request.form.get("note", ""))
    except DomainError as exc:
        return _failed(exc)
    done = f"已登记：{member.name} {ATTENDANCE_LABELS.get(status, status)}"
    org_id = day.org_id
    db.commit()
    return back("staff.practices_page", done, org=org_id)


@bp.post("/practices/surveys")
@login_required
@levels("township", "branch")
def practices_survey() -> Response:
    """发起本季度群众测评: the link goes to the branch's groups and linked residents (once)."""
    db = _db()
    try:
        branch = _branch()
        opened = survey.open_survey(db, _actor(), branch, _quarter(local_date()))
        pushed = practice_pushes.survey_pushes(db, opened, str(settings().app.base_url))
    except DomainError as exc:
        return _failed(exc)
    done = f"已发起{branch.name}本季度群众测评，推送 {pushed} 条消息"
    db.commit()
    return back("staff.practices_page", done, org=branch.id)


@bp.get("/practices/templates")
@login_required
def practices_templates() -> Response:
    """承诺模板: the catalogue for a branch type (``type``) and 特长 (``speciality``), or for a
    member (``member``: their branch's type and roster 特长)."""
    db, cfg = _db(), settings().practices
    path = cfg.templates_path()
    error, status = "", 200
    raw = request.args.get("member", "")
    member = db.get(Member, int(raw)) if raw.isdigit() and len(raw) < 10 else None
    org_type = request.args.get("type", "").strip()[:20]
    speciality = request.args.get("speciality", "").strip()[:50]
    try:
        if member is not None:
            offered = templates.offer_for_member(db, path, member)
            branch = db.get(Organisation, member.org_id)
            org_type, speciality = (branch.org_type if branch else "") or "", member.speciality
        else:
            offered = templates.offer(path, org_type or None, speciality)
    except DomainError as exc:
        error, status, offered = exc.message, exc.status, list(templates.catalogue(path))
    html = render_template(
        "staff/practices_templates.html",
        offered=offered,
        org_types=ORG_TYPES,
        org_type=org_type,
        speciality=speciality,
        member=member,
        members=[m for ms in request_list.members_of(db, villages()).values() for m in ms],
        matches=templates.matches,
        done="",
        error=error,
    )
    return Response(html, status=status)
