"""Model objects → plain dicts in the shapes of ``schemas`` (one place, so every route
shows the same fields and none that leak a resident's identity)."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers.context import settings
from infra.clock import local_date
from models import (
    Account,
    Commitment,
    FulfilmentLog,
    Household,
    Member,
    Organisation,
    Photo,
    Request,
    TimelineEntry,
)
from services import commitments as commitment_service
from services import progress as progress_service
from services import requests as request_service
from services import visibility
from services.actors import Actor
from services.commitments import quantify
from services.fulfilment.photos import photo_url
from services.org import households
from services.timeline import ACTION_LABELS

PUBLIC_CONTENT = visibility.PUBLIC_CONTENT  # the one rule lives in services.visibility


def member_names(session: Session, member_ids: Collection[int]) -> dict[int, str]:
    """Member id → name for many members in one query (none when there are no ids)."""
    if not member_ids:
        return {}
    rows = session.execute(select(Member.id, Member.name).where(Member.id.in_(member_ids)))
    return dict(rows.tuples().all())


def progress_map(
    session: Session, items: Sequence[Commitment]
) -> dict[int, progress_service.Progress]:
    return progress_service.progress_of(session, list(items), local_date())


def _names(session: Session, items: Sequence[Commitment]) -> tuple[dict[int, str], dict[int, str]]:
    org_ids = {c.org_id for c in items}
    member_ids = {c.member_id for c in items if c.member_id}
    orgs = (
        dict(
            session.execute(
                select(Organisation.id, Organisation.name).where(Organisation.id.in_(org_ids))
            )
            .tuples()
            .all()
        )
        if org_ids
        else {}
    )
    members = member_names(session, member_ids)
    return orgs, members


def commitments(session: Session, items: Sequence[Commitment]) -> list[dict[str, Any]]:
    """Many commitments with progress, in a constant number of queries."""
    progress = progress_map(session, items)
    orgs, members = _names(session, items)
    return [
        commitment_body(
            c,
            progress[c.id],
            orgs.get(c.org_id, ""),
            members.get(c.member_id) if c.member_id else None,
        )
        for c in items
    ]


def commitment(session: Session, c: Commitment) -> dict[str, Any]:
    return commitments(session, [c])[0]


def commitment_body(
    c: Commitment,
    p: progress_service.Progress,
    org_name: str,
    member_name: str | None,
    text: Mapping[str, str | None] | None = None,
) -> dict[str, Any]:
    """``CommitmentSchema``'s shape; ``text`` replaces the free-text fields (the public read
    model passes its masked title, description, beneficiary, target label, rejection reason)."""
    body = {
        "id": c.id,
        "title": c.title,
        "description": c.description,
        "category": c.category,
        "owner_kind": c.owner_kind,
        "member_id": c.member_id,
        "member_name": member_name,
        "org_id": c.org_id,
        "org_name": org_name,
        "partner_org_id": c.partner_org_id,
        "target_quantity": c.target_quantity,
        "unit": c.unit,
        "target_kind": c.target_kind,
        "frequency": c.frequency,
        "target_label": quantify.describe_target(
            c.target_kind, c.target_quantity, c.unit, c.frequency, c.end_date
        ),
        "start_date": c.start_date,
        "end_date": c.end_date,
        "beneficiary": c.beneficiary,
        "status": c.status,
        "status_label": commitment_service.STATUS_LABELS.get(c.status, c.status),
        "content_status": c.content_status,
        "last_rejection_reason": c.last_rejection_reason,
        "progress": p.as_dict(),
    }
    body.update(text or {})
    return body


def timeline(entries: Sequence[TimelineEntry]) -> list[dict[str, Any]]:
    return [
        {
            "at": e.created_at,
            "actor": e.actor_label or "系统",
            "action": e.action,
            "label": ACTION_LABELS.get(e.action, e.action),
            "note": e.note,
        }
        for e in entries
    ]


def photos_of(
    session: Session, *, log_ids: Sequence[int] = (), request_ids: Sequence[int] = ()
) -> dict[tuple[str, int], list[dict[str, Any]]]:
    out: dict[tuple[str, int], list[dict[str, Any]]] = {}
    if log_ids:
        for p in session.scalars(
            select(Photo).where(Photo.log_id.in_(list(log_ids))).order_by(Photo.id)
        ):
            out.setdefault(("log", p.log_id or 0), []).append({"id": p.id, "url": photo_url(p)})
    if request_ids:
        for p in session.scalars(
            select(Photo).where(Photo.request_id.in_(list(request_ids))).order_by(Photo.id)
        ):
            out.setdefault(("request", p.request_id or 0), []).append(
                {"id": p.id, "url": photo_url(p)}
            )
    return out


def logs(session: Session, items: Sequence[FulfilmentLog]) -> list[dict[str, Any]]:
    photos = photos_of(session, log_ids=[e.id for e in items])
    return [
        {
            "id": e.id,
            "commitment_id": e.commitment_id,
            "quantity": e.quantity,
            "note": e.note,
            "happened_on": e.happened_on,
            "photos": photos.get(("log", e.id), []),
            "content_status": e.content_status,
            "verified": e.verified_at is not None,
            "created_at": e.created_at,
        }
        for e in items
    ]


def logs_to_verify(session: Session, items: Sequence[FulfilmentLog]) -> list[dict[str, Any]]:
    """Queue items for 核实: each log plus who logged it and what it fulfils (constant queries)."""
    base = logs(session, items)
    commitment_ids = {e.commitment_id for e in items}
    rows = (
        session.execute(
            select(Commitment.id, Commitment.title, Commitment.unit, Organisation.name)
            .join(Organisation, Organisation.id == Commitment.org_id)
            .where(Commitment.id.in_(commitment_ids))
        )
        .tuples()
        .all()
        if commitment_ids
        else []
    )
    about = {cid: (title, unit, org_name) for cid, title, unit, org_name in rows}
    member_ids = {e.member_id for e in items if e.member_id}
    names = member_names(session, member_ids)
    out = []
    for e, body in zip(items, base, strict=True):
        title, unit, org_name = about.get(e.commitment_id, ("", "", ""))
        body.update(
            member_name=names.get(e.member_id) if e.member_id else None,
            commitment_title=title,
            unit=unit,
            org_name=org_name,
        )
        out.append(body)
    return out


def request_can(
    session: Session, actor: Actor, req: Request, member: Member | None = None
) -> dict[str, bool]:
    """What the caller may do with ``req``; ``member`` is the caller's, if already loaded."""
    window = settings().requests.reopen_window_days
    caps = request_service.capabilities(
        session, actor, req, member=member, reopen_window_days=window
    )
    return caps.as_dict()


