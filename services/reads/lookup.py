"""Loading what a public link names: a party organisation by code or id, a member by the code
on their QR card, a group's branch and the township. Unknown names are ``NotFound``."""

from __future__ import annotations

import re
from functools import cache

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session

from models import Member, Organisation, OrgKind
from services.errors import NotFound

CODE_RE = re.compile(r"^[A-Za-z0-9_-]{1,16}$")


def org_by_code(session: Session, code: str) -> Organisation:
    org = session.scalar(select(Organisation).where(Organisation.code == code))
    if org is None:
        raise NotFound("找不到这个党组织，请核对二维码或链接")
    return org


def org_by_id(session: Session, org_id: int) -> Organisation:
    org = session.get(Organisation, org_id)
    if org is None:
        raise NotFound("找不到这个村（社区）党组织")
    return org


def member_by_code(session: Session, public_code: str) -> Member:
    m = (
        session.scalar(
            select(Member).where(Member.public_code == public_code, Member.active.is_(True))
        )
        if CODE_RE.match(public_code or "")
        else None
    )
    if m is None:
        raise NotFound("找不到这位党员，请重新扫码")
    return m


def branch_of(session: Session, org: Organisation) -> Organisation:
    """A party group's page shows its branch."""
    if org.kind == OrgKind.GROUP.value and org.parent_id:
        return session.get_one(Organisation, org.parent_id)
    return org


def township_of(session: Session, code: str | None = None) -> Organisation | None:
    """The township named by ``code``, else the first one (a deployment usually has one)."""
    query = select(Organisation).where(Organisation.kind == OrgKind.TOWNSHIP.value)
    if code:
        query = query.where(Organisation.code == code)
    return session.scalar(query.order_by(Organisation.id))


def township_above(session: Session, org: Organisation) -> Organisation | None:
    """The township ``org`` belongs to (itself when it is one), read from its materialised path."""
    return session.scalar(_township_query(), {"ids": _path_ids(org.path, org.id)})


def township_id_above(session: Session, path: str, org_id: int) -> int | None:
    """``township_above``'s id, for an organisation read as columns (its path and id)."""
    found = session.scalar(_township_query(), {"ids": _path_ids(path, org_id)})
    return found.id if found is not None else None


def _path_ids(path: str, org_id: int) -> list[int]:
    return [int(x) for x in (path or "").strip("/").split("/") if x.isdigit()] or [org_id]


@cache
def _township_query() -> Select[tuple[Organisation]]:
    """Built once: every board and wall asks it."""
    return (
        select(Organisation)
        .where(
            Organisation.id.in_(bindparam("ids", expanding=True)),
            Organisation.kind == OrgKind.TOWNSHIP.value,
        )
        .order_by(Organisation.id)
    )


def orgs_query(kind: str) -> Select[tuple[Organisation]]:
    """The public list of organisations of one kind (branches by default), in display order."""
    return (
        select(Organisation)
        .where(Organisation.kind == kind)
        .order_by(Organisation.sort_order, Organisation.id)
    )


def active_members(session: Session, branch: Organisation) -> list[Member]:
    return list(
        session.scalars(
            select(Member)
            .where(Member.org_id == branch.id, Member.active.is_(True))
            .order_by(Member.group_id, Member.name, Member.id)
        )
    )


def members_for_sheet(session: Session, org: Organisation) -> list[Member]:
    return active_members(session, branch_of(session, org))
