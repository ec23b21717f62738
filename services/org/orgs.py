"""The organisation tree (组织架构): branches (党支部 / 党总支) of a type and their 党小组 under
the township; adding, renaming, moving and closing them. Nothing with history is deleted: a
closed organisation keeps its members' past, and every change is an ``org_event`` (who, when,
what; ``org_events``). Roles held in the tree live in ``roles``.

Only a township administrator over the organisation (or the system: CLI, imports) may change it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from infra.clock import now_utc
from models import (
    BRANCH_FORMS,
    ORG_TYPES,
    Member,
    Organisation,
    OrgKind,
    RoleGrant,
)
from services.actors import Actor
from services.errors import Conflict, NotFound, ValidationError
from services.org import roles
from services.org.org_events import record
from services.org.org_events import require as _require

CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9\-_]{0,31}$")


@dataclass(frozen=True)
class Node:
    """One organisation of the tree as the console lists it (depth 0 = the township)."""

    org: Organisation
    depth: int
    members: int


# -- reading ------------------------------------------------------------------------------


def get(session: Session, org_id: int) -> Organisation:
    org = session.get(Organisation, org_id)
    if org is None:
        raise NotFound(f"没有编号为 {org_id} 的组织")
    return org


def tree(session: Session, township: Organisation) -> list[Node]:
    """The township and everything under it, parents before children, with active members."""
    orgs = list(
        session.scalars(
            select(Organisation)
            .where(Organisation.path.like(f"{township.path}%"))
            .order_by(Organisation.sort_order, Organisation.id)
        )
    )
    counts: dict[int, int] = {}
    for org_id, group_id, n in session.execute(
        select(Member.org_id, Member.group_id, func.count(Member.id))
        .where(Member.active.is_(True))
        .group_by(Member.org_id, Member.group_id)
    ):
        counts[org_id] = counts.get(org_id, 0) + n
        if group_id:
            counts[group_id] = counts.get(group_id, 0) + n
    children: dict[int | None, list[Organisation]] = {}
    for org in orgs:
        children.setdefault(org.parent_id, []).append(org)
    out: list[Node] = []

    def walk(org: Organisation, depth: int) -> None:
        out.append(Node(org, depth, counts.get(org.id, 0)))
        for child in children.get(org.id, []):
            walk(child, depth + 1)

    walk(township, 0)
    return out


# -- changing the tree ----------------------------------------------------------------------


def check_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError("name", "请填写组织名称")
    if len(name) > 100:
        raise ValidationError("name", f"名称太长（{len(name)} 个字），最多 100 个字")
    return name


def check_parent(kind: str, parent: Organisation) -> None:
    """A branch sits under the township or a 党总支; a 党小组 under a branch."""
    if parent.closed_at is not None:
        raise Conflict(f"{parent.name}已撤销，不能在其下设组织")
    if kind == OrgKind.BRANCH.value:
        if parent.kind == OrgKind.TOWNSHIP.value:
            return
        if parent.kind == OrgKind.BRANCH.value and parent.form == "党总支":
            return
        raise ValidationError("parent", "党支部、党总支的上级应为乡镇或党总支")
    if kind == OrgKind.GROUP.value:
        if parent.kind != OrgKind.BRANCH.value:
            raise ValidationError("parent", "党小组的上级应为党支部")
        return
    raise ValidationError("kind", "只能新建党支部、党总支或党小组")


def _check_type(form: str, org_type: str) -> None:
    if form not in BRANCH_FORMS:
        raise ValidationError("form", "请选择 党支部 或 党总支")
    if org_type not in ORG_TYPES:
        raise ValidationError("org_type", "支部类型请选择：" + "、".join(ORG_TYPES))


def _sibling_named(session: Session, parent: Organisation, name: str) -> Organisation | None:
    return session.scalar(
        select(Organisation).where(
            Organisation.parent_id == parent.id,
            Organisation.name == name,
            Organisation.closed_at.is_(None),
        )
    )


def next_code(session: Session, kind: str, parent: Organisation) -> str:
    """``branch-N`` for branches, ``<branch code>-gN`` for 党小组: the first free number."""
    prefix = "branch-" if kind == OrgKind.BRANCH.value else f"{parent.code[:24]}-g"
    taken = set(
        session.scalars(select(Organisation.code).where(Organisation.code.like(f"{prefix}%")))
    )
    n = 1
    while f"{prefix}{n}" in taken:
        n += 1
    return f"{prefix}{n}"


def check_code(session: Session, code: str) -> str:
    code = code.strip()
    if not CODE_RE.match(code):
        raise ValidationError("code", "编码只能用字母、数字和 - _，最多 32 个字符，如 branch-1")
    if session.scalar(select(Organisation.id).where(Organisation.code == code)) is not None:
        raise Conflict(f"编码 {code} 已被使用，请换一个")
    return code


def add(
    session: Session,
    actor: Actor,
    parent: Organisation,
    name: str,
    *,
    kind: str,
    form: str = "",
    org_type: str = "",
    code: str = "",
) -> Organisation:
    """A new 党支部 / 党总支 (with its type) or 党小组 under ``parent``."""
    _require(actor, parent)
    name = check_name(name)
    check_parent(kind, parent)
    if kind == OrgKind.BRANCH.value:
        _check_type(form, org_type)
    else:
        form, org_type = "", ""
    if _sibling_named(session, parent, name) is not None:
        raise Conflict(f"{parent.name}下已有“{name}”")
    code = check_code(session, code) if code.strip() else next_code(session, kind, parent)
    siblings = session.scalar(
        select(func.count(Organisation.id)).where(Organisation.parent_id == parent.id)
    )
    org = Organisation(
        kind=kind,
        name=name,
        code=code,
        parent_id=parent.id,
        form=form,
        org_type=org_type,
        sort_order=(siblings or 0) + 1,
    )
    session.add(org)
    session.flush()
    org.path = f"{parent.path}{org.id}/"
    label = form or "党小组"
    record(session, actor, org, "created", f"{label}（{org_type}）" if org_type else label)
    session.flush()
    return org


def edit(
    session: Session,
    actor: Actor,
    org: Organisation,
    *,
    name: str | None = None,
    form: str | None = None,
    org_type: str | None = None,
) -> list[str]:
    """Rename a branch or 党小组, or change a branch's form or type. Returns what changed."""
    _require(actor, org)
    if org.kind not in (OrgKind.BRANCH.value, OrgKind.GROUP.value, OrgKind.TOWNSHIP.value):
        raise ValidationError("org", "只能修改乡镇、党支部和党小组")
    changed: list[str] = []
    if name is not None:
        name = check_name(name)
        if name != org.name:
            if org.parent is not None:
                other = _sibling_named(session, org.parent, name)
                if other is not None and other.id != org.id:
                    raise Conflict(f"{org.parent.name}下已有“{name}”")
            record(session, actor, org, "renamed", f"“{org.name}” → “{name}”")
            org.name = name
            changed.append("name")
    if org.kind == OrgKind.BRANCH.value and (form is not None or org_type is not None):
        new_form = form if form is not None else org.form
        new_type = org_type if org_type is not None else org.org_type
        _check_type(new_form, new_type)
        if new_form == "党支部" and org.form == "党总支" and _open_children(session, org, "branch"):
            raise Conflict("该党总支下还有党支部，不能改为党支部")
        if (new_form, new_type) != (org.form, org.org_type):
            record(
                session,
                actor,
                org,
                "retyped",
                f"{org.form or '—'}（{org.org_type or '—'}） → {new_form}（{new_type}）",
            )
            org.form, org.org_type = new_form, new_type
            changed.append("type")
    session.flush()
    return changed