def requests(session: Session, actor: Actor, items: Sequence[Request]) -> list[dict[str, Any]]:
    photos = photos_of(session, request_ids=[r.id for r in items])
    # Keep the loaded organisations (and the caller's member) referenced while request_can
    # runs: the identity map is weak, so can_handle's session.get would otherwise query
    # each organisation again, once per item.
    loaded_orgs = (
        list(
            session.scalars(
                select(Organisation).where(Organisation.id.in_({r.org_id for r in items}))
            )
        )
        if items
        else []
    )
    orgs = {o.id: o.name for o in loaded_orgs}
    member = session.get(Member, actor.member_id) if items and actor.member_id else None
    assignee_ids = {r.assignee_member_id for r in items if r.assignee_member_id}
    names = member_names(session, assignee_ids)
    resolve_days = settings().requests.resolve_days
    return [
        {
            "id": r.id,
            "number": r.number,
            "kind": r.kind,
            "kind_label": request_service.KIND_LABELS.get(r.kind, r.kind),
            "text": r.text,
            "location": r.location,
            "status": r.status,
            "status_label": request_service.STATUS_LABELS.get(r.status, r.status),
            "resolution": r.resolution,
            "resolution_note": r.resolution_note,
            "assignee": {"name": names[r.assignee_member_id]}
            if r.assignee_member_id in names
            else None,
            "org_name": orgs.get(r.org_id, ""),
            "due_at": r.due_at,
            "overdue": request_service.is_overdue(r, resolve_days=resolve_days),
            "escalation_level": r.escalation_level,
            "created_at": r.created_at,
            "rating": r.rating,
            "photos": photos.get(("request", r.id), []),
            "can": request_can(session, actor, r, member),
        }
        for r in items
    ]


