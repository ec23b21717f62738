"""The organisation's timeline (``org_event``): who created, renamed, moved or closed an
organisation, or granted or revoked a role, and when; and who may change the tree."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from infra.clock import now_utc
from models import Organisation, OrgEvent, Role
from services.actors import Actor
from services.errors import PermissionDenied

ACTION_LABELS = {
    "created": "新建",
    "renamed": "改名",
    "retyped": "修改类型",
    "moved": "调整上级",
    "closed": "撤销（保留历史）",
    "role_granted": "授予职务",
    "role_revoked": "撤销职务",
    "member_updated": "修改党员信息",
    "member_deactivated": "停用党员",
    "member_reactivated": "恢复党员",
}


# -- who may ------------------------------------------------------------------------------


def may_manage(actor: Actor, org: Organisation) -> bool:
    return actor.has_role(Role.TOWNSHIP_ADMIN, org)


def require(actor: Actor, org: Organisation) -> None:
    if not may_manage(actor, org):
        raise PermissionDenied("只有街镇管理员可以调整组织架构和职务")


def record(
    session: Session,
    actor: Actor,
    org: Organisation,
    action: str,
    note: str = "",
    *,
    role: str | None = None,
    member_id: int | None = None,
    account_id: int | None = None,
) -> OrgEvent:
    event = OrgEvent(
        org_id=org.id,
        action=action,
        role=role,
        member_id=member_id,
        account_id=account_id,
        actor_account_id=actor.account_id,
        actor_label=actor.label[:50],
        note=note,
        created_at=now_utc(),
    )
    session.add(event)
    return event


def events(session: Session, township: Organisation, limit: int = 200) -> list[OrgEvent]:
    """The latest changes to the tree and its roles, newest first."""
    ids = select(Organisation.id).where(Organisation.path.like(f"{township.path}%"))
    return list(
        session.scalars(
            select(OrgEvent)
            .where(OrgEvent.org_id.in_(ids))
            .order_by(OrgEvent.id.desc())
            .limit(limit)
        )
    )
