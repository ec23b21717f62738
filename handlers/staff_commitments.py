"""后台: 概况 (the dashboard) and 承诺审核 — the review queue at the caller's level (党小组初审,
支部复审, 街镇备案) with approve / return-with-reason, and every commitment in the caller's scope
by status. The rules live in ``services.commitments`` (``review_queue``, ``review``).
"""

from __future__ import annotations

from flask import Response, render_template, request
from sqlalchemy import func, select

from delivery import dispatcher as dispatch
from handlers.context import settings
from handlers.staff import (
    _actor,
    _db,
    _scope,
    back,
    bp,
    done_text,
    login_required,
    paged,
    query_int,
    query_text,
)
from models import Commitment, Member, Organisation
from services import commitments as commitment_service
from services import content, fulfilment
from services.commitments import STATUS_LABELS
from services.errors import DomainError
from services.org import setup
from services.reads import console


def _names(commitments: list[Commitment]) -> tuple[dict[int, Member], dict[int, Organisation]]:
    db = _db()
    members = {
        m.id: m
        for m in db.scalars(
            select(Member).where(Member.id.in_({c.member_id for c in commitments if c.member_id}))
        )
    }
    orgs = {
        o.id: o
        for o in db.scalars(
            select(Organisation).where(Organisation.id.in_({c.org_id for c in commitments}))
        )
    }
    return members, orgs


def _dashboard(error: str = "", done: str = "", status: int = 200) -> Response:
    db, actor, scope = _db(), _actor(), _scope()
    queue = commitment_service.review_queue(db, actor)
    members, orgs = _names(queue)
    unverified = db.scalar(
        select(func.count()).select_from(fulfilment.verification_queue(db, actor).subquery())
    )
    failed = len(dispatch.list_messages(db, failed_only=True, limit=1000)) if scope.township else 0
    steps = setup.progress(db, setup.township(db)) if scope.township else []
    requests = (
        console.request_counts(db, scope, settings().requests.resolve_days)
        if scope.level != "group"
        else None
    )
    html = render_template(
        "staff/dashboard.html",
        steps=steps if not all(s.done for s in steps) else [],
        queue=queue[:20],
        queue_total=len(queue),
        members=members,
        orgs=orgs,
        failed=failed,
        unverified=unverified or 0,
        held=content.held_count(db, actor),
        requests=requests,
        error=error,
        done=done,
        actor=actor,
        scope=scope,
        status_labels=STATUS_LABELS,
    )
    return Response(html, status=status)


@bp.get("/")
@login_required
def dashboard() -> Response:
    return _dashboard(done=done_text())


def _commitments_page(error: str = "", status: int = 200) -> Response:
    db, actor, scope = _db(), _actor(), _scope()
    queue = commitment_service.review_queue(db, actor)
    org_id = query_int("org")
    filters = console.CommitmentFilters(
        status=request.args.get("status", "")[:30]
        if request.args.get("status") in STATUS_LABELS
        else "",
        org=db.get(Organisation, org_id) if org_id else None,
        q=query_text(),
    )
    listing = paged(db, console.commitments(scope, filters))
    members, orgs = _names(queue + listing.rows)
    html = render_template(
        "staff/commitments.html",
        queue=queue,
        listing=listing,
        filters=filters,
        branches=console.branches(db, scope) if scope.level != "group" else [],
        members=members,
        orgs=orgs,
        status_labels=STATUS_LABELS,
        error=error,
        done=done_text(),
    )
    return Response(html, status=status)


@bp.get("/commitments")
@login_required
def commitments_page() -> Response:
    return _commitments_page()


@bp.post("/commitments/<int:commitment_id>/review")
@login_required
def review(commitment_id: int) -> Response:
    db, actor = _db(), _actor()
    decision = request.form.get("decision", "")
    try:
        c = commitment_service.visible(db, actor, commitment_id)
        commitment_service.review(
            db,
            actor,
            c,
            decision,
            request.form.get("reason", ""),
            settings().commitments.review_levels,
        )
    except DomainError as exc:
        db.rollback()
        if request.form.get("next") == "commitments":
            return _commitments_page(error=exc.message, status=exc.status)
        return _dashboard(error=exc.message, status=exc.status)
    title, new_status = c.title, c.status
    db.commit()
    if decision == "approve" and new_status == "published":
        done = f"已备案：{title}"
    elif decision == "approve":
        done = f"已通过：{title}（{STATUS_LABELS.get(new_status, new_status)}）"
    else:
        done = f"已退回：{title}"
    target = (
        "staff.commitments_page" if request.form.get("next") == "commitments" else "staff.dashboard"
    )
    return back(target, done)
