"""后台: 组织架构 (township only) (/staff/orgs) and 职务 (roles). Routes of the console blueprint
(``handlers.staff.bp``, same login and CSRF); the rules live in ``services.org.orgs`` and
``services.org.orgs_import``.
"""

from __future__ import annotations

from pathlib import Path

from flask import Response, redirect, render_template, request, url_for
from sqlalchemy import select

from handlers.staff import _actor, _db, _download, bp, login_required, township_only
from infra.clock import local_text
from models import BRANCH_FORMS, ORG_TYPES, Member, Organisation, OrgKind
from services.errors import DomainError, NotFound
from services.org import org_events, orgs, orgs_import, roles, setup, staff
from services.org.phones import normalise_phone
from services.org.roster_files import ImportFailed, ImportResult, Problem

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _township() -> Organisation:
    db, actor = _db(), _actor()
    mine = staff.townships(db, actor)
    township = mine[0] if mine else setup.township(db)
    if township is None:
        raise NotFound("还没有设置乡镇")
    return township


def _page(
    *,
    error: str = "",
    done: str = "",
    problems: list[Problem] | None = None,
    result: ImportResult | None = None,
    status: int = 200,
) -> Response:
    db = _db()
    township = _township()
    nodes = orgs.tree(db, township)
    html = render_template(
        "staff/orgs.html",
        township=township,
        nodes=nodes,
        parents=[
            n.org
            for n in nodes
            if n.org.closed_at is None
            and (n.org.kind == OrgKind.TOWNSHIP.value or n.org.form == "党总支")
        ],
        branches=[
            n.org for n in nodes if n.org.kind == OrgKind.BRANCH.value and n.org.closed_at is None
        ],
        forms=BRANCH_FORMS,
        types=ORG_TYPES,
        grants=roles.grants(db, township),
        role_labels=roles.ROLE_LABELS,
        events=org_events.events(db, township, limit=50),
        action_labels=org_events.ACTION_LABELS,
        columns=orgs_import.ORG_COLUMNS,
        error=error,
        done=done,
        problems=problems or [],
        result=result,
        local_text=local_text,
    )
    return Response(html, status=status)


def _back(done: str) -> Response:
    return redirect(url_for("staff.orgs_page", done=done[:100]), code=303)  # type: ignore[return-value]


def _org_from_form(key: str) -> Organisation:
    raw = request.form.get(key, "")
    if not raw.isdigit():
        raise NotFound("请选择组织")
    return orgs.get(_db(), int(raw))


@bp.get("/orgs")
@login_required
@township_only
def orgs_page() -> Response:
    return _page(done=request.args.get("done", "")[:100])


@bp.get("/orgs/template.xlsx")
@login_required
@township_only
def orgs_template() -> Response:
    return _download(orgs_import.template(), "orgs-template.xlsx", XLSX)


@bp.post("/orgs/add")
@login_required
@township_only
def orgs_add() -> Response:
    db, actor = _db(), _actor()
    form = request.form.get("form", "")
    try:
        parent = _org_from_form("parent")
        kind = OrgKind.GROUP.value if form == "党小组" else OrgKind.BRANCH.value
        org = orgs.add(
            db,
            actor,
            parent,
            request.form.get("name", ""),
            kind=kind,
            form=form if kind == OrgKind.BRANCH.value else "",
            org_type=request.form.get("org_type", ""),
            code=request.form.get("code", ""),
        )
    except DomainError as exc:
        db.rollback()
        return _page(error=exc.message, status=exc.status)
    name = org.name
    db.commit()
    return _back(f"已新建：{name}")


@bp.post("/orgs/<int:org_id>/edit")
@login_required
@township_only
def orgs_edit(org_id: int) -> Response:
    db, actor = _db(), _actor()
    try:
        org = orgs.get(db, org_id)
        is_branch = org.kind == OrgKind.BRANCH.value
        orgs.edit(
            db,
            actor,
            org,
            name=request.form.get("name"),
            form=request.form.get("form") if is_branch else None,
            org_type=request.form.get("org_type") if is_branch else None,
        )
    except DomainError as exc:
        db.rollback()
        return _page(error=exc.message, status=exc.status)
    name = org.name
    db.commit()
    return _back(f"已保存：{name}")


@bp.post("/orgs/<int:org_id>/move")
@login_required
@township_only
def orgs_move(org_id: int) -> Response:
    db, actor = _db(), _actor()
    try:
        org = orgs.get(db, org_id)
        parent = _org_from_form("parent")
        orgs.move(db, actor, org, parent)
        name, parent_name = org.name, parent.name
    except DomainError as exc:
        db.rollback()
        return _page(error=exc.message, status=exc.status)
    db.commit()
    return _back(f"已把{name}调到{parent_name}下")


@bp.post("/orgs/<int:org_id>/close")
@login_required
@township_only
def orgs_close(org_id: int) -> Response:
    db, actor = _db(), _actor()
    try:
        org = orgs.get(db, org_id)
        orgs.close(db, actor, org, request.form.get("reason", ""))
        name = org.name
    except DomainError as exc:
        db.rollback()
        return _page(error=exc.message, status=exc.status)
    db.commit()
    return _back(f"已撤销：{name}（历史记录保留）")


@bp.post("/orgs/import")
@login_required
@township_only
def orgs_import_upload() -> Response:
    db, actor = _db(), _actor()
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _page(error="请选择要上传的 .xlsx 或 .csv 文件", status=400)
    try:
        result = orgs_import.import_orgs(
            db, actor, _township(), Path(Path(upload.filename).name), upload.read()
        )
    except ImportFailed as exc:
        db.rollback()
        return _page(error=f"导入失败：{exc.message}", problems=exc.problems, status=400)
    except DomainError as exc:
        db.rollback()
        return _page(error=exc.message, status=exc.status)
    db.commit()
    return _page(result=result)


@bp.post("/roles/grant")
@login_required
@township_only
def roles_grant() -> Response:
    db, actor = _db(), _actor()
    phone = normalise_phone(request.form.get("phone", ""))
    try:
        org = _org_from_form("org")
        member = db.scalar(select(Member).where(Member.phone == phone)) if phone else None
        if member is None:
            raise NotFound("花名册中没有这个手机号的党员：请先导入花名册")
        role = request.form.get("role", "")
        grant = roles.grant_role(db, actor, member, role, org)
        text = f"{member.name}任{org.name}{roles.ROLE_LABELS[role]}"
    except DomainError as exc:
        db.rollback()
        return _page(error=exc.message, status=exc.status)
    db.commit()
    return _back(f"已授予：{text}" if grant else f"{text}（原来就是，未改动）")


@bp.post("/roles/<int:grant_id>/revoke")
@login_required
@township_only
def roles_revoke(grant_id: int) -> Response:
    db, actor = _db(), _actor()
    try:
        grant = roles.revoke_role(db, actor, grant_id, request.form.get("reason", ""))
        label = roles.ROLE_LABELS[grant.role]
    except DomainError as exc:
        db.rollback()
        return _page(error=exc.message, status=exc.status)
    db.commit()
    return _back(f"已撤销职务：{label}")
