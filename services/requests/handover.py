"""Who takes a request: claiming an unassigned one, and transferring a held one.

A request held by a member (assigned to them, claimed or in progress) never changes hands by
a claim: the member responsible, the branch's secretary or the township transfers it, to
another member or back to the branch's list, and the transfer is on the timeline.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import or_, update
from sqlalchemy.orm import Session

from infra.clock import now_utc
from models import Member, Organisation, OrgKind, Request, RequestStatus
from services import timeline
from services.actors import Actor
from services.commitments import quantify
from services.errors import Conflict, PermissionDenied, ValidationError
from services.requests import notify
from services.requests.access import (
    CLAIMABLE_STATUSES,
    held_by_other,
    is_assignee,
    may_claim,
)
from services.requests.cycle import _org, _require_open, answerer_label


def _refuse_claim(session: Session, actor: Actor, req: Request) -> None:
    """Why a claim cannot go ahead now (the request as it is in the database)."""
    _require_open(req)
    if held_by_other(actor, req):
        raise Conflict(
            f"这条诉求已由{answerer_label(session, req)}负责，不能认领；"
            "如需换人，请由负责的党员、支部书记或街镇管理员转交"
        )
    if req.status not in CLAIMABLE_STATUSES:
        raise Conflict("您已认领这条诉求，不用再认领")


def claim(session: Session, actor: Actor, req: Request) -> Request:
    """Take an unassigned request (or one assigned to the caller). One conditional UPDATE
    decides between simultaneous claims: the others get ``Conflict``, never a second claim."""
    if actor.member_id is None:
        raise PermissionDenied("只有党员可以认领诉求")
    member = session.get_one(Member, actor.member_id)
    if not may_claim(session, actor, req, member):
        raise PermissionDenied("只能认领本支部的诉求")
    _refuse_claim(session, actor, req)
    before = req.status
    taken = session.execute(
        update(Request)
        .where(
            Request.id == req.id,
            Request.status.in_(CLAIMABLE_STATUSES),
            or_(Request.assignee_member_id.is_(None), Request.assignee_member_id == member.id),
        )
        .values(assignee_member_id=member.id, status=RequestStatus.CLAIMED.value)
        .execution_options(synchronize_session=False)
    )
    session.refresh(req)
    if getattr(taken, "rowcount", 0) != 1:
        _refuse_claim(session, actor, req)
        raise Conflict("这条诉求刚刚有了变化，请刷新后再试")
    timeline.record(session, req, actor, "claimed", before, req.status, f"{member.name}认领")
    return req


def transfer(
    session: Session, actor: Actor, req: Request, member_id: int | None, reason: str = ""
) -> Request:
    """Hand an open request to another member of its branch (``member_id``), or back to the
    branch's list (``None``) where any member of the branch may claim it. The member
    responsible, the branch's secretary or the township may; it is on the timeline."""
    if not (is_assignee(actor, req) or actor.manages(_org(session, req))):
        raise PermissionDenied("只有负责的党员、支部书记或街镇管理员可以转交诉求")
    _require_open(req)
    reason = quantify.normalise(reason)
    if len(reason) > 500:
        raise ValidationError("reason", "转交说明最多 500 个字")
    before, previous = req.status, answerer_label(session, req)
    org = _org(session, req)
    if member_id is not None:
        member = session.get(Member, member_id)
        if member is None or member.org_id != req.org_id or not member.active:
            raise ValidationError("member_id", "只能转交给本支部的党员")
        if member.id == req.assignee_member_id:
            raise Conflict(f"这条诉求已由党员{member.name}负责")
        req.assignee_member_id = member.id
        note = f"由{previous}转交给党员{member.name}"
    else:
        if req.assignee_member_id is None:
            raise Conflict("这条诉求还没有人负责，本支部党员可以直接认领")
        req.assignee_member_id = None
        note = f"由{previous}转回{org.name}，本支部党员均可认领"
    req.status = (
        RequestStatus.ASSIGNED.value
        if org.kind == OrgKind.BRANCH.value or req.assignee_member_id
        else RequestStatus.SUBMITTED.value
    )
    timeline.record(
        session,
        req,
        actor,
        "transferred",
        before,
        req.status,
        note + (f"：{reason}" if reason else ""),
    )
    notify.assigned(session, req)
    return req


def dispatch(
    session: Session,
    actor: Actor,
    req: Request,
    branch: Organisation,
    first_answer_hours: int | None = None,
) -> Request:
    """派单: the township (or a 党总支) hands a request in its own inbox — a request whose
    organisation is not a branch, e.g. from a resident nobody could place — to one of the
    branches under it; the branch's members may then claim it. On the timeline.

    The branch gets a level it can escalate from: a request that had already gone up to the
    township arrives flagged at the secretary's level (still overdue; its next lapse reaches
    the township again), and with ``first_answer_hours`` a fresh limit from now if its own
    has run out."""
    org = _org(session, req)
    if not actor.manages(org):
        raise PermissionDenied("只有街镇管理员可以派单")
    _require_open(req)
    if org.kind == OrgKind.BRANCH.value:
        raise Conflict(f"这条诉求已在{org.name}办理，如需换人请转交")
    if (
        branch.kind != OrgKind.BRANCH.value
        or branch.closed_at is not None
        or not org.contains(branch)
        or branch.id == org.id
    ):
        raise ValidationError("branch", "只能派给本乡镇的村（社区）党支部")
    before = req.status
    req.org_id = branch.id
    req.assignee_member_id = None
    req.status = RequestStatus.ASSIGNED.value
    req.escalation_level = min(req.escalation_level, notify.LEVEL_SECRETARY)
    if first_answer_hours is not None:
        req.due_at = max(req.due_at, now_utc() + timedelta(hours=first_answer_hours))
    timeline.record(
        session, req, actor, "assigned", before, req.status, f"派单：由{org.name}派至{branch.name}"
    )
    notify.assigned(session, req)
    return req
