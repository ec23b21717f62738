"""Public pages opened from QR codes and links in WeChat: township overview, branch wall and
progress board, member card, request page (QR codes and the brick sheet: ``pages_qr.py``), and the staff
downloads (protected by a signed token printed by ``flask report link``).

Handlers only load, check and render; the numbers come from ``services``.
"""

from __future__ import annotations

import logging
from datetime import date

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_limiter.errors import RateLimitExceeded
from flask_limiter.util import get_remote_address
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from handlers.api.cache import township_flags
from handlers.context import (
    db_session,
    read_session,
    settings,
)
from infra.clock import local_date
from models import Account, Member, OrgKind, Request
from services import evaluation, privacy
from services import requests as request_service
from services.actors import Actor, actor_for_account
from services.errors import PermissionDenied
from services.org import setup
from services.reads import public, rates, reports, screen
from services.requests import KIND_LABELS

bp = Blueprint("pages", __name__)
log = logging.getLogger("jiannuo.pages")

REQUEST_PURPOSE = "request"
ASK_PURPOSE = "ask"
REPORT_PURPOSE = "report"


def _secret() -> str:
    return str(current_app.config["SECRET_KEY"])


def base_url() -> str:
    return settings().app.base_url.rstrip("/")


def request_link(number: str, external: bool = False) -> str:
    """The submitter's link to follow a request (no login: the token is the key)."""
    path = f"/r/{number}?t={privacy.sign(_secret(), REQUEST_PURPOSE, number)}"
    return base_url() + path if external else path


def report_token(org_id: int) -> str:
    return privacy.sign(_secret(), REPORT_PURPOSE, org_id)


def photo_url(key: str | None) -> str:
    """URL of a stored photo (``services.uploads`` serves ``/media/<key>``)."""
    if not key:
        return ""
    try:
        from services.fulfilment import photos as uploads  # written by the API engineer

        fn = getattr(uploads, "url_for_key", None)
        if callable(fn):
            return str(fn(key) or "")
    except ImportError:
        pass
    return f"/media/{key}"


def _today() -> date:
    return local_date()


@bp.app_context_processor
def _globals() -> dict[str, object]:
    s = settings()
    return {
        "demo": s.demo,
        "site_name": s.app.name,
        "township_name": _township_name(s.app.township_name),
        "photo_url": photo_url,
    }


def _township_name(configured: str) -> str:
    """The township set up in the database (``flask setup township``); the configured name
    only until there is one."""
    try:
        township = public.township_of(read_session())
    except SQLAlchemyError:  # an error page rendered while the database is unreachable
        return configured
    return township.name if township is not None else configured


# -- pages --------------------------------------------------------------------------------


@bp.get("/")
def overview() -> str:
    session = read_session()
    township = public.township_of(session, request.args.get("t"))
    if township is None and request.args.get("t"):
        abort(404)
    cfg = settings().reports
    today = _today()
    stats = (
        public.branch_stats(
            session,
            township,
            today,
            red_count=cfg.red_flag_count,
            yellow_below=cfg.yellow_flag_below_percent,
        )
        if township
        else []
    )
    sat = evaluation.satisfaction(session, township, today.year) if township else evaluation.EMPTY
    per_org = rates.for_year(session, today.year, within=township) if township else {}
    orgs = [s.org for s in stats]
    downloads = None
    if township is not None and settings().demo:
        downloads = {"token": report_token(township.id), "code": township.code, "year": today.year}
    steps = setup.progress(session, township)  # the guide until a first commitment is public
    return render_template(
        "pages/overview.html",
        township=township,
        steps=[] if steps[-1].done else steps,
        stats=stats,
        satisfaction=sat,
        rates={o.id: rates.total(per_org, [o], o) for o in orgs},
        township_rates=rates.total(per_org, [township, *orgs], township) if township else None,
        year=today.year,
        month=f"{today.year}年{today.month}月",
        downloads=downloads,
    )


@bp.get("/o/<code>/wall")
def wall(code: str) -> Response | str:
    session = read_session()
    org = public.org_by_code(session, code)
    if org.kind == OrgKind.TOWNSHIP:  # a township's wall and board are its overview of branches
        return redirect(url_for("pages.overview", t=org.code))
    q = request.args.get("q", "")[:50]
    year = _past_year(session)
    view = public.branch_view(session, org, _today(), q, with_empty=False, year=year)
    return render_template("pages/wall.html", view=view, q=q)


