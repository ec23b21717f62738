"""后台: 党员 — the roster inside the caller's scope (list, filters, search, paging), a member's
page (edit, 停用 / 恢复, 职务), and bind codes for a selection with a printable QR sheet.
The rules live in ``services.org.members``, ``services.org.bindcodes`` and
``services.org.roles`` (职务 are granted by the township on this page's form)."""

from __future__ import annotations

import base64

from flask import Response, render_template, request
from sqlalchemy import select

from handlers.context import database, settings
from handlers.pages import base_url
from handlers.staff import (
    _actor,
    _db,
    _scope,
    back,
    bp,
    done_text,
    form_ids,
    levels,
    login_required,
    paged,
    query_int,
    query_text,
)
from infra import qr
from models import Member, Organisation, OrgKind, RoleGrant
from services.errors import DomainError, ValidationError
from services.org import bindcodes, members, roles
from services.reads import console

STATES = {"active": "在册", "unbound": "在册未绑定微信", "inactive": "已停用", "all": "全部"}


@bp.get("/members")
@login_required
def members_page() -> Response:
    db, scope = _db(), _scope()
    org_id = query_int("org")
    state = request.args.get("state", "active")
    filters = console.MemberFilters(
        org=db.get(Organisation, org_id) if org_id else None,
        q=query_text(),
        state=state if state in STATES else "active",
    )
    listing = paged(db, console.members(scope, filters))
    ids = [m.id for m in listing.rows]
    orgs = {
        o.id: o
        for o in db.scalars(
            select(Organisation).where(
                Organisation.id.in_(
                    {m.org_id for m in listing.rows}
                    | {m.group_id for m in listing.rows if m.group_id}
                )
            )
        )
    }
    html = render_template(
        "staff/members.html",
        listing=listing,
        filters=filters,
        states=STATES,
        orgs=orgs,
        bound=console.bound_member_ids(db, ids),
        branches=console.branches(db, scope) if scope.level != "group" else [],
        may_edit=scope.level != "group",
        done=done_text(),
        error=request.args.get("error", "")[:200],
    )
    return Response(html, status=200)


def _member_page(member_id: int, error: str = "", status: int = 200) -> Response:
    db, scope = _db(), _scope()
    member = db.get_one(Member, member_id)
    branch = db.get_one(Organisation, member.org_id)
    groups = list(
        db.scalars(
            select(Organisation)
            .where(Organisation.parent_id == branch.id, Organisation.kind == OrgKind.GROUP.value)
            .order_by(Organisation.sort_order, Organisation.id)
        )
    )
    grants = list(db.scalars(select(RoleGrant).where(RoleGrant.member_id == member.id)))
    grant_orgs = {g.org_id: db.get(Organisation, g.org_id) for g in grants}
    html = render_template(
        "staff/member.html",
        member=member,
        branch=branch,
        groups=groups,
        grants=grants,
        grant_orgs=grant_orgs,
        role_labels=roles.ROLE_LABELS,
        may_edit=scope.level != "group",
        may_grant=scope.township,
        error=error,
        done=done_text(),
    )
    return Response(html, status=status)


@bp.get("/members/<int:member_id>")
@login_required
def member_page(member_id: int) -> Response:
    return _member_page(member_id)


@bp.post("/members/<int:member_id>")
@login_required
@levels("township", "branch")
def member_update(member_id: int) -> Response:
    db, actor = _db(), _actor()
    member = db.get_one(Member, member_id)
    group = request.form.get("group_id", "")
    try:
        changed = members.update(
            db,
            actor,
            member,
            name=request.form.get("name", ""),
            phone=request.form.get("phone", ""),
            duties=request.form.get("duties", ""),
            speciality=request.form.get("speciality", ""),
            group_id=int(group) if group.isdigit() and len(group) < 10 else None,
        )
    except DomainError as exc:
        db.rollback()
        return _member_page(member_id, error=exc.message, status=exc.status)
    name = member.name
    db.commit()
    done = f"已保存：{name}修改了{'、'.join(changed)}" if changed else "没有改动"
    return back("staff.member_page", done, member_id=member_id)


@bp.post("/members/<int:member_id>/active")
@login_required
@levels("township", "branch")
def member_active(member_id: int) -> Response:
    db, actor = _db(), _actor()
    member = db.get_one(Member, member_id)
    active = request.form.get("active") == "1"
    try:
        changed = members.set_active(db, actor, member, active, request.form.get("reason", ""))
    except DomainError as exc:
        db.rollback()
        return _member_page(member_id, error=exc.message, status=exc.status)
    name = member.name
    db.commit()
    if not changed:
        done = "没有改动"
    else:
        done = f"已恢复：{name}" if active else f"已停用：{name}"
    return back("staff.member_page", done, member_id=member_id)


@bp.post("/members/bind-codes")
@login_required
@levels("township", "branch")
def member_bind_codes() -> Response:
    """Fresh bind codes for the selected members and a sheet to print (one card each)."""
    db = _db()
    ids = form_ids("member")
    try:
        if not ids:
            raise ValidationError("member", "请先勾选要发放绑定码的党员")
        chosen = list(db.scalars(select(Member).where(Member.id.in_(ids)).order_by(Member.id)))
        issued = [(m, bindcodes.issue(db, m)) for m in chosen]
    except DomainError as exc:
        db.rollback()
        return back("staff.members_page", "", error=exc.message)
    rows = [(m.name, bc.code, bc.expires_at) for m, bc in issued]
    db.commit()
    cards = [
        {"name": name, "code": code, "expires": expires, "qr": _qr(code)}
        for name, code, expires in rows
    ]
    html = render_template(
        "staff/bind_codes.html",
        cards=cards,
        total=len(cards),
        hours=bindcodes.DEFAULT_TTL_HOURS,
        demo=settings().demo,
        base=base_url(),
    )
    return Response(html, status=200)


def _qr(code: str) -> str:
    """The card's QR: WeChat's parametric code (scene ``bind:<code>``) when the official
    account is configured, else the text "绑定 <code>" (demo)."""
    from wechat.client import WechatError, clients_from_settings

    client = clients_from_settings(settings(), database().session_factory).official_account
    data = f"绑定 {code}"
    if client.configured:
        try:
            data = str(
                client.create_temp_qrcode(f"bind:{code}", bindcodes.DEFAULT_TTL_HOURS * 3600)["url"]
            )
        except WechatError:
            pass
    return "data:image/svg+xml;base64," + base64.b64encode(qr.svg(data)).decode()
