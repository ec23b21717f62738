"""Group robots (群机器人) of branches and townships: registering one (its webhook key stays in
an environment variable; only the variable's name is stored), and what was last sent."""

from __future__ import annotations

import re
from collections.abc import Callable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import GroupRobot, Organisation, OrgKind, OutboundMessage
from services.actors import Actor
from services.errors import Conflict, PermissionDenied, ValidationError
from services.text import as_written


def listed(
    session: Session,
    within: Callable[[Organisation], bool],
    *,
    enabled_only: bool = False,
) -> list[tuple[GroupRobot, Organisation]]:
    """The robots of the organisations ``within`` accepts (a console scope's ``covers``), with
    their organisation, in registration order."""
    stmt = select(GroupRobot, Organisation).join(Organisation, Organisation.id == GroupRobot.org_id)
    if enabled_only:
        stmt = stmt.where(GroupRobot.enabled.is_(True))
    rows = session.execute(stmt.order_by(GroupRobot.id)).tuples().all()
    return [(robot, org) for robot, org in rows if within(org)]


ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]{0,99}$")


def add(
    session: Session, actor: Actor, org: Organisation, name: str, webhook_env: str
) -> GroupRobot:
    """Register a robot for a branch or township the actor manages (the caller commits)."""
    if not actor.manages(org):
        raise PermissionDenied("只有本支部书记或街镇管理员可以登记群机器人")
    if org.kind not in (OrgKind.BRANCH.value, OrgKind.TOWNSHIP.value):
        raise ValidationError("org", "群机器人只能登记在党支部或街镇上")
    name = as_written(name)
    if not 1 <= len(name) <= 50:
        raise ValidationError("name", "请填写群名称（最多 50 个字），例如“东村党员群”")
    webhook_env = webhook_env.strip()
    if not ENV_NAME.match(webhook_env):
        raise ValidationError(
            "webhook_env",
            "请填写保存 webhook key 的环境变量名（大写字母、数字、下划线，例如 ROBOT_DONGCUN），"
            "不要填 key 本身",
        )
    taken = session.scalar(
        select(func.count())
        .select_from(GroupRobot)
        .where(GroupRobot.org_id == org.id, GroupRobot.webhook_env == webhook_env)
    )
    if taken:
        raise Conflict(f"{org.name}已登记过使用 {webhook_env} 的群机器人")
    robot = GroupRobot(org_id=org.id, name=name, webhook_env=webhook_env)
    session.add(robot)
    session.flush()
    return robot


def last_messages(session: Session, robot_ids: list[int]) -> dict[int, OutboundMessage]:
    """The newest outbox message of each robot (sent, failed or waiting)."""
    if not robot_ids:
        return {}
    newest = (
        select(func.max(OutboundMessage.id))
        .where(OutboundMessage.robot_id.in_(robot_ids))
        .group_by(OutboundMessage.robot_id)
    )
    return {
        m.robot_id: m
        for m in session.scalars(select(OutboundMessage).where(OutboundMessage.id.in_(newest)))
        if m.robot_id is not None
    }
