"""后台: 起草支部承诺 (/staff/drafts) — a township admin or a branch secretary writes the
branch's own commitments (支部承诺, the branch's half of 双承诺) at the PC: a form with the
pledge templates of the branch's 支部类型 beside it ("用这个模板" pre-fills it, server-side),
保存草稿 / 提交审核, and the branch's drafts below (edit, submit).

Routes of the console blueprint (``handlers.staff.bp``: login, scope, CSRF, audit); drafting
and submitting live in ``services.commitments`` (``create``, ``update_draft``, ``submit``), the
catalogue in ``services.practices.templates``, the list in ``services.reads.branch_pledges``."""

from __future__ import annotations

from datetime import date

from flask import Response, render_template, request

from handlers.context import settings
from handlers.staff import _actor, _db, _scope, back, bp, done_text, levels, login_required
from infra.clock import local_date
from models import Commitment, CommitmentStatus, Organisation, OwnerKind
from services import commitments as commitment_service
from services.commitments import STATUS_LABELS
from services.commitments.review import EDITABLE_FIELDS
from services.commitments.words import FREQUENCY_LABELS
from services.errors import Conflict, DomainError, ValidationError
from services.practices import templates
from services.reads import branch_pledges, console

FIELDS = EDITABLE_FIELDS  # the form's fields are the draft's (services.commitments.review)
# The labels of the mini-program's 定诺 page (miniprogram/utils/labels.js).
KIND_LABELS = {"count": "按数量累计", "periodic": "按周期完成", "deadline": "限期完成"}
CATEGORIES = ("志愿服务", "邻里帮扶", "环境整治", "政策宣传", "技能服务", "产业发展", "其他")
FIELD_LABELS = {
    "org_id": "党支部",
    "title": "承诺内容",
    "description": "详细说明",
    "category": "类别",
    "target_quantity": "目标数量",
    "unit": "单位",
    "target_kind": "完成方式",
    "frequency": "频次",
    "start_date": "开始日期",
    "end_date": "完成期限",
    "beneficiary": "服务对象",
}


def _branch(raw: str) -> Organisation | None:
    """The branch named by ``org`` (already scope-checked), else the first of the scope."""
    branches = console.branches(_db(), _scope())
    if raw.isdigit():
        for b in branches:
            if b.id == int(raw):
                return b
    return branches[0] if branches else None


def _offered(branch: Organisation | None) -> list[templates.Template]:
    """The templates of the branch's 支部类型 (all types when it has none or an unknown one)."""
    path = settings().practices.templates_path()
    try:
        return templates.offer(path, branch.org_type if branch else None, only_type=True)
    except DomainError:
        return list(templates.catalogue(path))


def _blank(today: date) -> dict[str, str]:
    form = dict.fromkeys(FIELDS, "")
    form["start_date"] = today.isoformat()
    return form


def _of(c: Commitment) -> dict[str, str]:
    """A saved draft as form values."""
    out = {}
    for key in FIELDS:
        value = getattr(c, key)
        out[key] = value.isoformat() if isinstance(value, date) else str(value or "")
    return out


def _from_template(offered: list[templates.Template], raw: str, today: date) -> dict[str, str]:
    """The form filled from the ``raw``-th template (1-based; anything else: the blank form)."""
    form = _blank(today)
    if not (raw.isdigit() and 1 <= int(raw) <= len(offered)):
        return form
    chosen = offered[int(raw) - 1]
    form["title"] = chosen.text
    for key, value in templates.measure(chosen, today).items():
        form[key] = str(value or "")
    return form


def _typed() -> dict[str, str]:
    return {key: request.form.get(key, "").strip() for key in FIELDS}


def _errors(exc: DomainError) -> tuple[dict[str, str], str]:
    """Field messages for the form, and the rest for the top of the page."""
    fields = {k: v for k, v in exc.fields.items() if k in FIELDS}
    rest = [v for k, v in exc.fields.items() if k not in FIELDS]
    if not exc.fields:
        rest = [exc.message]
    if fields and not rest:
        rest = ["没有保存：请按下面标红的提示修改后再保存。"]
    return fields, "；".join(rest)


def _page(
    branch: Organisation | None,
    form: dict[str, str],
    *,
    editing: Commitment | None = None,
    errors: dict[str, str] | None = None,
    error: str = "",
    template_no: str = "",
    status: int = 200,
) -> Response:
    db = _db()
    branches = console.branches(db, _scope())
    offered = _offered(branch)
    html = render_template(
        "staff/drafts.html",
        branches=branches,
        branch=branch,
        fixed=_scope().level == "branch" or len(branches) == 1,
        offered=offered,
        template_no=template_no,
        form=form,
        errors=errors or {},
        editing=editing,
        rows=branch_pledges.branch_commitments(db, branch.id) if branch else [],
        kind_labels=KIND_LABELS,
        frequency_labels=FREQUENCY_LABELS,
        categories=CATEGORIES,
        status_labels=STATUS_LABELS,
        field_labels=FIELD_LABELS,
        done=done_text(),
        error=error,
    )
    return Response(html, status=status)


