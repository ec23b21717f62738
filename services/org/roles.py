"""Roles in the tree (职务): 书记, 副书记, 组织委员 over a branch and 党小组长 over a 党小组,
granted and revoked by a township administrator (and by the roster's 职务 column), each an
``org_event``. A revoked grant's row is gone; its events stay."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Account, Member, Organisation, OrgKind, Role, RoleGrant
from services.actors import Actor
from services.errors import Conflict, NotFound, PermissionDenied, ValidationError
from services.org.org_events import record
from services.org.org_events import require as _require

# Roles granted in the console, the kind of organisation each is held over, and its name.
ROLE_LABELS = {
    Role.SECRETARY.value: "书记",
    Role.DEPUTY_SECRETARY.value: "副书记",
    Role.ORGANISER.value: "组织委员",
    Role.GROUP_LEADER.value: "党小组长",
}
ROLE_KIND = {
    Role.SECRETARY.value: OrgKind.BRANCH.value,
    Role.DEPUTY_SECRETARY.value: OrgKind.BRANCH.value,
    Role.ORGANISER.value: OrgKind.BRANCH.value,
    Role.GROUP_LEADER.value: OrgKind.GROUP.value,
}


def grants(session: Session, township: Organisation) -> list[tuple[RoleGrant, Member]]:
    """The console roles (书记 … 党小组长) held by roster members in the township."""
    rows = session.execute(
        select(RoleGrant, Member)
        .join(Member, Member.id == RoleGrant.member_id)
        .join(Organisation, Organisation.id == RoleGrant.org_id)
        .where(Organisation.path.like(f"{township.path}%"), RoleGrant.role.in_(list(ROLE_LABELS)))
        .order_by(Organisation.path, RoleGrant.role, Member.name)
    ).all()
    return [(g, m) for g, m in rows]


def grant_role(
    session: Session, actor: Actor, member: Member, role: str, org: Organisation
) -> RoleGrant | None:
    """Grant 书记 / 副书记 / 组织委员 over a branch or 党小组长 over a 党小组 to a member of it.
    Returns ``None`` when the member already holds it (nothing changes)."""
    _require(actor, org)
    if role not in ROLE_LABELS:
        raise ValidationError("role", "职务请选择：" + "、".join(ROLE_LABELS.values()))
    if org.kind != ROLE_KIND[role]:
        where = "党小组" if ROLE_KIND[role] == OrgKind.GROUP.value else "党支部或党总支"
        raise ValidationError("org", f"{ROLE_LABELS[role]}应授予在{where}上")
    if org.closed_at is not None:
        raise Conflict(f"{org.name}已撤销")
    if not member.active:
        raise Conflict(f"{member.name}已不在花名册中（已停用）")
    inside = member.group_id == org.id if org.kind == OrgKind.GROUP.value else False
    inside = inside or member.org_id == org.id
    if not inside:
        raise ValidationError("member", f"{member.name}不是{org.name}的党员")
    existing = session.scalar(
        select(RoleGrant).where(
            RoleGrant.member_id == member.id, RoleGrant.role == role, RoleGrant.org_id == org.id
        )
    )
    if existing is not None:
        return None
    grant = RoleGrant(member_id=member.id, role=role, org_id=org.id)
    session.add(grant)
    record(
        session,
        actor,
        org,
        "role_granted",
        f"{member.name}任{ROLE_LABELS[role]}",
        role=role,
        member_id=member.id,
    )
    session.flush()
    return grant


def revoke_role(session: Session, actor: Actor, grant_id: int, reason: str = "") -> RoleGrant:
    grant = session.get(RoleGrant, grant_id)
    if grant is None:
        raise NotFound("没有这项职务（可能已撤销）")
    _require(actor, grant.org)
    if grant.role not in ROLE_LABELS:
        raise PermissionDenied("这项权限不在这里管理")
    revoke(session, actor, grant, reason)
    session.flush()
    return grant


def revoke(session: Session, actor: Actor, grant: RoleGrant, reason: str) -> None:
    who = ""
    if grant.member_id:
        member = session.get(Member, grant.member_id)
        who = member.name if member else ""
    elif grant.account_id:
        account = session.get(Account, grant.account_id)
        who = (account.name or account.nickname) if account else ""
    label = ROLE_LABELS.get(grant.role, grant.role)
    note = f"{who}不再任{label}" + (f"：{reason.strip()[:200]}" if reason.strip() else "")
    record(
        session,
        actor,
        grant.org,
        "role_revoked",
        note,
        role=grant.role,
        member_id=grant.member_id,
        account_id=grant.account_id,
    )
    session.delete(grant)
