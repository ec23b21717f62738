"""后台: 文明存折 (/staff/civic/points) — a village's 兑换点 and goods (set up, add, restock),
awarding points to a household under the configured rules, the honour list, and the month's
exchange report with an .xlsx download.

Routes of the console blueprint (``handlers.staff.bp``: login, scope, CSRF, audit); the rules
live in ``services.civic.book`` and ``services.civic.exchange``."""

from __future__ import annotations

from io import BytesIO

from flask import Response, render_template, request
from openpyxl import Workbook

from handlers.context import settings
from handlers.staff import _actor, _db, back, bp, done_text, download, levels, login_required
from handlers.staff_civic import chosen_village, villages
from infra.clock import local_date
from models import CivicCounter, Organisation
from services.civic import book, exchange
from services.errors import DomainError, NotFound, ValidationError
from services.reads import periods, sheets

REPORT_HEADERS = ("村（社区）", "兑换点", "物品", "兑换次数", "扣减积分", "剩余库存")


def _month() -> periods.Period:
    raw = request.args.get("month", "").strip()
    return periods.month(raw or local_date().strftime("%Y-%m"))


def _page(*, error: str = "", status: int = 200) -> Response:
    db = _db()
    vs = villages()
    village = chosen_village(vs, request.values.get("org", ""))
    try:
        period = _month()
    except DomainError as exc:
        period, error, status = periods.month(local_date().strftime("%Y-%m")), exc.message, 400
    html = render_template(
        "staff/civic_points.html",
        villages=vs,
        village=village,
        catalogue=exchange.catalogue(db, village) if village else [],
        days_text=exchange.days_text,
        rules=settings().civic.rules,
        honours=book.honour_list(db, village) if village else [],
        awards=book.recent_awards(db, village, period.code) if village else [],
        rule_items={r.code: r.item for r in settings().civic.rules},
        period=period,
        report=exchange.monthly_report(db, period.code, village) if village else [],
        done=done_text(),
        error=error,
    )
    return Response(html, status=status)


def _village_or_error() -> Organisation:
    village = chosen_village(villages(), request.form.get("org", ""))
    if village is None:
        raise ValidationError("org", "请选择村（社区）")
    return village


def _number(key: str, label: str) -> int:
    raw = request.form.get(key, "").strip()
    if not raw.isdigit() or len(raw) > 6:
        raise ValidationError(key, f"{label}请填整数")
    return int(raw)


def _failed(exc: DomainError) -> Response:
    _db().rollback()
    return _page(error=exc.message, status=exc.status)


@bp.get("/civic/points")
@login_required
@levels("township", "branch")
def civic_points() -> Response:
    return _page()


@bp.get("/civic/points/report.xlsx")
@login_required
@levels("township", "branch")
def civic_points_report() -> Response:
    """The month's exchange report of the village as a workbook."""
    db = _db()
    village = chosen_village(villages(), request.args.get("org", ""))
    try:
        period = _month()
    except DomainError as exc:
        return _page(error=exc.message, status=exc.status)
    rows = exchange.monthly_report(db, period.code, village) if village else []
    wb = Workbook()
    ws = wb.active
    ws.title = period.code
    sheets.append(ws, REPORT_HEADERS)
    for r in rows:
        sheets.append(ws, (r.village, r.counter, r.good, r.count, r.points, r.stock_left))
    out = BytesIO()
    wb.save(out)
    name = f"{village.name if village else ''}{period.label}积分兑换报表.xlsx"
    return download(
        out.getvalue(), name, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )


@bp.post("/civic/points/counters")
@login_required
@levels("township", "branch")
def civic_points_counter() -> Response:
    db, form = _db(), request.form
    try:
        village = _village_or_error()
        c = exchange.add_counter(
            db, _actor(), village, form.get("name", ""), form.get("address", ""),
            form.get("days", ""),
        )  # fmt: skip
    except DomainError as exc:
        return _failed(exc)
    done = f"已设立兑换点 {c.name}，兑换日：{exchange.days_text(c)}"
    db.commit()
    return back("staff.civic_points", done, org=village.id)


@bp.post("/civic/points/counters/<int:counter_id>/goods")
@login_required
@levels("township", "branch")
def civic_points_good(counter_id: int) -> Response:
    db = _db()
    try:
        counter = db.get(CivicCounter, counter_id)
        if counter is None:
            raise NotFound("找不到这个兑换点")
        g = exchange.add_good(
            db, _actor(), counter, request.form.get("name", ""),
            _number("price", "所需积分"), _number("stock", "库存"),
        )  # fmt: skip
    except DomainError as exc:
        return _failed(exc)
    done = f"已上架 {g.name}：{g.price} 分，库存 {g.stock}"
    org_id = counter.org_id
    db.commit()
    return back("staff.civic_points", done, org=org_id)


@bp.post("/civic/points/goods/<int:good_id>/restock")
@login_required
@levels("township", "branch")
def civic_points_restock(good_id: int) -> Response:
    db = _db()
    try:
        added = _number("added", "补充数量")
        g = exchange.restock(db, _actor(), exchange.get_good(db, good_id), added)
    except DomainError as exc:
        return _failed(exc)
    done = f"{g.name} 补充 {added} 件，现有库存 {g.stock}"
    db.commit()
    return back("staff.civic_points", done, org=request.form.get("org", ""))


@bp.post("/civic/points/awards")
@login_required
@levels("township", "branch")
def civic_points_award() -> Response:
    """记入积分: a household (户编号 or 连心卡户码), a rule, the reason — under the rule's
    awarders and monthly cap."""
    db, form, cfg = _db(), request.form, settings().civic
    try:
        village = _village_or_error()
        household = book.household_for(db, None, form.get("household_code", ""))
        target = book.book_for_award(db, cfg, household)
        entry = book.award(db, _actor(), cfg, target, form.get("rule", ""), form.get("reason", ""))
    except DomainError as exc:
        return _failed(exc)
    done = f"已为 {household.code} 记入 {entry.points} 分"
    db.commit()
    return back("staff.civic_points", done, org=village.id)