def _draft(commitment_id: int) -> Commitment:
    """A branch commitment of the caller's scope (already scope-checked) that is a draft."""
    c = commitment_service.visible(_db(), _actor(), commitment_id)
    if c.owner_kind != OwnerKind.BRANCH.value:
        raise Conflict("这是党员本人的承诺，只能由本人在小程序或公众号里修改")
    return c


def _home(commitment_id: int) -> Organisation | None:
    """The branch of the commitment a route names (already scope-checked), for its page."""
    c = _db().get(Commitment, commitment_id)
    return _branch(str(c.org_id) if c is not None else "")


def _failed(exc: DomainError, branch: Organisation | None, editing: Commitment | None) -> Response:
    """Nothing kept; the page again with the typed values and each message by its field."""
    _db().rollback()
    fields, top = _errors(exc)
    return _page(branch, _typed(), editing=editing, errors=fields, error=top, status=exc.status)


def _done(c: Commitment, submitted: bool) -> str:
    if not submitted:
        return f"已保存草稿：{c.title}。核对无误后点“提交审核”。"
    status = STATUS_LABELS.get(c.status, c.status)
    return f"已提交：{c.title}（{status}），审核结果会显示在下面的列表里。"


@bp.get("/drafts")
@login_required
@levels("township", "branch")
def drafts_page() -> Response:
    """The form (blank, or filled from ``?template=``), the templates and the branch's list."""
    branch = _branch(request.args.get("org", ""))
    raw = request.args.get("template", "")[:6]
    form = _from_template(_offered(branch), raw, local_date())
    return _page(branch, form, template_no=raw)


@bp.get("/drafts/<int:commitment_id>")
@login_required
@levels("township", "branch")
def drafts_edit(commitment_id: int) -> Response:
    """The form filled with a saved draft."""
    try:
        c = _draft(commitment_id)
        if c.status != CommitmentStatus.DRAFT.value:
            raise Conflict(
                f"这条承诺当前是“{STATUS_LABELS.get(c.status, c.status)}”，"
                "只有草稿或被退回的承诺可以修改"
            )
    except DomainError as exc:
        home = _home(commitment_id)
        return _page(home, _blank(local_date()), error=exc.message, status=exc.status)
    return _page(_home(commitment_id), _of(c), editing=c)


@bp.post("/drafts")
@login_required
@levels("township", "branch")
def drafts_create() -> Response:
    """保存草稿 (``action`` save) or 提交审核 (``action`` submit): a new branch commitment."""
    db, actor = _db(), _actor()
    branch = _branch(request.form.get("org", ""))
    submitting = request.form.get("action") == "submit"
    try:
        if branch is None:
            raise ValidationError("org_id", "您的范围内还没有党支部，请先在“组织架构”里添加")
        c = commitment_service.create(
            db, actor, _typed(), owner_kind=OwnerKind.BRANCH.value, org_id=branch.id
        )
        if submitting:
            commitment_service.submit(db, actor, c, settings().commitments.review_levels)
    except DomainError as exc:
        return _failed(exc, branch, None)
    done = _done(c, submitting)
    db.commit()
    return back("staff.drafts_page", done, org=branch.id)


@bp.post("/drafts/<int:commitment_id>")
@login_required
@levels("township", "branch")
def drafts_update(commitment_id: int) -> Response:
    """Save an edited draft (``action`` submit: and submit it)."""
    db, actor = _db(), _actor()
    submitting = request.form.get("action") == "submit"
    c: Commitment | None = None
    try:
        c = _draft(commitment_id)
        commitment_service.update_draft(db, actor, c, _typed())
        if submitting:
            commitment_service.submit(db, actor, c, settings().commitments.review_levels)
    except DomainError as exc:
        return _failed(exc, _home(commitment_id), c)
    done, org_id = _done(c, submitting), c.org_id
    db.commit()
    return back("staff.drafts_page", done, org=org_id)


@bp.post("/drafts/<int:commitment_id>/submit")
@login_required
@levels("township", "branch")
def drafts_submit(commitment_id: int) -> Response:
    """提交审核 a saved draft from the list."""
    db, actor = _db(), _actor()
    try:
        c = _draft(commitment_id)
        commitment_service.submit(db, actor, c, settings().commitments.review_levels)
    except DomainError as exc:
        db.rollback()
        home = _home(commitment_id)
        return _page(home, _blank(local_date()), error=exc.message, status=exc.status)
    done, org_id = _done(c, True), c.org_id
    db.commit()
    return back("staff.drafts_page", done, org=org_id)
