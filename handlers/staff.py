"""街镇管理员后台: a small server-rendered console for township staff at a PC.

Login is a one-time signed link printed by ``flask staff link --account ID`` (no WeChat web
login); the console session is a ``staff_session`` row (the signed cookie holds only its
random id), so logout ends it at once. Every page re-checks the row and that the account still
holds ``township_admin`` (a session that lost the role is ended for good); every POST form carries a session-bound CSRF token.
The rules live in ``services.staff``; the work in the existing services.
"""

from __future__ import annotations

import base64
import binascii
import os
import secrets
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from importlib import import_module
from pathlib import Path
from typing import Any

import click
from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.cli import AppGroup
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from delivery import dispatcher as dispatch
from handlers.context import (
    database,
    db_session,
    read_session,
    settings,
)
from handlers.errors import error_response
from handlers.pages import base_url, report_token
from infra.clock import local_date, local_text
from models import CommitmentStatus, GroupRobot, Member, Organisation
from services import commitments as commitment_service
from services import cycle_close, fulfilment
from services.actors import Actor
from services.commitments import cycle
from services.errors import DomainError
from services.org import roster, setup, staff

bp = Blueprint("staff", __name__, url_prefix="/staff")
staff_cli = AppGroup("staff", help="街镇管理员后台：登录链接")

SESSION_ID = "staff_session"
SESSION_NONCE = "staff_nonce"
ROSTER_KINDS = {"members": "党员花名册", "households": "户信息"}
# A file whose import needs confirmation comes back in the confirm form (base64, inside the
# upload limit); a larger one is chosen again.
CONFIRM_INLINE_BYTES = 3 * 1024 * 1024
CSRF_MESSAGE = "页面已过期或不完整（安全校验未通过），没有做任何修改。请返回后刷新页面再试。"


def _secret() -> str:
    return str(current_app.config["SECRET_KEY"])


def _actor() -> Actor:
    actor: Actor = g.staff_actor
    return actor


def _db() -> Session:
    s: Session = g.staff_session
    return s


def _start_session(db: Session, account_id: int) -> None:
    token = staff.open_session(db, account_id)
    db.commit()
    session.clear()
    session.permanent = True  # PERMANENT_SESSION_LIFETIME: 8 hours (the row expires too)
    session[SESSION_ID] = token
    session[SESSION_NONCE] = secrets.token_urlsafe(16)


def _end_session(token: str | None) -> None:
    session.clear()
    if token:
        db = db_session()
        staff.end_session(db, token)
        db.commit()


def login_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Session present and the account still a township admin; POSTs also pass CSRF."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        write = request.method == "POST"
        db = db_session() if write else read_session()
        token = session.get(SESSION_ID)
        actor = staff.session_actor(db, token)
        if actor is None:
            db.rollback()  # end the read before writing (SQLite)
            _end_session(token)
            return redirect(url_for("staff.need_login"))
        if write and not staff.csrf_ok(
            _secret(), session.get(SESSION_NONCE), request.form.get("csrf_token")
        ):
            return error_response(400, "bad_request", CSRF_MESSAGE)
        g.staff_actor = actor
        g.staff_session = db
        return view(*args, **kwargs)

    return wrapper


@bp.context_processor
def _staff_globals() -> dict[str, object]:
    nonce = session.get(SESSION_NONCE)
    return {"staff_csrf": staff.csrf_token(_secret(), nonce) if nonce else ""}


# -- login ----------------------------------------------------------------------------------


@bp.get("/need-login")
def need_login() -> Response:
    return Response(render_template("staff/need_login.html", message=""), status=401)


@bp.get("/login")
def login() -> Response:
    db = db_session()
    try:
        actor = staff.consume_link(db, _secret(), request.args.get("t"))
    except staff.LoginRefused as exc:
        db.rollback()
        session.clear()
        return Response(
            render_template("staff/need_login.html", message=exc.message), status=exc.status
        )
    assert actor.account_id is not None
    _start_session(db, actor.account_id)
    return redirect(url_for("staff.dashboard"), code=303)  # type: ignore[return-value]