@bp.get("/o/<code>/board")
def board(code: str) -> Response | str:
    session = read_session()
    org = public.org_by_code(session, code)
    if org.kind == OrgKind.TOWNSHIP:  # a township's wall and board are its overview of branches
        return redirect(url_for("pages.overview", t=org.code))
    today = _today()
    view = public.branch_view(session, org, today)
    township = public.township_above(session, view.org)
    flags = township_flags(session, township.id, today) if township is not None else {}
    flag = flags.get(view.org.id, "")
    return render_template(
        "pages/board.html",
        view=view,
        today=today.isoformat(),
        flag=flag,
        year=today.year,
        rates=screen.year_rates(session, view.org, today.year),
    )


@bp.get("/m/<code>")
def member(code: str) -> str:
    session = read_session()
    m = public.member_by_code(session, code)
    card = public.member_card(
        session, m, _today(), settings().reports.member_card_logs, year=_past_year(session)
    )
    # 群众销账 and rating need the resident signed in, which the mini-program does (wx.login):
    # where there is one, the card shows the member's mini-program code, which WeChat's
    # browser opens on a long press.
    mini_program = settings().wechat.mini_program.enabled and card.year is None
    return render_template("pages/member.html", card=card, mini_program=mini_program)


def _past_year(session: Session) -> int | None:
    """``?year=2026``: a closed year shown under 往年 (anything else shows the current year)."""
    raw = request.args.get("year", "")
    if not (raw.isdigit() and len(raw) == 4):
        return None
    year = int(raw)
    return year if year in public.past_years(session) else None


def _ask_form(m: Member, form: dict[str, str], error: str = "", status: int = 200) -> Response:
    """The 找他办事 form with a fresh signed token (bound to this member, short-lived)."""
    token = privacy.sign(_secret(), ASK_PURPOSE, m.public_code)
    html = render_template(
        "pages/ask.html", member=m, kinds=KIND_LABELS, error=error, form=form, token=token
    )
    return Response(html, status=status)


def _ask_limited() -> bool:
    """Count this submission against the per-address limit; True when it is over. The app's
    one Flask-Limiter (the API's: same storage, Redis when configured) does the counting."""
    limiter = current_app.extensions.get("jiannuo.api.limiter")
    if limiter is None:
        return False
    try:
        with limiter.limit(
            settings().requests.web_form_rate_limit, key_func=get_remote_address, scope="web-ask"
        ):
            return False
    except RateLimitExceeded:
        return True


@bp.route("/m/<code>/ask", methods=["GET", "POST"])
def ask(code: str) -> Response | str:
    if request.method == "GET":
        m = public.member_by_code(read_session(), code)
        return _ask_form(m, {})
    form = {k: request.form.get(k, "") for k in ("kind", "text", "location", "callback_phone")}
    if _ask_limited():
        m = public.member_by_code(read_session(), code)
        return _ask_form(m, form, "提交太频繁，请过几分钟再试（您填写的内容已保留）", 429)
    session = db_session()
    m = public.member_by_code(session, code)
    max_age = settings().requests.web_form_token_minutes * 60
    if not privacy.check(
        _secret(), ASK_PURPOSE, request.form.get("csrf_token"), m.public_code, max_age
    ):
        return _ask_form(m, form, "页面已过期或不完整，请再点一次“提交”（您填写的内容已保留）", 400)
    from services.errors import DomainError

    try:
        req = request_service.submit(
            session,
            Actor(name="群众"),
            kind=form["kind"] or "problem",
            text=form["text"],
            location=form["location"],
            member_code=m.public_code,
            channel="web",
            first_answer_hours=settings().requests.first_answer_hours,
            callback_phone=form["callback_phone"],
        )
    except DomainError as exc:
        session.rollback()
        return _ask_form(m, form, exc.message, exc.status)
    session.commit()
    return redirect(request_link(req.number) + "&new=1", code=303)  # type: ignore[return-value]


def _submitter(session: Session, req: Request) -> Actor | None:
    """The page acts for the request's submitter (the signed link is the key): their account,
    or — a request sent through the web form, which has none — the holder of the link."""
    if req.submitter_account_id is None:
        return request_service.link_holder(req)
    return actor_for_account(session, session.get_one(Account, req.submitter_account_id))