def demands(session: Session, items: Sequence[Request]) -> list[dict[str, Any]]:
    assignee_ids = {r.assignee_member_id for r in items if r.assignee_member_id}
    names = member_names(session, assignee_ids)
    resolve_days = settings().requests.resolve_days
    return [
        {
            "id": r.id,
            "number": r.number,
            "kind": r.kind,
            "kind_label": request_service.KIND_LABELS.get(r.kind, r.kind),
            "text": r.text,
            "location": r.location,
            "status": r.status,
            "assignee": {"name": names[r.assignee_member_id]}
            if r.assignee_member_id in names
            else None,
            "overdue": request_service.is_overdue(r, resolve_days=resolve_days),
            "created_at": r.created_at,
        }
        for r in items
    ]


def me(session: Session, account: Account, actor: Actor, demo: bool) -> dict[str, Any]:
    member_data = None
    if account.member_id:
        member = session.get_one(Member, account.member_id)
        org = session.get_one(Organisation, member.org_id)
        member_data = {
            "id": member.id,
            "name": member.name,
            "org_id": org.id,
            "org_name": org.name,
            "public_code": member.public_code,
        }
    household_data = None
    if account.household_id:
        hh = session.get_one(Household, account.household_id)
        household_data = {
            "id": hh.id,
            "address": hh.address,  # the resident's own household
            "org_id": hh.org_id,
            "org_name": session.get_one(Organisation, hh.org_id).name,
            "linked_via": account.household_linked_via,
            "consent_at": account.household_consent_at,
            "linked_members": [m.name for m in households.linked_members(session, hh)],
        }
    return {
        "id": account.id,
        "name": actor.name or account.nickname or "微信用户",
        "member": member_data,
        "household": household_data,
        "roles": [
            {"role": g.role, "org_id": g.org_id, "org_name": g.org_name} for g in actor.grants
        ],
        "demo": demo,
    }


def org(session: Session, o: Organisation, parent: Organisation | None = None) -> dict[str, Any]:
    """One organisation; ``parent``: its parent when the caller has it loaded (no query)."""
    if parent is not None and parent.id == o.parent_id:
        return orgs(session, [o], {parent.id: parent.name})[0]
    return orgs(session, [o])[0]


def orgs(
    session: Session, items: Sequence[Organisation], known: dict[int, str] | None = None
) -> list[dict[str, Any]]:
    """Organisations with their parent's name, in one query for all parents (none for the
    parents in ``known``, id → name)."""
    known = known or {}
    parent_ids = {o.parent_id for o in items if o.parent_id and o.parent_id not in known}
    parents = known | (
        dict(
            session.execute(
                select(Organisation.id, Organisation.name).where(Organisation.id.in_(parent_ids))
            )
            .tuples()
            .all()
        )
        if parent_ids
        else {}
    )
    return [
        org_head(o.id, o.name, o.kind, o.code, parents.get(o.parent_id) if o.parent_id else None)
        for o in items
    ]


def org_head(
    org_id: int, name: str, kind: str, code: str, parent_name: str | None
) -> dict[str, Any]:
    """``OrgSchema``'s shape."""
    return {"id": org_id, "name": name, "kind": kind, "code": code, "parent_name": parent_name}
