"""后台: 诉求办理 (/staff/requests) — the requests in the caller's scope (the township, or a
secretary's branch) with filters and search, the township's inbox, and dispatch (派单) /
assign / transfer / escalate now (上报).
Routes of the console blueprint (``handlers.staff.bp``, same login and CSRF); the rules live
in ``services.requests`` (``dispatch``, ``transfer``) and the list in
``services.reads.request_list``.
"""

from __future__ import annotations

from flask import Response, redirect, render_template, request, url_for

from handlers.context import settings
from handlers.staff import _actor, _db, _scope, bp, levels, login_required
from infra.clock import local_text
from models import Organisation, RequestStatus
from services import requests as request_service
from services.errors import DomainError, NotFound
from services.reads import request_list
from services.timeline import ACTION_LABELS


def _scopes() -> list[Organisation]:
    return list(_scope().roots)


def _filters() -> request_list.Filters:
    args = request.args
    org = args.get("org", "")
    return request_list.Filters(
        status=args.get("status", "")[:20],
        org_id=int(org) if org.isdigit() and len(org) < 12 else None,
        overdue=args.get("overdue") == "1",
        kind=args.get("kind", "")[:20],
        q=args.get("q", "")[:50],
    )


def _page(*, error: str = "", done: str = "", status: int = 200) -> Response:
    db = _db()
    scopes = _scopes()
    branches = request_list.branches_under(db, scopes)
    filters = _filters()
    size = settings().staff.page_size
    raw = request.args.get("page", "1")
    number = max(int(raw) if raw.isdigit() and len(raw) < 6 else 1, 1)
    rows = request_list.requests_in(
        db,
        scopes,
        filters,
        limit=size + 1,
        offset=(number - 1) * size,
        resolve_days=settings().requests.resolve_days,
    )
    args = {k: v for k, v in request.args.items() if k != "page"}
    html = render_template(
        "staff/requests.html",
        rows=rows[:size],
        page=number,
        prev_url=url_for("staff.requests_page", page=number - 1, **args) if number > 1 else "",
        next_url=url_for("staff.requests_page", page=number + 1, **args)
        if len(rows) > size
        else "",
        filters=filters,
        scopes=scopes,
        branches=branches,
        members=request_list.members_of(db, branches),
        statuses=[("open", "未办结")]
        + [(s.value, request_service.STATUS_LABELS.get(s.value, s.value)) for s in RequestStatus],
        status_labels=request_service.STATUS_LABELS,
        kinds=request_service.KIND_LABELS,
        action_labels=ACTION_LABELS,
        open_statuses=request_service.OPEN_STATUSES,
        error=error,
        done=done,
        local_text=local_text,
    )
    return Response(html, status=status)


def _int_field(key: str) -> int | None:
    raw = request.form.get(key, "")
    return int(raw) if raw.isdigit() and len(raw) < 12 else None


def _back(done: str) -> Response:
    return redirect(url_for("staff.requests_page", done=done[:100]), code=303)  # type: ignore[return-value]


@bp.get("/requests")
@login_required
@levels("township", "branch")
def requests_page() -> Response:
    return _page(done=request.args.get("done", "")[:100])


@bp.post("/requests/<int:request_id>/dispatch")
@login_required
@levels("township", "branch")
def requests_dispatch(request_id: int) -> Response:
    db, actor = _db(), _actor()
    try:
        req = request_service.visible(db, actor, request_id)
        branch_id = _int_field("branch")
        branch = db.get(Organisation, branch_id) if branch_id else None
        if branch is None:
            raise NotFound("请选择要派往的支部")
        request_service.dispatch(
            db, actor, req, branch, first_answer_hours=settings().requests.first_answer_hours
        )
    except DomainError as exc:
        db.rollback()
        return _page(error=exc.message, status=exc.status)
    done = f"已派单：{req.number} → {branch.name}"
    db.commit()
    return _back(done)


@bp.post("/requests/<int:request_id>/transfer")
@login_required
@levels("township", "branch")
def requests_transfer(request_id: int) -> Response:
    """Assign to a member of the request's branch (``member``), or hand back to the
    branch's list (no member)."""
    db, actor = _db(), _actor()
    try:
        req = request_service.visible(db, actor, request_id)
        request_service.transfer(
            db, actor, req, _int_field("member"), request.form.get("reason", "")
        )
    except DomainError as exc:
        db.rollback()
        return _page(error=exc.message, status=exc.status)
    done = f"已转交：{req.number}"
    db.commit()
    return _back(done)


@bp.post("/requests/<int:request_id>/escalate")
@login_required
@levels("township", "branch")
def requests_escalate(request_id: int) -> Response:
    """上报 now: one level up without waiting for the time limit."""
    db, actor = _db(), _actor()
    try:
        req = request_service.visible(db, actor, request_id)
        request_service.escalate_now(
            db, actor, req, first_answer_hours=settings().requests.first_answer_hours
        )
    except DomainError as exc:
        db.rollback()
        return _page(error=exc.message, status=exc.status)
    done = (
        f"已上报街镇：{req.number}，已通知街镇管理员"
        if req.escalation_level >= 2
        else f"已督办：{req.number}，已通知支部书记"
    )
    db.commit()
    return _back(done)
