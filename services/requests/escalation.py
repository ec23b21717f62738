"""件件有回音: time limits that bite. A request not answered within ``first_answer_hours``, or
not resolved within ``resolve_days``, goes one level up per lapse (the member → the branch
secretary → the township's admins), with a message to the people at the level reached."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from infra.clock import now_utc
from models import Organisation, OrgKind, Request, Role
from services import timeline
from services.actors import SYSTEM, Actor, township_of
from services.errors import Conflict, PermissionDenied
from services.requests import notify
from services.requests.access import OPEN_STATUSES

RESOLVE_DAYS = 7


def deadline(req: Request, resolve_days: int = RESOLVE_DAYS) -> datetime:
    """The limit the request runs against now: its answer due time until answered, then the
    later of that and the resolution limit."""
    if req.first_answered_at is None:
        return req.due_at
    return max(req.due_at, req.created_at + timedelta(days=resolve_days))


def is_overdue(req: Request, now: datetime | None = None, resolve_days: int = RESOLVE_DAYS) -> bool:
    """Open and escalated, or open past its deadline (shown as ``overdue`` in every list)."""
    if req.status not in OPEN_STATUSES:
        return False
    now = now or now_utc()
    return req.escalation_level > 0 or deadline(req, resolve_days) < now


def _level_label(session: Session, req: Request, level: int) -> str:
    org = session.get_one(Organisation, req.org_id)
    if level == notify.LEVEL_SECRETARY:
        return f"{org.name}书记"
    township = township_of(session, org)
    return township.name if township else "街镇"


def escalate_overdue(
    session: Session,
    now: datetime | None = None,
    first_answer_hours: int = 48,
    resolve_days: int = RESOLVE_DAYS,
) -> list[Request]:
    """Lapsed requests go one level up, each with a timeline line naming the level reached and
    a message to the people there. Idempotent per (request, level): a request already at the
    township stays there, and a second run before the next lapse changes nothing."""
    now = now or now_utc()
    lapsed = list(
        session.scalars(
            select(Request)
            .where(
                Request.status.in_(OPEN_STATUSES),
                Request.escalation_level < notify.LEVEL_TOWNSHIP,
                Request.due_at < now,
                or_(
                    Request.first_answered_at.is_(None),
                    and_(
                        Request.first_answered_at.is_not(None),
                        Request.created_at < now - timedelta(days=resolve_days),
                    ),
                ),
            )
            .order_by(Request.id)
        )
    )
    for req in lapsed:
        org = session.get_one(Organisation, req.org_id)
        # A request at the township (no branch) skips the secretary level.
        step = 1 if org.kind == OrgKind.BRANCH.value else notify.LEVEL_TOWNSHIP
        req.escalation_level = min(req.escalation_level + step, notify.LEVEL_TOWNSHIP)
        req.escalated_at = now
        req.due_at = now + timedelta(hours=first_answer_hours)
        stage = "answer" if req.first_answered_at is None else "resolve"
        why = "超过答复时限未答复" if stage == "answer" else f"超过 {resolve_days} 天办结时限未办结"
        timeline.record(
            session,
            req,
            SYSTEM,
            "escalated",
            req.status,
            req.status,
            f"{why}，已上报至{_level_label(session, req, req.escalation_level)}",
        )
        notify.escalated(session, req, req.escalation_level, stage)
    return lapsed


def escalate_now(
    session: Session,
    actor: Actor,
    req: Request,
    now: datetime | None = None,
    first_answer_hours: int = 48,
) -> Request:
    """上报 at once from the console, without waiting for the limit: a secretary reports the
    request up to the township; township staff press the branch secretary first (督办), then
    it is the township's. The actor is on the timeline and the people at the level reached
    get a message. Only those who manage the request's organisation may."""
    now = now or now_utc()
    org = session.get_one(Organisation, req.org_id)
    if not actor.manages(org):
        raise PermissionDenied("只有本支部书记或街镇管理员可以上报这条诉求")
    if req.status not in OPEN_STATUSES:
        raise Conflict("这条诉求已经办结，不能上报")
    if req.escalation_level >= notify.LEVEL_TOWNSHIP:
        raise Conflict("这条诉求已经上报至街镇")
    if org.kind != OrgKind.BRANCH.value or not actor.has_role(Role.TOWNSHIP_ADMIN, org):
        level = notify.LEVEL_TOWNSHIP  # a secretary reports up to the township
    else:
        level = req.escalation_level + 1  # the township presses the branch (督办) first
    req.escalation_level = level
    req.escalated_at = now
    req.due_at = max(req.due_at, now + timedelta(hours=first_answer_hours))
    stage = "answer" if req.first_answered_at is None else "resolve"
    timeline.record(
        session,
        req,
        actor,
        "escalated",
        req.status,
        req.status,
        f"{actor.label}上报至{_level_label(session, req, req.escalation_level)}",
    )
    notify.escalated(session, req, req.escalation_level, stage)
    return req
