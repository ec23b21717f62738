"""后台 (the PC workbench): a server-rendered console for township staff, branch secretaries
and group leaders at a desk. This module is its core: the blueprint, the session, the scope
check every page passes, CSRF, the audit hook; the pages live in ``handlers/staff_*.py``.

Login is 扫码登录 (``handlers.staff_login``) or a one-time signed link printed by
``flask staff link --account ID``. The console session is a ``staff_session`` row (the signed
cookie holds only its random id), so logout ends it at once. Every page re-checks the row and
that the account still holds a console role; a township administrator sees the township, a
secretary their branch, a group leader their group (``services.org.staff.scope_of``). The
organisations and objects a request names (``?org=``, ``<member_id>`` …) are checked against
that scope once, here, before any view runs: outside it the answer is a 403 page and nothing
changes. Every POST form carries a session-bound CSRF token and leaves an audit row.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from functools import wraps
from importlib import import_module
from typing import Any, TypeVar

import click
from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.cli import AppGroup
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from handlers.context import database, db_session, read_session, settings
from handlers.errors import error_response
from handlers.pages import base_url
from handlers.staff_nav import NAV
from infra.clock import local_text
from services import content
from services.actors import Actor
from services.errors import DomainError
from services.org import audit, staff

bp = Blueprint("staff", __name__, url_prefix="/staff")
staff_cli = AppGroup("staff", help="后台：登录链接")

SESSION_ID = "staff_session"
SESSION_NONCE = "staff_nonce"
CSRF_MESSAGE = "页面已过期或不完整（安全校验未通过），没有做任何修改。请返回后刷新页面再试。"
# Route arguments and form / query fields naming console objects, and their kind.
OBJECT_ARGS = {
    "commitment_id": "commitment",
    "log_id": "log",
    "member_id": "member",
    "request_id": "request",
    "robot_id": "robot",
    "org_id": "org",
    "clip_id": "voice",
    "agenda_id": "agenda",
    "meeting_id": "meeting",
    "counter_id": "counter",
    "good_id": "good",
    "party_day_id": "party_day",
    "survey_id": "survey",
}
FIELD_KINDS = {
    "org": "org",
    "branch": "org",
    "log": "log",
    "member": "member",
    "robot": "robot",
    "commitment": "commitment",
}
V = TypeVar("V", bound=Callable[..., Any])


def _secret() -> str:
    return str(current_app.config["SECRET_KEY"])


def _actor() -> Actor:
    actor: Actor = g.staff_actor
    return actor


def _db() -> Session:
    s: Session = g.staff_session
    return s


def _scope() -> staff.Scope:
    scope: staff.Scope = g.staff_scope
    return scope


def start_session(db: Session, account_id: int) -> None:
    """Open a console session for the account in this browser (commits)."""
    token = staff.open_session(db, account_id)
    db.commit()
    session.clear()
    session.permanent = True  # PERMANENT_SESSION_LIFETIME: 8 hours (the row expires too)
    session[SESSION_ID] = token
    session[SESSION_NONCE] = secrets.token_urlsafe(16)


def end_session(token: str | None) -> None:
    session.pop(SESSION_ID, None)  # a login QR waiting in this browser stays
    session.pop(SESSION_NONCE, None)
    if token:
        db = db_session()
        staff.end_session(db, token)
        db.commit()


def forbidden(message: str) -> Response:
    """The console's 403 page (with its menu), nothing changed."""
    html = render_template("staff/forbidden.html", message=message)
    return Response(html, status=403)


def _named_objects() -> Iterable[tuple[str, int]]:
    for key, kind in OBJECT_ARGS.items():
        value = (request.view_args or {}).get(key)
        if isinstance(value, int):
            yield kind, value
    for key, kind in FIELD_KINDS.items():
        for raw in request.values.getlist(key):
            if raw.isdigit() and len(raw) < 10:
                yield kind, int(raw)


def _out_of_scope(db: Session, scope: staff.Scope) -> DomainError | None:
    for kind, object_id in _named_objects():
        refusal = staff.refusal(db, scope, kind, object_id)
        if refusal is not None:
            return refusal
    return None


