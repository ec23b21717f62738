"""后台: 报表 — quarterly (季度讲评), half-year (半年销号) and year-end workbooks per branch and
for the township, downloaded as ``.xlsx``; and 年度归档 (township). The figures live in
``services.reads.period_reports`` and ``services.reads.reports``; archiving in
``services.cycle_close``."""

from __future__ import annotations

from flask import Response, render_template, request

from handlers.context import settings
from handlers.errors import error_response
from handlers.staff import (
    _actor,
    _db,
    _scope,
    back,
    bp,
    done_text,
    download,
    levels,
    login_required,
    township_only,
)
from infra.clock import local_date
from models import Organisation
from services import cycle_close
from services.commitments import cycle
from services.errors import DomainError, ValidationError
from services.reads import console, period_reports, reports

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _year() -> int:
    this_year = local_date().year
    raw = request.args.get("year", "")
    year = int(raw) if raw.isdigit() and len(raw) == 4 else this_year
    return min(max(year, 2000), this_year + 1)


@bp.get("/reports")
@login_required
@levels("township", "branch")
def reports_page() -> Response:
    db, scope = _db(), _scope()
    year = _year()
    this_year = local_date().year
    orgs = list(scope.roots) if scope.township else []
    orgs += console.branches(db, scope)
    html = render_template(
        "staff/reports.html",
        orgs=orgs,
        year=year,
        years=list(range(this_year, this_year - 5, -1)),
        quarters=[f"{year}Q{n}" for n in range(1, 5)],
        halves=[f"{year}H1", f"{year}H2"],
        closed=year in cycle.closed_years(db),
        closable=year < this_year,
        township=scope.township,
        done=done_text(),
    )
    return Response(html, status=200)


def _xlsx(org_id: int, kind: str) -> Response:
    db = _db()
    org = db.get_one(Organisation, org_id)
    period = request.args.get("period", "")
    try:
        if kind == "quarterly":
            data = period_reports.quarterly_workbook(db, org, period)
            name = f"季度讲评-{org.name}-{period}.xlsx"
        elif kind == "half-year":
            data = period_reports.half_year_workbook(
                db, org, period, settings().scheduler.checkoff_threshold
            )
            name = f"半年销号-{org.name}-{period}.xlsx"
        else:
            year = _year()
            data = reports.year_end_workbook(db, org, year)
            name = f"年终评议-{org.name}-{year}.xlsx"
    except DomainError as exc:
        return error_response(exc.status, exc.code, exc.message)
    return download(data, name, XLSX)


@bp.get("/reports/<int:org_id>/quarterly.xlsx")
@login_required
@levels("township", "branch")
def report_quarterly(org_id: int) -> Response:
    return _xlsx(org_id, "quarterly")


@bp.get("/reports/<int:org_id>/half-year.xlsx")
@login_required
@levels("township", "branch")
def report_half_year(org_id: int) -> Response:
    return _xlsx(org_id, "half-year")


@bp.get("/reports/<int:org_id>/year-end.xlsx")
@login_required
@levels("township", "branch")
def report_year_end(org_id: int) -> Response:
    return _xlsx(org_id, "year-end")


@bp.post("/cycle/close")
@login_required
@township_only
def cycle_close_post() -> Response:
    """年度归档 (after the year-end evaluation): the same service as `flask cycle close`."""
    db, actor = _db(), _actor()
    raw = request.form.get("year", "")
    try:
        if not (raw.isdigit() and len(raw) == 4):
            raise ValidationError("year", "年份应为四位数字，例如 2026")
        result = cycle_close.close_year(db, actor, int(raw), local_date())
    except DomainError as exc:
        db.rollback()
        return error_response(exc.status, exc.code, exc.message)
    db.commit()
    done = (
        f"{result.year} 年度已经归档过，没有改动任何数据"
        if result.already_closed
        else f"{result.year} 年度已归档：冻结承诺 {result.commitments} 条，"
        f"转入 {result.year + 1} 年度的草稿 {result.carried} 条"
    )
    return back("staff.reports_page", done, year=result.year)