def _open_children(session: Session, org: Organisation, kind: str) -> int:
    return int(
        session.scalar(
            select(func.count(Organisation.id)).where(
                Organisation.parent_id == org.id,
                Organisation.kind == kind,
                Organisation.closed_at.is_(None),
            )
        )
        or 0
    )


def _active_members(session: Session, org: Organisation) -> int:
    col = Member.group_id if org.kind == OrgKind.GROUP.value else Member.org_id
    return int(
        session.scalar(select(func.count(Member.id)).where(col == org.id, Member.active.is_(True)))
        or 0
    )


def move(session: Session, actor: Actor, org: Organisation, parent: Organisation) -> None:
    """Put a branch under another 党总支 or the township, or a 党小组 under another branch.

    A 党小组 with active members moves only when empty (its members belong to its branch:
    move them in the roster first)."""
    _require(actor, org)
    _require(actor, parent)
    if org.kind not in (OrgKind.BRANCH.value, OrgKind.GROUP.value):
        raise ValidationError("org", "只能调整党支部、党总支和党小组的上级")
    if parent.id == org.parent_id:
        return
    if parent.path.startswith(org.path):
        raise ValidationError("parent", "不能把组织移到它自己或它的下级下面")
    check_parent(org.kind, parent)
    if org.kind == OrgKind.GROUP.value and _active_members(session, org):
        raise Conflict(
            f"{org.name}还有 {_active_members(session, org)} 名党员：请先在花名册中把他们调到新支部，"
            "或在新支部下新建党小组"
        )
    if _sibling_named(session, parent, org.name) is not None:
        raise Conflict(f"{parent.name}下已有“{org.name}”")
    old_parent = org.parent
    old_path, new_path = org.path, f"{parent.path}{org.id}/"
    record(
        session,
        actor,
        org,
        "moved",
        f"{old_parent.name if old_parent else '—'} → {parent.name}",
    )
    session.execute(
        update(Organisation)
        .where(Organisation.path.like(f"{old_path}%"))
        .values(path=func.replace(Organisation.path, old_path, new_path))
        .execution_options(synchronize_session=False)
    )
    org.parent_id = parent.id
    session.flush()
    session.expire_all()


def close(session: Session, actor: Actor, org: Organisation, reason: str = "") -> None:
    """撤销 a branch or 党小组: it stays with its history, but takes no new members or groups.
    Refused while it still has active members or open organisations under it."""
    _require(actor, org)
    if org.kind not in (OrgKind.BRANCH.value, OrgKind.GROUP.value):
        raise ValidationError("org", "只能撤销党支部、党总支和党小组")
    if org.closed_at is not None:
        return
    members = _active_members(session, org)
    if members:
        raise Conflict(f"{org.name}还有 {members} 名党员：请先在花名册中调走或停用，再撤销")
    below = _open_children(session, org, OrgKind.BRANCH.value) + _open_children(
        session, org, OrgKind.GROUP.value
    )
    if below:
        raise Conflict(f"{org.name}下还有 {below} 个未撤销的组织：请先撤销或调走")
    org.closed_at = now_utc()
    for grant in session.scalars(select(RoleGrant).where(RoleGrant.org_id == org.id)):
        roles.revoke(session, actor, grant, "组织撤销")
    record(session, actor, org, "closed", reason.strip()[:200])
    session.flush()
