"""Editing the roster from the console (后台 → 党员): a member's details, deactivation (停用:
off the roster, history kept) and reactivation. A secretary edits their branch, a township
administrator the township. Each change is an ``org_event`` on the member's branch."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import Account, Member, Organisation, OrgKind
from services.actors import Actor
from services.errors import Conflict, PermissionDenied, ValidationError
from services.org import org_events
from services.org.phones import MOBILE_RE, normalise_phone
from services.org.staff import end_sessions_of
from services.text import as_written

EDITABLE = ("name", "phone", "duties", "speciality", "group_id")


def _require(session: Session, actor: Actor, member: Member) -> Organisation:
    branch = session.get_one(Organisation, member.org_id)
    if not actor.manages(branch):
        raise PermissionDenied("只有本支部书记或街镇管理员可以修改党员信息")
    return branch


def update(
    session: Session,
    actor: Actor,
    member: Member,
    *,
    name: str,
    phone: str,
    duties: str = "",
    speciality: str = "",
    group_id: int | None = None,
) -> list[str]:
    """Change a member's details; returns the labels of what changed (nothing: ``[]``)."""
    branch = _require(session, actor, member)
    name = as_written(name)
    if not 1 <= len(name) <= 50:
        raise ValidationError("name", "姓名不能为空，最多 50 个字")
    normalised = normalise_phone(phone)
    if not MOBILE_RE.match(normalised):
        raise ValidationError("phone", "手机号应为 11 位数字，例如 13907310001")
    taken = session.scalar(
        select(func.count())
        .select_from(Member)
        .where(Member.phone == normalised, Member.id != member.id)
    )
    if taken:
        raise Conflict(f"手机号 {normalised} 已是另一位党员的号码")
    duties, speciality = as_written(duties), as_written(speciality)
    if len(duties) > 100:
        raise ValidationError("duties", "职务最多 100 个字")
    if len(speciality) > 200:
        raise ValidationError("speciality", "特长最多 200 个字")
    if group_id is not None:
        group = session.get(Organisation, group_id)
        if group is None or group.kind != OrgKind.GROUP.value or group.parent_id != branch.id:
            raise ValidationError("group_id", f"请选择{branch.name}的党小组")
    new = {
        "name": name,
        "phone": normalised,
        "duties": duties,
        "speciality": speciality,
        "group_id": group_id,
    }
    labels = {
        "name": "姓名",
        "phone": "手机号",
        "duties": "职务",
        "speciality": "特长",
        "group_id": "党小组",
    }
    changed = [labels[k] for k, v in new.items() if getattr(member, k) != v]
    if not changed:
        return []
    for key, value in new.items():
        setattr(member, key, value)
    org_events.record(
        session,
        actor,
        branch,
        "member_updated",
        f"{member.name}：修改了{'、'.join(changed)}",
        member_id=member.id,
    )
    session.flush()
    return changed


def set_active(
    session: Session, actor: Actor, member: Member, active: bool, reason: str = ""
) -> bool:
    """停用 (off the roster; their console sessions end) or 恢复. Returns whether it changed."""
    branch = _require(session, actor, member)
    reason = as_written(reason)
    if not active and len(reason) < 2:
        raise ValidationError("reason", "停用时请写明原因，例如“组织关系转出”")
    if len(reason) > 200:
        raise ValidationError("reason", "原因最多 200 个字")
    if member.active == active:
        return False
    if not active and member.id == actor.member_id:
        raise Conflict("不能停用自己")
    member.active = active
    action = "member_reactivated" if active else "member_deactivated"
    note = f"{member.name}" + ("恢复到花名册" if active else f"停用：{reason}")
    org_events.record(session, actor, branch, action, note, member_id=member.id)
    if not active:
        for account_id in session.scalars(select(Account.id).where(Account.member_id == member.id)):
            end_sessions_of(session, account_id)
    session.flush()
    return True
