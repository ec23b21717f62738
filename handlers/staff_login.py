"""后台登录: 扫码登录 (the official-account parametric QR code ``login:<nonce>``, polled by the
page), the one-time links of ``flask staff link``, demo login and logout. The rules live in
``services.org.staff`` and ``services.org.staff_qr``; the SCAN event reaches
``services.org.staff_qr.scan`` through the bot (``handlers/bot/staff_scan.py``).
"""

from __future__ import annotations

import base64
import logging

from flask import Response, abort, g, jsonify, redirect, render_template, request, session, url_for

from handlers.context import database, db_session, read_session, settings
from handlers.staff import (
    SESSION_ID,
    SESSION_NONCE,
    _actor,
    _db,
    _secret,
    bp,
    end_session,
    login_required,
    start_session,
    write_audit,
)
from infra import qr
from models import Account
from services.actors import actor_for_account
from services.org import staff, staff_qr

log = logging.getLogger("jiannuo.staff")

QR_NONCE = "staff_qr_nonce"


def _qr_image(nonce: str) -> tuple[str, str]:
    """(data URI of the QR image, note). With the official account configured it is WeChat's
    temporary parametric code; in demo mode there is none (the note says what to do)."""
    from wechat.client import WechatError, clients_from_settings

    client = clients_from_settings(settings(), database().session_factory).official_account
    if not client.configured:
        return (
            "",
            "演示模式：没有连接公众号，扫码登录不可用。请使用下面的演示登录，或向管理员索取一次性登录链接。",
        )
    try:
        answer = client.create_temp_qrcode(staff_qr.scene(nonce), settings().staff.login_qr_seconds)
    except WechatError as exc:
        log.warning("login QR refused by WeChat: %s", exc)
        return "", "暂时无法向微信申请登录二维码，请稍后刷新页面，或使用一次性登录链接。"
    svg = qr.svg(str(answer["url"]))
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode(), ""


@bp.get("/need-login")
def need_login() -> Response:
    db = db_session()
    nonce = staff_qr.start(db, settings().staff.login_qr_seconds)
    db.commit()
    image, note = _qr_image(nonce)
    session[QR_NONCE] = nonce
    html = render_template(
        "staff/need_login.html",
        message=request.args.get("m", "")[:100],
        qr_image=image,
        qr_note=note,
        minutes=max(1, settings().staff.login_qr_seconds // 60),
    )
    return Response(html, status=401)


def _claim() -> tuple[str, int | None]:
    reader = read_session()
    seen = staff_qr.peek(reader, session.get(QR_NONCE))
    reader.rollback()  # end the read before writing (SQLite)
    if seen.state != "ready":
        return seen.state, None
    db = db_session()
    state = staff_qr.claim(db, session.get(QR_NONCE))
    if state.state != "ready" or state.account_id is None:
        db.commit()
        return state.state, None
    session.pop(QR_NONCE, None)
    start_session(db, state.account_id)
    account = db.get(Account, state.account_id)
    if account is not None:
        write_audit("staff.login_qr", 200, actor_for_account(db, account))
    return "ready", state.account_id


@bp.get("/login/qr/state")
def login_qr_state() -> Response:
    """The login page polls this: waiting / expired / ready (then the session is open)."""
    state, _ = _claim()
    resp = jsonify({"state": state, "next": url_for("staff.dashboard") if state == "ready" else ""})
    return resp


@bp.get("/login/qr/continue")
def login_qr_continue() -> Response:
    """The same without JavaScript: the "我已扫码" button."""
    state, _ = _claim()
    if state == "ready":
        return redirect(url_for("staff.dashboard"), code=303)  # type: ignore[return-value]
    message = (
        "还没有收到扫码，请用微信扫一扫屏幕上的二维码。" if state == "waiting" else staff_qr.EXPIRED
    )
    if state == "waiting":
        html = render_template(
            "staff/need_login.html",
            message=message,
            qr_image="",
            qr_note="",
            waiting=True,
            minutes=0,
        )
        return Response(html, status=401)
    return redirect(url_for("staff.need_login", m=message), code=303)  # type: ignore[return-value]


@bp.get("/login")
def login() -> Response:
    db = db_session()
    try:
        actor = staff.consume_link(db, _secret(), request.args.get("t"))
    except staff.LoginRefused as exc:
        db.rollback()
        session.clear()
        html = render_template("staff/login_refused.html", message=exc.message)
        return Response(html, status=exc.status)
    assert actor.account_id is not None
    start_session(db, actor.account_id)
    write_audit("staff.login_link", 200, actor)
    return redirect(url_for("staff.dashboard"), code=303)  # type: ignore[return-value]


@bp.get("/demo-login")
def demo_login() -> Response:
    if not settings().demo:
        abort(404)
    db = read_session()
    account = staff.demo_admin(db)
    if account is None or staff.staff_actor(db, account.id) is None:
        html = render_template(
            "staff/login_refused.html", message="还没有演示数据，演示登录暂不可用。"
        )
        return Response(html, status=404)
    account_id = account.id
    db.rollback()
    start_session(db_session(), account_id)
    return redirect(url_for("staff.dashboard"), code=303)  # type: ignore[return-value]


@bp.route("/logout", methods=["GET", "POST"])
def logout() -> Response:
    token = session.get(SESSION_ID)
    actor = staff.session_actor(db_session(), token)
    if actor is not None:
        g.staff_actor = actor
        write_audit("staff.logout", 200, actor)
    end_session(token)
    return Response(
        render_template("staff/login_refused.html", message="已退出后台。", logged_out=True),
        status=200,
    )


@bp.post("/logout-everywhere")
@login_required
def logout_everywhere() -> Response:
    """End every console session of this account (every PC), e.g. after a QR code was
    scanned that was not one's own."""
    db, actor = _db(), _actor()
    assert actor.account_id is not None
    n = staff.end_sessions_of(db, actor.account_id)
    db.commit()
    session.pop(SESSION_ID, None)
    session.pop(SESSION_NONCE, None)
    html = render_template(
        "staff/login_refused.html",
        message=f"已退出您在所有电脑上的后台登录（共 {n} 处）。",
        logged_out=True,
    )
    return Response(html, status=200)
