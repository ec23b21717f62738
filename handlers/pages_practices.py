"""Printable pages of the practices, opened by signed links (no login): a member's 主题党日
report (发言稿) for the day, and the day's sign-in QR code the secretary shows in the meeting.

The links come from the API (``print_url``, ``sign_in_qr_url``); the report is the saved text,
or a draft from the member's month of logs when nothing was saved yet."""

from __future__ import annotations

import base64
import logging
from typing import Any

from flask import Flask, Response, render_template, request
from sqlalchemy import select

from handlers import documents
from handlers.context import database, read_session, settings
from infra import qr
from infra.clock import local_date
from models import Member, Organisation, PartyDay
from services import privacy
from services.errors import NotFound, PermissionDenied
from services.practices import coverage, party_day
from services.reads import drafts

log = logging.getLogger(__name__)

REPORT_PURPOSE = "party-day-report"
QR_PURPOSE = "party-day-qr"
ALL_PURPOSE = "party-day-reports"
LINK_DAYS = 60


def _secret() -> str:
    from flask import current_app

    return str(current_app.config["SECRET_KEY"])


def report_link(party_day_id: int, member_id: int) -> str:
    token = privacy.sign(_secret(), REPORT_PURPOSE, f"{party_day_id}:{member_id}")
    base = str(settings().app.base_url).rstrip("/")
    return f"{base}/party-days/{party_day_id}/reports/{member_id}/print?t={token}"


def qr_link(party_day_id: int) -> str:
    token = privacy.sign(_secret(), QR_PURPOSE, party_day_id)
    base = str(settings().app.base_url).rstrip("/")
    return f"{base}/party-days/{party_day_id}/qr?t={token}"


def all_reports_link(party_day_id: int) -> str:
    token = privacy.sign(_secret(), ALL_PURPOSE, party_day_id)
    base = str(settings().app.base_url).rstrip("/")
    return f"{base}/party-days/{party_day_id}/reports/print?t={token}"


def _check(purpose: str, value: str | int) -> None:
    token = request.args.get("t")
    if not privacy.check(_secret(), purpose, token, value, LINK_DAYS * 86400):
        raise PermissionDenied("链接无效或已过期，请在小程序里重新打开")


def _report_of(session: Any, day: PartyDay, member: Member) -> tuple[str, bool]:
    """The saved report, or the draft from the member's month of logs."""
    saved = party_day.saved_report_of(session, day, member)
    if saved is not None:
        return saved.text, True
    facts = drafts.party_day(session, member, day.held_on.year, day.held_on.month, day.held_on)
    return documents.party_day_text(facts), False


def print_all_reports(party_day_id: int) -> Response:
    """Every member's report for the day, one per printed page (for the secretary)."""
    _check(ALL_PURPOSE, party_day_id)
    session = read_session()
    day = party_day.get(session, party_day_id)
    members = session.scalars(
        select(Member)
        .where(Member.org_id == day.org_id, Member.active.is_(True))
        .order_by(Member.id)
    )
    reports = [(m, *_report_of(session, day, m)) for m in members]
    html = render_template(
        "pages/practices_reports.html",
        day=day,
        branch=session.get_one(Organisation, day.org_id),
        reports=reports,
    )
    return _no_store(Response(html, mimetype="text/html"))


def print_report(party_day_id: int, member_id: int) -> Response:
    _check(REPORT_PURPOSE, f"{party_day_id}:{member_id}")
    session = read_session()
    day = party_day.get(session, party_day_id)
    member = session.get(Member, member_id)
    if member is None or member.org_id != day.org_id:
        raise NotFound("找不到这份发言稿")
    text, saved = _report_of(session, day, member)
    branch = session.get_one(Organisation, day.org_id)
    html = render_template(
        "pages/practices_report.html",
        day=day,
        branch=branch,
        member=member,
        text=text,
        saved=saved,
    )
    return _no_store(Response(html, mimetype="text/html"))


def _qr_png(day_id: int) -> tuple[bytes, bool]:
    """WeChat's parametric QR (scene ``partyday:<id>``) when the official account is
    configured; in demo mode a plain QR of the text ``签到`` (scanning does not sign in)."""
    from wechat.client import clients_from_settings
    from wechat.errors import WechatError

    client = clients_from_settings(settings(), database().session_factory).official_account
    if client.configured:
        try:
            answer = client.create_temp_qrcode(f"{party_day.SCENE_PREFIX}{day_id}", 86400 * 2)
            return qr.png(str(answer["url"])), True
        except WechatError:
            log.warning("qrcode/create failed for party day %s; serving a plain QR", day_id)
    return qr.png("签到"), False


def sign_in_qr(party_day_id: int) -> Response:
    _check(QR_PURPOSE, party_day_id)
    session = read_session()
    day = party_day.get(session, party_day_id)
    png, real = _qr_png(day.id)
    branch = session.get_one(Organisation, day.org_id)
    html = render_template(
        "pages/practices_qr.html",
        day=day,
        branch=branch,
        qr_data=base64.b64encode(png).decode(),
        real=real,
    )
    return _no_store(Response(html, mimetype="text/html"))


def _no_store(resp: Response) -> Response:
    """Signed personal links: never cached, never indexed."""
    resp.headers["Cache-Control"] = "no-store"
    resp.headers["X-Robots-Tag"] = "noindex"
    return resp


def practices_month(org_id: int) -> coverage.BranchCoverage | None:
    """This month's coverage and 到会率 of a branch, for its public board (figures only)."""
    today = local_date()
    return coverage.monthly(read_session(), today.replace(day=1), today, [org_id]).get(org_id)


def init_app(app: Flask) -> None:
    app.jinja_env.globals["practices_month"] = practices_month
    app.add_url_rule(
        "/party-days/<int:party_day_id>/reports/<int:member_id>/print",
        "practices_print_report",
        print_report,
    )
    app.add_url_rule("/party-days/<int:party_day_id>/qr", "practices_sign_in_qr", sign_in_qr)
    app.add_url_rule(
        "/party-days/<int:party_day_id>/reports/print", "practices_print_all", print_all_reports
    )
