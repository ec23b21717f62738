"""后台: 月度汇总 — this month's (or a past month's) summary for my branch or township,
previewed exactly as the group will see it (the markdown ``scheduler.pushes`` sends), sent
now, and the history of what was pushed. Figures from ``services.reads.summaries``, words
from ``scheduler.pushes``; sending is the dispatcher's."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Response, render_template, request
from sqlalchemy import select

from delivery import dispatcher as dispatch
from handlers.context import settings
from handlers.staff import _db, _scope, back, bp, done_text, levels, login_required
from handlers.staff_groups import STATUS_LABELS
from infra.clock import local_date
from models import GroupRobot, Organisation, OrgKind, OutboundMessage
from scheduler import pushes
from services.errors import DomainError
from services.org import robots as robot_service
from services.reads import summaries

KINDS = ("summary:", "quarterly:", "checkoff:", "partyday:")
HISTORY = 30


@dataclass(frozen=True)
class Preview:
    org: Organisation
    robot: GroupRobot | None
    text: str


def _months() -> list[str]:
    today = local_date()
    out, year, month = [], today.year, today.month
    for _ in range(6):
        out.append(f"{year}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return out


def _period_code() -> str:
    code = request.values.get("period", "") or _months()[0]
    return summaries.month(code).code  # ValidationError names the field


def _in_scope_robots() -> list[tuple[GroupRobot, Organisation]]:
    db, scope = _db(), _scope()
    return robot_service.listed(db, scope.covers, enabled_only=True)


def previews(period_code: str) -> list[Preview]:
    """The text each robot in scope would receive; orgs without a robot get the same
    rendering (nothing is sent there)."""
    db, scope = _db(), _scope()
    figures = summaries.compute(db, summaries.month(period_code))
    base = settings().app.base_url
    robots = _in_scope_robots()
    texts = dict(pushes.robot_texts(db, figures, base))
    out = [Preview(o, r, texts[r.id]) for r, o in robots if r.id in texts]
    covered = {p.org.id for p in out}
    for org in scope.roots:
        if org.id in covered:
            continue
        if org.kind == OrgKind.TOWNSHIP.value and org.id in figures.townships:
            text = pushes.render_township(figures.townships[org.id], figures.period, base)
        elif org.id in figures.branches:
            text = pushes.render_branch(figures.branches[org.id], figures.period, base)
        else:
            continue
        out.append(Preview(org, None, text))
    return out


def _history() -> list[OutboundMessage]:
    db = _db()
    ids = [r.id for r, _ in _in_scope_robots()]
    if not ids:
        return []
    rows = db.scalars(
        select(OutboundMessage)
        .where(OutboundMessage.robot_id.in_(ids))
        .order_by(OutboundMessage.id.desc())
        .limit(200)
    )
    return [m for m in rows if m.idempotency_key.startswith(KINDS)][:HISTORY]


def _page(error: str = "", status: int = 200) -> Response:
    try:
        code = _period_code()
    except DomainError as exc:
        error, status, code = exc.message, exc.status, _months()[0]
    robots = {r.id: r for r, _ in _in_scope_robots()}
    s = settings().scheduler
    html = render_template(
        "staff/summaries.html",
        period=summaries.month(code),
        months=_months(),
        current=code == _months()[0],
        previews=previews(code),
        history=_history(),
        robots=robots,
        status_labels=STATUS_LABELS,
        summary_of=dispatch.summary_of,
        schedule=f"每月 {s.monthly_summary_day} 日 {s.monthly_summary_time}",
        error=error,
        done=done_text(),
    )
    return Response(html, status=status)


@bp.get("/summaries")
@login_required
@levels("township", "branch")
def summaries_page() -> Response:
    return _page()


@bp.post("/summaries/send")
@login_required
@levels("township", "branch")
def summaries_send() -> Response:
    """Queue the previewed texts to the robots in scope now. A finished month uses the
    scheduled push's keys (sent once, whichever comes first); the month in progress is an
    interim update, once a day, and the scheduled push still follows."""
    db = _db()
    try:
        code = _period_code()
    except DomainError as exc:
        return _page(error=exc.message, status=exc.status)
    texts = [(p.robot.id, p.text) for p in previews(code) if p.robot is not None]
    if not texts:
        return _page(error="您管理的组织还没有群机器人：请先在“群机器人”页登记", status=409)
    prefix = f"summary:{code}"
    if code == _months()[0]:
        prefix += f":interim:{local_date().isoformat()}"
    n = pushes.enqueue_texts(db, prefix, texts)
    db.commit()
    done = (
        f"已排队 {n} 条消息，发往 {len(texts)} 个群，几秒钟内送达"
        if n
        else "这份汇总已经推送过（或已在排队），没有重复发送"
    )
    return back("staff.summaries_page", done, period=code)
