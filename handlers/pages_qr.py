"""QR codes of member cards and branch pages (PNG at print resolution, SVG; a mini-program
code when mini-program credentials exist) and the brick cards' A4 sheet (党员砖墙)."""

from __future__ import annotations

import logging

from flask import Blueprint, Flask, Response, render_template, request

from handlers.context import database, read_session, settings
from handlers.pages import base_url
from infra import qr
from models import OrgKind
from services.errors import NotFound
from services.reads import printing, public

bp = Blueprint("qr", __name__)
log = logging.getLogger("jiannuo.pages")

QR_PER_PAGE = 12


def _png(data: str) -> Response:
    resp = Response(qr.png(data), mimetype="image/png")
    resp.cache_control.public = True
    resp.cache_control.max_age = 86400
    return resp


def _mini_program_code(target: qr.MiniProgramTarget | None) -> bytes | None:
    """A mini-program code (getwxacodeunlimit) opening ``target``'s page with its scene when
    mini-program credentials exist; ``None`` (so the caller falls back to a plain QR code)
    when they don't or WeChat fails."""
    mp = settings().wechat.mini_program
    if not mp.enabled or target is None:
        return None
    from wechat.client import clients_from_settings
    from wechat.errors import WechatError

    try:
        client = clients_from_settings(settings(), session_factory=database().session_factory)
        return client.mini_program.get_wxacode_unlimit(
            scene=target.scene,
            page=target.page,
            check_path=mp.env_version == "release",  # unreleased pages: no path check
            env_version=mp.env_version,
        )
    except WechatError:
        log.warning("getwxacodeunlimit failed for scene %s; serving a plain QR code", target.scene)
        return None


@bp.get("/m/<code>/qr.png")
def member_qr_png(code: str) -> Response:
    m = public.member_by_code(read_session(), code)
    # With mini-program credentials the default is a mini-program code; ?kind=url forces
    # a plain QR code of the card's web address; ?kind=mp asks for the mini-program code
    # only (the web card's 群众销账 hint, which a plain QR of the card itself would not help).
    kind = request.args.get("kind")
    if kind != "url":
        data = _mini_program_code(qr.member_target(m.public_code))
        if data is not None:
            return Response(data, mimetype="image/png")  # mini-program codes are PNG
        if kind == "mp":
            raise NotFound("暂时生成不了小程序码")
    return _png(qr.member_url(base_url(), m.public_code))


@bp.get("/m/<code>/qr.svg")
def member_qr_svg(code: str) -> Response:
    m = public.member_by_code(read_session(), code)
    return Response(qr.svg(qr.member_url(base_url(), m.public_code)), mimetype="image/svg+xml")


@bp.get("/o/<code>/qr.png")
def org_qr_png(code: str) -> Response:
    org = public.org_by_code(read_session(), code)
    if request.args.get("kind") != "url" and org.kind == OrgKind.BRANCH.value:
        data = _mini_program_code(qr.org_target(org.code))  # opens the branch's board
        if data is not None:
            return Response(data, mimetype="image/png")
    return _png(qr.org_url(base_url(), org.code))


@bp.get("/o/<code>/qr.svg")
def org_qr_svg(code: str) -> Response:
    org = public.org_by_code(read_session(), code)
    return Response(qr.svg(qr.org_url(base_url(), org.code)), mimetype="image/svg+xml")


@bp.get("/o/<code>/qr-sheet")
def qr_sheet(code: str) -> str:
    session = read_session()
    org = public.org_by_code(session, code)
    cards = printing.brick_cards(session, org)  # name, duties and the commitment's short text
    pages = qr.chunk(cards, QR_PER_PAGE)
    return render_template(
        "pages/qr_sheet.html",
        org=public.branch_of(session, org),
        pages=pages,
        total=len(pages) or 1,
    )


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
