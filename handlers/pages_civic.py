"""Public civic pages: a village's 文明存折 honour list (masked names), its exchange counters
and catalogue, and its 议事 items; one item's whole path to its outcome (with the resulting
commitment's progress). Handlers only load and render; the facts come from ``services.civic``.
"""

from __future__ import annotations

from flask import Blueprint, Flask, Response, abort, render_template

from handlers.context import read_session, settings
from infra import qr
from infra.clock import local_date, local_text
from services import privacy
from services.civic import agenda, book, exchange, outcome

bp = Blueprint("civic_pages", __name__)


@bp.get("/civic/o/<code>")
def village(code: str) -> str:
    session = read_session()
    org = book.village(session, code)
    honours = book.honour_list(session, org, size=settings().civic.honour_list_size)
    month = local_date().strftime("%Y-%m")
    this_month = book.honour_list(session, org, months=[month], size=10)
    counters = [
        {"counter": c, "days": exchange.days_text(c), "goods": goods}
        for c, goods in exchange.catalogue(session, org)
    ]
    items = [
        {
            "number": i.number,
            "text": privacy.scrub(i.text) if agenda.is_public(i) else "（内容审核中）",
            "status": agenda.STATUS_LABELS[i.status],
            "raised": local_text(i.created_at, "%Y-%m-%d"),
        }
        for i in outcome.items_of(session, org, 30)
    ]
    return render_template(
        "pages/civic_village.html",
        org=org,
        honours=honours,
        this_month=this_month,
        month_label=f"{local_date().month}月",
        counters=counters,
        items=items,
    )


@bp.get("/civic/agenda/<number>")
def item(number: str) -> str:
    session = read_session()
    found = agenda.get(session, number)
    view = outcome.page(session, found, local_date())
    return render_template(
        "pages/civic_item.html",
        view=view,
        fmt=local_text,
    )


@bp.get("/civic/code/<token>.png")
def code_png(token: str) -> Response:
    """The resident's counter code as a QR (only while it can still be redeemed)."""
    if not exchange.token_is_live(read_session(), token):
        abort(404)
    resp = Response(qr.png(token, min_px=480), mimetype="image/png")
    resp.headers["Cache-Control"] = "no-store"
    return resp


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
