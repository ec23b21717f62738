"""后台: 内容审核 — held texts (a log or a commitment whose text hit the local word list, or
that WeChat's check marked "review") waiting for the branch secretary's or township admin's
decision: 准予公开 (the text becomes public) or 不予公开 (with a reason; it stays hidden).
The scope and the rules live in ``services.content`` (``held_items``, ``decide``); the
console's own check (``handlers.staff.login_required``) refuses another branch's log or
commitment named in the address before the view runs."""

from __future__ import annotations

from flask import Response, render_template, request

from handlers.staff import _actor, _db, back, bp, done_text, levels, login_required, paged_list
from services import content
from services.errors import DomainError

KIND_LABELS = {content.Kind.LOG.value: "践诺记录", content.Kind.COMMITMENT.value: "承诺"}


def _page(
    error: str = "", failed: tuple[str, int] | None = None, reason: str = "", status: int = 200
) -> Response:
    listing = paged_list(content.held_items(_db(), _actor()))
    listed = failed is not None and any((i.kind, i.id) == failed for i in listing.rows)
    html = render_template(
        "staff/content.html",
        listing=listing,
        kind_labels=KIND_LABELS,
        # an error about a listed item is shown next to its form, any other at the top
        error=error if not listed else "",
        item_error=error if listed else "",
        failed=failed if listed else None,
        reason=reason,
        done=done_text(),
        decides=content.reviews_content(_actor()),
    )
    return Response(html, status=status)


@bp.get("/content")
@login_required
@levels("township", "branch")
def content_page() -> Response:
    return _page()


def _decide(kind: content.Kind, obj_id: int) -> Response:
    db, actor = _db(), _actor()
    approve = request.form.get("decision") == "approve"
    reason = request.form.get("reason", "").strip()[:500]
    try:
        content.decide(db, actor, kind, obj_id, approve, reason)
    except DomainError as exc:
        db.rollback()
        return _page(exc.message, (kind.value, obj_id), reason, exc.status)
    label = KIND_LABELS[kind.value]
    db.commit()
    if approve:
        done = f"已准予公开这条{label}，群众稍后就能在党员名片和承诺墙上看到。"
    else:
        done = f"已不予公开这条{label}，理由已记录；党员修改文字后会重新检查。"
    page = request.form.get("page", "")
    return back("staff.content_page", done, **({"page": page} if page.isdigit() else {}))


@bp.post("/content/log/<int:log_id>")
@login_required
@levels("township", "branch")
def content_decide_log(log_id: int) -> Response:
    return _decide(content.Kind.LOG, log_id)


@bp.post("/content/commitment/<int:commitment_id>")
@login_required
@levels("township", "branch")
def content_decide_commitment(commitment_id: int) -> Response:
    return _decide(content.Kind.COMMITMENT, commitment_id)
