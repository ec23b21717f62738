"""后台: 操作记录 (township) — the audit trail of every console action: who, when, what, from
which address, and how it ended. Rows are written by ``handlers.staff`` (one hook); the read
is ``services.org.audit.page``."""

from __future__ import annotations

from flask import Response, render_template, request

from handlers.staff import _db, bp, login_required, query_text, township_only
from services.org import audit


@bp.get("/audit")
@login_required
@township_only
def audit_page() -> Response:
    db = _db()
    raw = request.args.get("page", "1")
    action = request.args.get("action", "")[:80]
    result = audit.page(
        db,
        q=query_text(),
        action=action,
        number=int(raw) if raw.isdigit() and len(raw) < 6 else 1,
    )
    html = render_template(
        "staff/audit.html",
        result=result,
        actions=audit.actions(db),
        action=action,
        q=query_text(),
    )
    return Response(html, status=200)
