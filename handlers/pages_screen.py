"""The big screen (大屏) of a branch or the township: ``/o/<code>/screen`` (HTML, the first page
without JavaScript) and ``/o/<code>/screen.json`` (the same figures, fetched every
``screen.refresh_seconds`` by ``static/screen.js``, which pages every ``screen.page_seconds``).

``?every=<s>`` and ``?refresh=<s>`` override the two intervals for one screen (a TV that should
page faster); ``?page=<n>`` opens page n (the no-JavaScript fallback pages with a meta refresh).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, Response, jsonify, render_template, request

from handlers.api.cache import township_ranking
from handlers.context import read_session, settings
from handlers.pages import photo_url
from infra.clock import local_date, local_text, now_utc
from services.reads import public
from services.reads.screen import ScreenRow, ScreenView, screen_view

bp = Blueprint("screen", __name__)

STATE_LABELS = {
    "overdue": "已逾期",
    "behind": "进度落后",
    "on_track": "正常推进",
    "completed": "已完成",
    "none": "暂无公开承诺",
}


def _seconds(name: str, default: int, lo: int, hi: int) -> int:
    raw = request.args.get(name, "")
    return max(lo, min(hi, int(raw))) if raw.isdigit() else default


def _view(code: str) -> ScreenView:
    session = read_session()
    org = public.branch_of(session, public.org_by_code(session, code))
    cfg = settings().reports
    today = local_date()
    return screen_view(
        session,
        org,
        today,
        red_count=cfg.red_flag_count,
        yellow_below=cfg.yellow_flag_below_percent,
        ranking_of=lambda township: township_ranking(session, township.id, today),
    )


def _row(r: ScreenRow) -> dict[str, Any]:
    state = "exempt" if r.exempt else r.bar
    label = f"免于承诺（{r.exempt_reason}）" if r.exempt else STATE_LABELS[r.bar]
    return {
        "code": r.public_code,
        "name": r.name,
        "initial": r.name[:1],
        "photo": photo_url(r.photo_key),
        "subtitle": r.subtitle or r.group,
        "branch": r.branch,
        "bar": r.bar,
        "state": state,
        "state_label": label,
        "percent": r.percent,
        "flags": r.flags,
        "commitments": r.commitments,
        "month_logs": r.month_logs,
        "next_due": r.next_due,
    }


def _rate(v: int | None) -> str:
    return f"{v}%" if v is not None else "暂无"


def _data(view: ScreenView) -> dict[str, Any]:
    c = view.rates
    return {
        "org": view.org.name,
        "township": view.org.kind == "township",
        "month": view.month_label,
        "updated": local_text(now_utc(), "%H:%M:%S"),
        "rows": [_row(r) for r in view.rows],
        "overdue": view.overdue,
        "red": view.red,
        "yellow": view.yellow,
        "flag": view.flag,
        "rates": [
            {"label": "响应率", "value": _rate(c.response)},
            {"label": "办结率", "value": _rate(c.completion)},
            {"label": "解决率", "value": _rate(c.solution)},
            {"label": "满意率", "value": _rate(c.satisfaction)},
        ],
        "received": c.received,
        "year": view.on.year,
        "latest": [
            {"day": x.day, "name": x.name, "title": x.title, "what": f"{x.quantity}{x.unit}"}
            for x in view.latest
        ],
    }


@bp.get("/o/<code>/screen")
def screen(code: str) -> str:
    cfg = settings().screen
    data = _data(_view(code))
    size = cfg.page_size
    rows = data["rows"]
    pages = [rows[i : i + size] for i in range(0, len(rows), size)] or [[]]
    raw = request.args.get("page", "")
    current = (int(raw) - 1) % len(pages) if raw.isdigit() and int(raw) > 0 else 0
    every = _seconds("every", cfg.page_seconds, 1, 600)
    return render_template(
        "pages/screen.html",
        code=code,
        data=data,
        pages=pages,
        current=current,
        size=size,
        every=every,
        refresh=_seconds("refresh", cfg.refresh_seconds, 1, 3600),
        next_page=(current + 1) % len(pages) + 1,
    )


@bp.get("/o/<code>/screen.json")
def screen_json(code: str) -> Response:
    resp = jsonify(_data(_view(code)))
    resp.headers["Cache-Control"] = "no-store"
    return resp


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
