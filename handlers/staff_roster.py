"""后台: 花名册导入 (township) — the member roster and household files, all-or-nothing, with a
confirmation step for identity changes. The rules live in ``services.org.roster``."""

from __future__ import annotations

import base64
import binascii
from pathlib import Path

from flask import Response, abort, render_template, request

from handlers.staff import _db, bp, download, login_required, township_only
from services.errors import DomainError
from services.org import roster

ROSTER_KINDS = {"members": "党员花名册", "households": "户信息"}
# A file whose import needs confirmation comes back in the confirm form (base64, inside the
# upload limit); a larger one is chosen again.
CONFIRM_INLINE_BYTES = 3 * 1024 * 1024


@bp.get("/roster")
@login_required
@township_only
def roster_page() -> str:
    return render_template("staff/roster.html", kinds=ROSTER_KINDS, problems=[], result=None)


@bp.get("/roster/template/<kind>.xlsx")
@login_required
@township_only
def roster_template(kind: str) -> Response:
    if kind not in ROSTER_KINDS:
        abort(404)
    return download(
        roster.template(kind),
        f"{kind}-template.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


@bp.post("/roster/import")
@login_required
@township_only
def roster_import() -> Response:
    db = _db()
    kind = request.form.get("kind", "")
    upload = request.files.get("file")
    confirm = request.form.get("confirm", "")
    if kind not in ROSTER_KINDS:
        return _roster_result(kind, message="请选择要导入的是党员花名册还是户信息", status=400)
    if upload is not None and upload.filename:
        name, data = Path(upload.filename).name, upload.read()
    elif confirm and request.form.get("file_data"):
        try:
            data = base64.b64decode(request.form["file_data"], validate=True)
        except (binascii.Error, ValueError):
            return _roster_result(kind, message="确认内容不完整，请重新上传文件", status=400)
        name = Path(request.form.get("file_name", "") or "roster.xlsx").name
    else:
        return _roster_result(kind, message="请选择要上传的 .xlsx 或 .csv 文件", status=400)
    try:
        if kind == "members":
            result = roster.import_members(db, Path(name), data=data, confirm=confirm)
        else:
            result = roster.import_households(db, Path(name), data=data)
    except roster.ImportFailed as exc:
        db.rollback()
        return _roster_result(kind, message=exc.message, problems=exc.problems, status=400)
    except roster.NeedsConfirmation as exc:
        db.rollback()
        html = render_template(
            "staff/roster.html",
            kinds=ROSTER_KINDS,
            kind=kind,
            label=ROSTER_KINDS[kind],
            problems=[],
            result=None,
            pending=exc,
            file_name=name,
            file_data=(
                base64.b64encode(data).decode() if len(data) <= CONFIRM_INLINE_BYTES else ""
            ),
        )
        return Response(html, status=409)
    except DomainError as exc:
        db.rollback()
        return _roster_result(kind, message=exc.message, status=exc.status)
    db.commit()
    return _roster_result(kind, result=result)


def _roster_result(
    kind: str,
    *,
    message: str = "",
    problems: list[roster.Problem] | None = None,
    result: roster.ImportResult | None = None,
    status: int = 200,
) -> Response:
    html = render_template(
        "staff/roster.html",
        kinds=ROSTER_KINDS,
        kind=kind,
        label=ROSTER_KINDS.get(kind, ""),
        message=message,
        problems=problems or [],
        result=result,
    )
    return Response(html, status=status)