def login_required(view: V) -> V:
    """A live session with a console role; everything the request names inside its scope;
    POSTs also pass CSRF."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        write = request.method == "POST"
        db = db_session() if write else read_session()
        token = session.get(SESSION_ID)
        actor = staff.session_actor(db, token)
        scope = staff.scope_of(db, actor) if actor is not None else None
        if actor is None or scope is None:
            db.rollback()  # end the read before writing (SQLite)
            end_session(token)
            return redirect(url_for("staff.need_login"))
        g.staff_actor = actor
        g.staff_scope = scope
        g.staff_session = db
        if write and not staff.csrf_ok(
            _secret(), session.get(SESSION_NONCE), request.form.get("csrf_token")
        ):
            return error_response(400, "bad_request", CSRF_MESSAGE)
        refusal = _out_of_scope(db, scope)
        if refusal is not None:
            db.rollback()
            if refusal.status == 404:
                html = render_template(
                    "staff/forbidden.html", message=refusal.message, title="找不到"
                )
                return Response(html, status=404)
            return forbidden(refusal.message)
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def levels(*allowed: str) -> Callable[[V], V]:
    """Only these console levels (township / branch / group) may open the page."""

    def decorate(view: V) -> V:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            scope = _scope()
            if scope.level not in allowed:
                names = "、".join(staff.LEVEL_LABELS[level] for level in allowed)
                return forbidden(f"这个页面只对{names}开放，您是{scope.label}。")
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


township_only = levels("township")


@bp.context_processor
def console_globals() -> dict[str, object]:
    nonce = session.get(SESSION_NONCE)
    scope: staff.Scope | None = g.get("staff_scope")
    return {
        "staff_csrf": staff.csrf_token(_secret(), nonce) if nonce else "",
        "staff_nav": _nav(scope, g.get("staff_actor")),
        "staff_scope": scope,
        "staff_actor": g.get("staff_actor"),
        "local_text": local_text,
    }


def _nav(scope: staff.Scope | None, actor: Actor | None) -> tuple[tuple[str, str], ...]:
    """The menu of the console level; 内容审核 only for those who decide held texts."""
    if scope is None:
        return ()
    decides = actor is not None and content.reviews_content(actor)
    return tuple(n for n in NAV[scope.level] if n[0] != "staff.content_page" or decides)


# -- lists: paging and the organisation filter ---------------------------------------------------


@dataclass(frozen=True)
class Paged:
    rows: list[Any]
    total: int
    page: int
    pages: int

    def url(self, number: int) -> str:
        args = request.args.to_dict()
        args["page"] = str(number)
        return url_for(str(request.endpoint), **(request.view_args or {}), **args)


def _page_of(total: int) -> tuple[int, int, int]:
    """(page number asked for by ``?page=`` or the form's ``page``, pages, page size)."""
    size = settings().staff.page_size
    raw = request.values.get("page", "1")
    number = int(raw) if raw.isdigit() and len(raw) < 6 else 1
    pages = max(1, -(-total // size))
    return min(max(number, 1), pages), pages, size


def paged(db: Session, stmt: Select[Any], *, scalars: bool = True) -> Paged:
    """One page of ``stmt`` (``?page=``, ``staff.page_size`` rows)."""
    total = db.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    number, pages, size = _page_of(total)
    page_stmt = stmt.limit(size).offset((number - 1) * size)
    rows = list(db.scalars(page_stmt)) if scalars else list(db.execute(page_stmt).all())
    return Paged(rows, total, number, pages)


def paged_list(items: Sequence[Any]) -> Paged:
    """One page of a list a service has already put together (``?page=``, ``staff.page_size``
    rows): the held texts, merged from two tables."""
    number, pages, size = _page_of(len(items))
    return Paged(list(items[(number - 1) * size : number * size]), len(items), number, pages)


def query_text(key: str = "q", limit: int = 50) -> str:
    return request.args.get(key, "").strip()[:limit]


def query_int(key: str) -> int | None:
    raw = request.args.get(key, "")
    return int(raw) if raw.isdigit() and len(raw) < 10 else None


def form_ids(key: str) -> list[int]:
    return sorted({int(v) for v in request.form.getlist(key) if v.isdigit() and len(v) < 10})


def done_text() -> str:
    return request.args.get("done", "")[:200]


def back(endpoint: str, done: str, **args: Any) -> Response:
    return redirect(url_for(endpoint, done=done[:200], **args), code=303)  # type: ignore[return-value]


def download(data: bytes, filename: str, mimetype: str) -> Response:
    resp = Response(data, mimetype=mimetype)
    resp.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(filename)}"
    resp.headers["Cache-Control"] = "no-store"
    return resp


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name, safe="")


_download = download  # the name staff_orgs imports


# -- the audit trail: one row per console POST, written here for every form ---------------------


def write_audit(action: str, status: int, actor: Actor | None = None) -> None:
    """Record one console action in the request's write session (commits)."""
    db = db_session()
    db.rollback()  # whatever the view left uncommitted is not kept (teardown would drop it)
    audit.record(
        db,
        actor if actor is not None else g.get("staff_actor"),
        action,
        _target(),
        audit.describe((k, v) for k, values in request.form.lists() for v in values),
        request.remote_addr or "",
        status,
    )
    db.commit()


# Downloads of personal data are console actions too.
AUDITED_GETS = frozenset(
    {"staff.report_quarterly", "staff.report_half_year", "staff.report_year_end"}
)


def _target() -> str:
    """The path and its query, tokens left out (a login link's ``t`` never reaches a row)."""
    query = "&".join(
        f"{k}={v}" for k, v in request.args.items(multi=True) if k not in audit.SECRET_FIELDS
    )
    return (request.path + (f"?{query}" if query else ""))[:200]


@bp.after_request
def _after(resp: Response) -> Response:
    endpoint = request.endpoint or ""
    if (request.method == "POST" and endpoint != "staff.logout") or (
        endpoint in AUDITED_GETS and g.get("staff_actor") is not None
    ):
        write_audit(endpoint, resp.status_code)
    resp.headers.setdefault("Cache-Control", "no-store")
    resp.headers.setdefault("X-Frame-Options", "DENY")
    return resp


# -- CLI ----------------------------------------------------------------------------------------


@staff_cli.command("link")
@click.option(
    "--account",
    "account_id",
    required=True,
    type=int,
    help="账号 ID（须有街镇管理员、支部书记或党小组长职务）",
)
@click.option("--minutes", default=15, show_default=True, type=int, help="链接有效期（分钟）")
def staff_link(account_id: int, minutes: int) -> None:
    """生成一次性后台登录链接（只能用一次，到期失效）。"""
    try:
        with database().session() as db:
            link = staff.issue_link(db, _secret(), account_id, minutes)
            who = link.account.name or link.account.nickname or f"账号 {account_id}"
            expires = local_text(link.expires_at)
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"{who} 的后台登录链接（{expires} 前有效，只能用一次）：")
    click.echo(f"{base_url()}/staff/login?t={link.token}")


PAGE_MODULES = (
    "handlers.staff_login",
    "handlers.staff_commitments",
    "handlers.staff_drafts",
    "handlers.staff_verify",
    "handlers.staff_content",
    "handlers.staff_members",
    "handlers.staff_requests",
    "handlers.staff_groups",
    "handlers.staff_summaries",
    "handlers.staff_reports",
    "handlers.staff_roster",
    "handlers.staff_orgs",
    "handlers.staff_audit",
    "handlers.staff_voice",
    "handlers.staff_civic",
    "handlers.staff_civic_points",
    "handlers.staff_practices",
)


def init_app(app: Flask) -> None:
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=staff.SESSION_HOURS)
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    if str(app.config["SETTINGS"].app.base_url).startswith("https://"):
        app.config["SESSION_COOKIE_SECURE"] = True
    for name in PAGE_MODULES:  # their routes join this blueprint before it registers
        import_module(name)
    app.register_blueprint(bp)
    app.cli.add_command(staff_cli)