@bp.get("/demo-login")
def demo_login() -> Response:
    if not settings().demo:
        abort(404)
    db = read_session()
    account = staff.demo_admin(db)
    if account is None or staff.staff_actor(db, account.id) is None:
        return Response(
            render_template(
                "staff/need_login.html", message="还没有演示数据：请先运行 flask demo load"
            ),
            status=404,
        )
    account_id = account.id
    db.rollback()
    _start_session(db_session(), account_id)
    return redirect(url_for("staff.dashboard"), code=303)  # type: ignore[return-value]


@bp.route("/logout", methods=["GET", "POST"])
def logout() -> Response:
    _end_session(session.get(SESSION_ID))
    return Response(render_template("staff/need_login.html", message="已退出后台。"), status=200)


# -- dashboard: filing (街镇备案) ------------------------------------------------------------


def _dashboard(error: str = "", done: str = "", status: int = 200) -> Response:
    db, actor = _db(), _actor()
    queue = [
        c
        for c in commitment_service.review_queue(db, actor)
        if c.status == CommitmentStatus.PENDING_TOWNSHIP
    ]
    members = {
        m.id: m
        for m in db.scalars(
            select(Member).where(Member.id.in_({c.member_id for c in queue if c.member_id}))
        )
    }
    orgs = {
        o.id: o
        for o in db.scalars(
            select(Organisation).where(Organisation.id.in_({c.org_id for c in queue}))
        )
    }
    failed = len(dispatch.list_messages(db, failed_only=True, limit=1000))
    unverified = db.scalar(
        select(func.count()).select_from(fulfilment.verification_queue(db, actor).subquery())
    )
    steps = setup.progress(db, setup.township(db))
    html = render_template(
        "staff/dashboard.html",
        steps=steps if not all(s.done for s in steps) else [],
        queue=queue,
        members=members,
        orgs=orgs,
        failed=failed,
        unverified=unverified or 0,
        error=error,
        done=done,
        actor=actor,
    )
    return Response(html, status=status)


@bp.get("/")
@login_required
def dashboard() -> Response:
    return _dashboard(done=request.args.get("done", "")[:100])


@bp.post("/commitments/<int:commitment_id>/review")
@login_required
def review(commitment_id: int) -> Response:
    db, actor = _db(), _actor()
    decision = request.form.get("decision", "")
    try:
        c = commitment_service.visible(db, actor, commitment_id)
        commitment_service.review(
            db,
            actor,
            c,
            decision,
            request.form.get("reason", ""),
            settings().commitments.review_levels,
        )
    except DomainError as exc:
        db.rollback()
        return _dashboard(error=exc.message, status=exc.status)
    title = c.title
    db.commit()
    done = f"已备案：{title}" if decision == "approve" else f"已退回：{title}"
    return redirect(url_for("staff.dashboard", done=done), code=303)  # type: ignore[return-value]


# -- roster -----------------------------------------------------------------------------------


@bp.get("/roster")
@login_required
def roster_page() -> str:
    return render_template("staff/roster.html", kinds=ROSTER_KINDS, problems=[], result=None)


