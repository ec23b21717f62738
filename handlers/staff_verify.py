"""后台: 践诺核实 — the logs waiting for the caller's 核实 (secretaries: their branch; township
staff: the township), one or a selection at once. 核实 is what turns logs into 先锋指数 points.
The rules live in ``services.fulfilment`` (``verification_queue``, ``verify_log``)."""

from __future__ import annotations

from flask import Response, render_template
from sqlalchemy import select

from handlers.context import settings
from handlers.staff import (
    _actor,
    _db,
    _scope,
    back,
    bp,
    done_text,
    form_ids,
    levels,
    login_required,
    paged,
    query_int,
    query_text,
)
from models import Commitment, FulfilmentLog, Member, Organisation
from services import fulfilment
from services.errors import DomainError, NotFound, ValidationError
from services.reads import console


def _page(error: str = "", status: int = 200) -> Response:
    db, actor, scope = _db(), _actor(), _scope()
    org_id = query_int("org")
    org = db.get(Organisation, org_id) if org_id else None
    listing = paged(db, console.logs_to_verify(db, actor, org, query_text()))
    logs: list[FulfilmentLog] = listing.rows
    commitments = {
        c.id: c
        for c in db.scalars(
            select(Commitment).where(Commitment.id.in_({x.commitment_id for x in logs}))
        )
    }
    members = {
        m.id: m
        for m in db.scalars(
            select(Member).where(Member.id.in_({x.member_id for x in logs if x.member_id}))
        )
    }
    html = render_template(
        "staff/verify.html",
        listing=listing,
        commitments=commitments,
        members=members,
        branches=console.branches(db, scope),
        org=org,
        q=query_text(),
        error=error,
        done=done_text(),
    )
    return Response(html, status=status)


@bp.get("/verify")
@login_required
@levels("township", "branch")
def verify_page() -> Response:
    return _page()


def _verify(ids: list[int]) -> Response:
    db, actor = _db(), _actor()
    try:
        if not ids:
            raise ValidationError("log", "请先勾选要核实的践诺记录")
        for log_id in ids:
            entry = db.get(FulfilmentLog, log_id)
            if entry is None:
                raise NotFound(f"找不到践诺记录 #{log_id}")
            fulfilment.verify_log(db, actor, entry, settings().points.rules)
    except DomainError as exc:
        db.rollback()  # all or nothing
        return _page(error=exc.message, status=exc.status)
    db.commit()
    return back("staff.verify_page", f"已核实 {len(ids)} 条践诺记录")


@bp.post("/verify")
@login_required
@levels("township", "branch")
def verify_many() -> Response:
    return _verify(form_ids("log"))


@bp.post("/logs/<int:log_id>/verify")
@login_required
@levels("township", "branch")
def verify_one(log_id: int) -> Response:
    return _verify([log_id])