def _load_request(number: str):  # type: ignore[no-untyped-def]
    token = request.values.get("t")
    if not privacy.check(_secret(), REQUEST_PURPOSE, token, number):
        # Same answer as an unknown number: the page must not confirm that a number exists.
        abort(404)
    return token


def _request_page(
    session: Session, req: Request, token: str, error: str = "", status: int = 200
) -> Response:
    view = public.request_view(session, req)
    actor = _submitter(session, req)
    window = settings().requests.reopen_window_days
    html = render_template(
        "pages/request.html",
        req=view,
        token=token,
        new=bool(request.args.get("new")),
        can_rate=request_service.can_rate(actor, req),
        can_confirm=request_service.can_confirm(actor, req),
        can_reopen=request_service.can_reopen(actor, req, window),
        ratings=evaluation.RATING_LABELS,
        callback_phone=privacy.mask_phone(req.callback_phone) if req.callback_phone else "",
        error=error,
    )
    return Response(html, status=status)


@bp.get("/r/<number>")
def request_page(number: str) -> Response:
    token = _load_request(number)
    session = read_session()
    return _request_page(session, request_service.by_number(session, number), token)


def _request_action(number: str, act) -> Response:  # type: ignore[no-untyped-def]
    """Run ``act(session, actor, req)`` for the link's submitter; refusals show on the page."""
    from services.errors import DomainError

    token = _load_request(number)
    session = db_session()
    req = request_service.by_number(session, number)
    actor = _submitter(session, req)
    if actor is None:
        raise PermissionDenied("请在公众号或小程序中办理这条诉求")
    try:
        act(session, actor, req)
    except DomainError as exc:
        session.rollback()
        req = request_service.by_number(session, number)
        return _request_page(session, req, token, exc.message, exc.status)
    session.commit()
    return redirect(f"/r/{number}?t={token}", code=303)  # type: ignore[return-value]


@bp.post("/r/<number>/rate")
def request_rate(number: str) -> Response:
    return _request_action(
        number,
        lambda session, actor, req: evaluation.rate_request(
            session,
            actor,
            req,
            request.form.get("rating", ""),
            request.form.get("comment", ""),
            settings().points.rules,
            settings().requests.reopen_window_days,
        ),
    )


@bp.post("/r/<number>/confirm")
def request_confirm(number: str) -> Response:
    window = settings().requests.reopen_window_days
    return _request_action(
        number, lambda session, actor, req: request_service.confirm(session, actor, req, window)
    )


@bp.post("/r/<number>/reopen")
def request_reopen(number: str) -> Response:
    window = settings().requests.reopen_window_days
    return _request_action(
        number,
        lambda session, actor, req: request_service.reopen(
            session, actor, req, request.form.get("reason", ""), window
        ),
    )


# -- staff downloads (signed token from `flask report link`) ---------------------------------


def _report_org(code: str):  # type: ignore[no-untyped-def]
    session = read_session()
    org = public.org_by_code(session, code)
    max_age = settings().reports.download_token_days * 86400
    if not privacy.check(_secret(), REPORT_PURPOSE, request.args.get("t"), org.id, max_age):
        raise PermissionDenied("下载链接无效或已过期，请向街镇管理员重新索取下载链接")
    try:
        year = int(request.args.get("year", _today().year))
    except ValueError:
        abort(400)
    return session, org, year


@bp.get("/reports/<code>/year-end.xlsx")
def year_end_xlsx(code: str) -> Response:
    session, org, year = _report_org(code)
    data = reports.year_end_workbook(session, org, year)
    return _download(
        data,
        f"year-end-{org.code}-{year}.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


@bp.get("/reports/<code>/year-end.csv")
def year_end_csv(code: str) -> Response:
    session, org, year = _report_org(code)
    return _download(
        reports.year_end_csv(session, org, year).encode("utf-8"),
        f"year-end-{org.code}-{year}.csv",
        "text/csv; charset=utf-8",
    )


def _download(data: bytes, filename: str, mimetype: str) -> Response:
    resp = Response(data, mimetype=mimetype)
    resp.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    resp.headers["Cache-Control"] = "no-store"
    return resp


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.jinja_env.globals["url_for"] = url_for