@bp.get("/roster/template/<kind>.xlsx")
@login_required
def roster_template(kind: str) -> Response:
    if kind not in ROSTER_KINDS:
        abort(404)
    return _download(
        roster.template(kind),
        f"{kind}-template.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


@bp.post("/roster/import")
@login_required
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


# -- outbox and group robots --------------------------------------------------------------------


@bp.get("/outbox")
@login_required
def outbox() -> str:
    db = _db()
    rows = [
        {
            "id": m.id,
            "target": f"群机器人 #{m.robot_id}" if m.robot_id else "个人消息",
            "summary": dispatch.summary_of(m),
            "attempts": m.attempts,
            "error": m.last_error,
            "created": local_text(m.created_at),
        }
        for m in dispatch.list_messages(db, failed_only=True, limit=200)
    ]
    return render_template("staff/outbox.html", rows=rows, done=request.args.get("done", ""))


@bp.post("/outbox/<int:message_id>/retry")
@login_required
def outbox_retry(message_id: int) -> Response:
    db = _db()
    n = dispatch.retry(db, message_id)
    db.commit()
    done = f"消息 #{message_id} 已重新排队发送" if n else f"消息 #{message_id} 不是发送失败状态"
    return redirect(url_for("staff.outbox", done=done), code=303)  # type: ignore[return-value]


def _key_state(env_name: str) -> str:
    """Whether the webhook key is set, never the key (only its last 4 characters)."""
    key = os.environ.get(env_name, "")
    if not key:
        return "未设置"
    return f"已设置（尾号 {key[-4:]}）" if len(key) > 12 else "已设置"


@bp.get("/groups")
@login_required
def groups() -> str:
    db = _db()
    rows = db.execute(
        select(GroupRobot, Organisation.name)
        .join(Organisation, Organisation.id == GroupRobot.org_id)
        .order_by(GroupRobot.id)
    ).all()
    robots = [
        {
            "id": r.id,
            "name": r.name,
            "org": org_name,
            "env": r.webhook_env,
            "key": _key_state(r.webhook_env),
            "enabled": r.enabled,
        }
        for r, org_name in rows
    ]
    return render_template("staff/groups.html", robots=robots)


# -- reports -----------------------------------------------------------------------------------


@bp.get("/reports")
@login_required
def reports_page() -> str:
    db, actor = _db(), _actor()
    this_year = local_date().year
    try:
        year = int(request.args.get("year", this_year))
    except ValueError:
        year = this_year
    year = min(max(year, 2000), this_year + 1)
    links = [
        {
            "org": org,
            "xlsx": f"/reports/{org.code}/year-end.xlsx?t={report_token(org.id)}&year={year}",
            "csv": f"/reports/{org.code}/year-end.csv?t={report_token(org.id)}&year={year}",
        }
        for org in staff.townships(db, actor)
    ]
    years = list(range(this_year, this_year - 5, -1))
    return render_template(
        "staff/reports.html",
        links=links,
        year=year,
        years=years,
        closed=year in cycle.closed_years(db),
        closable=year < this_year,
        done=request.args.get("done", "")[:200],
    )


@bp.post("/cycle/close")
@login_required
def cycle_close_post() -> Response:
    """年度归档 (after the year-end evaluation): the same service as `flask cycle close`."""
    db, actor = _db(), _actor()
    raw = request.form.get("year", "")
    if not (raw.isdigit() and len(raw) == 4):
        return error_response(400, "invalid", "年份应为四位数字，例如 2026")
    try:
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
    url = url_for("staff.reports_page", year=result.year, done=done)
    return redirect(url, code=303)  # type: ignore[return-value]


def _download(data: bytes, filename: str, mimetype: str) -> Response:
    resp = Response(data, mimetype=mimetype)
    resp.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.after_request
def _no_store(resp: Response) -> Response:
    resp.headers.setdefault("Cache-Control", "no-store")
    resp.headers.setdefault("X-Frame-Options", "DENY")
    return resp


# -- CLI ----------------------------------------------------------------------------------------


@staff_cli.command("link")
@click.option(
    "--account", "account_id", required=True, type=int, help="账号 ID（须有街镇管理员权限）"
)
@click.option("--minutes", default=15, show_default=True, type=int, help="链接有效期（分钟）")
def staff_link(account_id: int, minutes: int) -> None:
    """为街镇管理员生成一次性后台登录链接（只能用一次，到期失效）。"""
    try:
        with database().session() as db:
            link = staff.issue_link(db, _secret(), account_id, minutes)
            who = link.account.name or link.account.nickname or f"账号 {account_id}"
            expires = local_text(link.expires_at)
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"{who} 的后台登录链接（{expires} 前有效，只能用一次）：")
    click.echo(f"{base_url()}/staff/login?t={link.token}")


def init_app(app: Flask) -> None:
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=staff.SESSION_HOURS)
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    if settings_base_https(app):
        app.config["SESSION_COOKIE_SECURE"] = True
    import_module("handlers.staff_orgs")  # its routes join this blueprint before it registers
    import_module("handlers.staff_requests")
    import_module("handlers.staff_voice")
    app.register_blueprint(bp)
    app.cli.add_command(staff_cli)


def settings_base_https(app: Flask) -> bool:
    return str(app.config["SETTINGS"].app.base_url).startswith("https://")
