"""Print layouts (A4, ``templates/print/``, ``static/print.css``): every printed page is one
fixed-size box, so page breaks fall between boxes.

Public (the same facts as the wall): ``/m/<code>/print/pledge`` (a member's 公开承诺书),
``/o/<code>/print/pledges`` (one per member of the branch), ``/o/<code>/print/double`` (双承诺).
The brick cards are the QR sheet (``/o/<code>/qr-sheet`` in ``handlers/pages_qr.py``).

Staff console only (``/staff/print``: they carry bind codes and grades): the 连心卡 of each
household and a member's 记实手册 for a year.
"""

from __future__ import annotations

import logging
from typing import Any, TypeVar

from flask import (
    Blueprint,
    Flask,
    Response,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers.context import database, read_session, settings
from handlers.staff import console_globals, login_required
from infra import qr
from infra.clock import local_date
from models import Member, Organisation, OrgKind
from services.actors import Actor
from services.errors import NotFound, PermissionDenied
from services.org import bindcodes
from services.reads import printing, public

log = logging.getLogger("jiannuo.pages")
bp = Blueprint("print", __name__)
staff_bp = Blueprint("print_staff", __name__, url_prefix="/staff/print")

T = TypeVar("T")
DOUBLE_FIRST_ROWS = 14  # member rows under the branch's pledges on the first page
DOUBLE_ROWS = 24  # member rows on each further page
LEDGER_ROWS = 25  # table rows (a commitment heading counts as one) on a 记实手册 page
CARDS_PER_PAGE = 8  # 连心卡: 2 × 4 on A4


def _chunks(rows: list[T], first: int, rest: int) -> list[list[T]]:
    pages = [rows[:first]]
    pages += [rows[i : i + rest] for i in range(first, len(rows), rest)]
    return pages


@bp.get("/m/<code>/print/pledge")
def member_pledge(code: str) -> str:
    session = read_session()
    m = public.member_by_code(session, code)
    pledge = printing.member_pledge(session, m, local_date())
    return _pledges([pledge] if pledge.items else [], m.name)


@bp.get("/o/<code>/print/pledges")
def branch_pledges(code: str) -> str:
    session = read_session()
    org = public.branch_of(session, public.org_by_code(session, code))
    return _pledges(printing.branch_pledges(session, org, local_date()), org.name)


def _pledges(pledges: list[printing.Pledge], heading: str) -> str:
    return render_template(
        "print/pledge.html",
        pledges=pledges,
        heading=heading,
        year=local_date().year,
        per_page=printing.PLEDGE_ITEMS_PER_PAGE,
        total=sum(len(p.pages) for p in pledges) or 1,
    )


@bp.get("/o/<code>/print/double")
def double(code: str) -> str:
    session = read_session()
    org = public.branch_of(session, public.org_by_code(session, code))
    if org.kind != OrgKind.BRANCH.value:
        raise NotFound("双承诺公示表按党支部打印，请从支部的页面进入")
    doc = printing.double_pledge(session, org, local_date())
    first = max(4, DOUBLE_FIRST_ROWS - len(doc.branch_items))
    pages = _chunks(doc.members, first, DOUBLE_ROWS)
    return render_template(
        "print/double.html", doc=doc, pages=pages, year=local_date().year, total=len(pages)
    )


# -- staff ----------------------------------------------------------------------------------


# The console's menu, CSRF token and scope line on this blueprint's pages too.
staff_bp.context_processor(console_globals)


def _db() -> Session:
    db: Session = g.staff_session  # set by ``login_required``
    return db


def _actor() -> Actor:
    actor: Actor = g.staff_actor
    return actor


def _managed(code: str) -> Organisation:
    org = public.org_by_code(_db(), code)
    if not _actor().manages(org):
        raise PermissionDenied("只能打印本乡镇的材料")
    return org


@staff_bp.get("")
@login_required
def index() -> str:
    db, actor = _db(), _actor()
    branches = [
        b
        for b in db.scalars(public.orgs_query(OrgKind.BRANCH.value))
        if actor.manages(b) and b.closed_at is None
    ]
    members: dict[int, list[Member]] = {b.id: [] for b in branches}
    for m in db.scalars(
        select(Member)
        .where(Member.org_id.in_(members), Member.active.is_(True))
        .order_by(Member.name)
    ):
        members[m.org_id].append(m)
    township = public.township_of(db)
    from services.reads import periods

    return render_template(
        "print/staff_index.html",
        last_month=periods.month(periods.previous_month(local_date())),
        branches=branches,
        members=members,
        township=township,
        year=local_date().year,
        done=request.args.get("done", "")[:100],
    )


@staff_bp.post("/<code>/bind-codes")
@login_required
def issue_bind_codes(code: str) -> Response:
    """连心卡 codes for the households that have none (existing codes stay valid)."""
    db = _db()
    org = _managed(code)
    before = sum(1 for c in printing.household_cards(db, org))
    pairs = bindcodes.issue_for_households(db, org)
    db.commit()
    done = f"{org.name}：{len(pairs) - before} 户新发户码，共 {len(pairs)} 户"
    return redirect(url_for("print_staff.index", done=done), code=303)  # type: ignore[return-value]


@staff_bp.get("/<code>/cards")
@login_required
def cards(code: str) -> str:
    org = _managed(code)
    found = printing.household_cards(_db(), org)
    pages = [found[i : i + CARDS_PER_PAGE] for i in range(0, len(found), CARDS_PER_PAGE)]
    return render_template("print/cards.html", org=org, pages=pages, total=len(pages) or 1)


@staff_bp.get("/bind-qr/<code>.png")
@login_required
def bind_qr(code: str) -> Response:
    """The QR of a 连心卡. With official-account credentials: the account's permanent QR code
    with the scene ``bind:<户码>`` (scanning follows the account and binds the household);
    without (demo mode), or if WeChat refuses: the words to send, ``绑定 <户码>``."""
    household = bindcodes.household_for_code(_db(), code)
    if household is None:
        raise PermissionDenied("户码无效")
    _managed(household.org.code)
    data = f"绑定 {household.bind_code}"
    if settings().wechat.official_account.enabled:
        from wechat.client import clients_from_settings
        from wechat.errors import WechatError

        try:
            client = clients_from_settings(settings(), session_factory=database().session_factory)
            data = client.official_account.create_limit_qrcode(f"bind:{household.bind_code}")
        except WechatError:
            log.warning("permanent QR code refused for a household; printing the words")
    return Response(qr.png(data, min_px=600), mimetype="image/png")


@staff_bp.get("/<code>/ledger/<member_code>")
@login_required
def ledger(code: str, member_code: str) -> str:
    db = _db()
    org = _managed(code)
    m = public.member_by_code(db, member_code)
    if not org.contains(m.org):
        raise PermissionDenied("这名党员不在这个支部")
    raw = request.args.get("year", "")
    year = int(raw) if raw.isdigit() else local_date().year
    book = printing.ledger_book(db, m, year)
    rows: list[tuple[str, Any]] = []
    for c in book.commitments:
        rows.append(("commitment", c.item))
        rows.extend(("log", e) for e in c.logs)
    if not any(c.logs for c in book.commitments):
        rows.append(("empty", None))
    pages = _chunks(rows, LEDGER_ROWS, LEDGER_ROWS)
    return render_template("print/ledger.html", book=book, pages=pages, total=len(pages) + 2)


@staff_bp.get("/<code>/poster.png")
@login_required
def poster(code: str) -> Response:
    """The branch's monthly poster (``?month=2026-11``; default: last month) to download."""
    from scheduler import posters
    from services.reads import periods

    org = _managed(code)
    period = request.args.get("month") or periods.previous_month(local_date())
    image = posters.branch_poster(_db(), org, period, settings())
    resp = Response(image.png, mimetype="image/png")
    name = f"poster-{org.code}-{periods.month(period).code}.png"
    disposition = "attachment" if request.args.get("download") else "inline"
    resp.headers["Content-Disposition"] = f'{disposition}; filename="{name}"'
    resp.headers["Cache-Control"] = "no-store"
    return resp


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.register_blueprint(staff_bp)
