"""后台: 群机器人 (add with the env-var name, test message through the outbox, last delivery)
and 发送失败的消息 (the township's failed outbox, retry). The rules live in
``services.org.robots`` and ``services.outbox``; sending is the dispatcher's."""

from __future__ import annotations

import os

from flask import Response, render_template, request

from delivery import dispatcher as dispatch
from handlers.context import settings
from handlers.staff import (
    _actor,
    _db,
    _scope,
    back,
    bp,
    done_text,
    levels,
    login_required,
    township_only,
)
from infra.clock import local_text, now_utc
from models import GroupRobot, Organisation, OrgKind, OutboundChannel, OutboundStatus
from services import outbox as outbox_service
from services.errors import DomainError, NotFound
from services.org import robots as robot_service
from services.reads import console
from wechat.robot import markdown_payload

STATUS_LABELS = {
    OutboundStatus.PENDING.value: "等待发送",
    OutboundStatus.SENDING.value: "发送中",
    OutboundStatus.SENT.value: "已送达",
    OutboundStatus.FAILED.value: "发送失败",
}


def _key_state(env_name: str) -> str:
    """Whether the webhook key is set, never the key (only its last 4 characters)."""
    key = os.environ.get(env_name, "")
    if not key:
        return "未设置"
    return f"已设置（尾号 {key[-4:]}）" if len(key) > 12 else "已设置"


def _groups_page(error: str = "", status: int = 200) -> Response:
    db, scope = _db(), _scope()
    rows = robot_service.listed(db, scope.covers)
    last = robot_service.last_messages(db, [r.id for r, _ in rows])
    robots = [
        {
            "id": r.id,
            "name": r.name,
            "org": o.name,
            "env": r.webhook_env,
            "key": _key_state(r.webhook_env),
            "enabled": r.enabled,
            "last": last.get(r.id),
        }
        for r, o in rows
    ]
    targets = list(scope.roots) if scope.township else []
    targets += console.branches(db, scope)
    html = render_template(
        "staff/groups.html",
        robots=robots,
        targets=targets,
        status_labels=STATUS_LABELS,
        summary_of=dispatch.summary_of,
        error=error,
        done=done_text(),
    )
    return Response(html, status=status)


@bp.get("/groups")
@login_required
@levels("township", "branch")
def groups() -> Response:
    return _groups_page()


@bp.post("/groups")
@login_required
@levels("township", "branch")
def groups_add() -> Response:
    db, actor = _db(), _actor()
    raw = request.form.get("org", "")
    try:
        org = db.get(Organisation, int(raw)) if raw.isdigit() and len(raw) < 10 else None
        if org is None or org.kind == OrgKind.GROUP.value:
            raise NotFound("请选择群机器人所属的党支部或街镇")
        robot = robot_service.add(
            db, actor, org, request.form.get("name", ""), request.form.get("webhook_env", "")
        )
    except DomainError as exc:
        db.rollback()
        return _groups_page(error=exc.message, status=exc.status)
    text = f"已登记群机器人 #{robot.id}“{robot.name}”（{org.name}）"
    if not os.environ.get(robot.webhook_env):
        text += f"；环境变量 {robot.webhook_env} 尚未设置，请运维在服务器上设置后再发测试消息"
    db.commit()
    return back("staff.groups", text)


@bp.post("/groups/<int:robot_id>/test")
@login_required
@levels("township", "branch")
def groups_test(robot_id: int) -> Response:
    """Queue a test message; the dispatcher sends it within its interval."""
    db = _db()
    robot = db.get_one(GroupRobot, robot_id)
    stamp = now_utc().strftime("%Y%m%d%H%M%S")
    outbox_service.enqueue(
        db,
        OutboundChannel.ROBOT,
        markdown_payload(f"**{settings().app.name}** 群机器人测试消息（{robot.name}）"),
        f"grouptest:{robot.id}:{stamp}",
        robot_id=robot.id,
    )
    name = robot.name
    db.commit()
    return back("staff.groups", f"测试消息已排队，几秒钟内发往“{name}”，刷新本页查看结果")


@bp.get("/outbox")
@login_required
@township_only
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
    return render_template("staff/outbox.html", rows=rows, done=done_text())


@bp.post("/outbox/<int:message_id>/retry")
@login_required
@township_only
def outbox_retry(message_id: int) -> Response:
    db = _db()
    n = dispatch.retry(db, message_id)
    db.commit()
    done = f"消息 #{message_id} 已重新排队发送" if n else f"消息 #{message_id} 不是发送失败状态"
    return back("staff.outbox", done)
