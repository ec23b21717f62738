"""Who may see and do what with a resident's request — the one rule every channel calls.

``may_*`` / ``can_handle`` / ``is_submitter`` answer "is this caller allowed at all";
``can_*`` answer "may this caller do it now" (allowed, and the request is in a state that
permits it). The cycle's functions enforce the first kind with their own messages; the API,
pages, bot and console show the second.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from infra.clock import local_text, now_utc
from models import Member, Organisation, Request, RequestStatus
from services.actors import Actor
from services.errors import Conflict, DomainError, NotFound, PermissionDenied

OPEN_STATUSES = (
    RequestStatus.SUBMITTED.value,
    RequestStatus.ASSIGNED.value,
    RequestStatus.CLAIMED.value,
    RequestStatus.IN_PROGRESS.value,
)
DONE_STATUSES = (RequestStatus.RESOLVED.value, RequestStatus.CONFIRMED.value)
MAX_ID = 2**63 - 1
NOT_FOUND = "找不到这条诉求"


def _org(session: Session, req: Request) -> Organisation:
    return session.get_one(Organisation, req.org_id)


def is_open(req: Request) -> bool:
    return req.status in OPEN_STATUSES


@dataclass(frozen=True)
class LinkHolder(Actor):
    """Whoever holds the signed private link of a request sent without an account (the
    找他办事 web form): they act as its submitter — confirm, reopen, rate — and nothing else."""

    request_id: int = 0


def link_holder(req: Request) -> LinkHolder | None:
    """The actor for the holder of ``req``'s private link (the caller checked the token);
    ``None`` for a request that belongs to an account (its submitter acts from their account)."""
    if req.submitter_account_id is not None:
        return None
    return LinkHolder(name="群众（本人链接）", request_id=req.id)


def is_submitter(actor: Actor | None, req: Request) -> bool:
    if isinstance(actor, LinkHolder):
        return req.submitter_account_id is None and actor.request_id == req.id
    return actor is not None and (
        actor.account_id is not None and req.submitter_account_id == actor.account_id
    )


def is_assignee(actor: Actor | None, req: Request) -> bool:
    return actor is not None and (
        actor.member_id is not None and req.assignee_member_id == actor.member_id
    )


def in_branch(
    session: Session, actor: Actor | None, req: Request, member: Member | None = None
) -> bool:
    """A member of the branch the request belongs to (``member``: the caller's, if loaded)."""
    if actor is None or actor.member_id is None:
        return False
    if member is None or member.id != actor.member_id:
        member = session.get(Member, actor.member_id)
    return member is not None and member.org_id == req.org_id


def can_view(session: Session, actor: Actor | None, req: Request) -> bool:
    """The submitter, the assigned member and the branch's managers; no other resident."""
    if actor is None:
        return False
    if actor.system or is_submitter(actor, req) or is_assignee(actor, req):
        return True
    return actor.manages(_org(session, req))


def can_handle(session: Session, actor: Actor | None, req: Request) -> bool:
    """Answer and resolve: the assigned member, the branch's managers."""
    if actor is None:
        return False
    return is_assignee(actor, req) or actor.manages(_org(session, req))


def may_claim(
    session: Session, actor: Actor | None, req: Request, member: Member | None = None
) -> bool:
    """A member of the request's branch, or a member who manages it."""
    if actor is None or actor.member_id is None:
        return False
    return in_branch(session, actor, req, member) or actor.manages(_org(session, req))


def held_by_other(actor: Actor | None, req: Request) -> bool:
    """Someone else is responsible for it (assigned to them, claimed or in progress with them).

    Only an unassigned request — on the branch's list, or handed back there by a transfer —
    can be claimed; a held one changes hands only by ``transfer``."""
    mine = actor.member_id if actor is not None else None
    return req.assignee_member_id is not None and req.assignee_member_id != mine


CLAIMABLE_STATUSES = (RequestStatus.SUBMITTED.value, RequestStatus.ASSIGNED.value)


def can_claim(
    session: Session, actor: Actor | None, req: Request, member: Member | None = None
) -> bool:
    """Unassigned and not yet taken (or assigned to the caller, not yet claimed), by a member
    of the request's branch or one who manages it."""
    return (
        req.status in CLAIMABLE_STATUSES
        and not held_by_other(actor, req)
        and may_claim(session, actor, req, member)
    )


def can_transfer(session: Session, actor: Actor | None, req: Request) -> bool:
    """Hand an open request to another member of its branch, or back to the branch's list:
    the member responsible for it, the branch's secretary or the township."""
    if actor is None or not is_open(req):
        return False
    return is_assignee(actor, req) or actor.manages(_org(session, req))


def can_reply(session: Session, actor: Actor | None, req: Request) -> bool:
    return is_open(req) and can_handle(session, actor, req)


def can_resolve(session: Session, actor: Actor | None, req: Request) -> bool:
    return is_open(req) and can_handle(session, actor, req)


def can_confirm(actor: Actor | None, req: Request) -> bool:
    """Resolved and not yet confirmed (a confirmed request is confirmed once)."""
    return req.status == RequestStatus.RESOLVED and is_submitter(actor, req)


def reopen_deadline(req: Request, window_days: int) -> datetime | None:
    """Until when the submitter may reopen a resolved or confirmed request: the window runs
    from the resolution (``requests.reopen_window_days``), confirmed or not."""
    if req.status not in DONE_STATUSES or req.resolved_at is None:
        return None
    return req.resolved_at + timedelta(days=window_days)


def reopen_expired(req: Request, window_days: int, now: datetime | None = None) -> bool:
    """Resolved longer ago than the window: too late to reopen (submit a new one)."""
    if req.resolved_at is None:
        return False
    return (now or now_utc()) - req.resolved_at > timedelta(days=window_days)


def can_reopen(
    actor: Actor | None, req: Request, window_days: int | None = None, now: datetime | None = None
) -> bool:
    """Resolved or confirmed, by the submitter; ``window_days`` given: also within the
    reopening window, which a confirmation does not extend nor close."""
    if req.status not in DONE_STATUSES or not is_submitter(actor, req):
        return False
    return window_days is None or not reopen_expired(req, window_days, now)


def confirm_refusal(
    actor: Actor | None, req: Request, window_days: int | None = None
) -> DomainError | None:
    """Why this caller may not confirm ``req`` now (``None``: they may). A request is
    confirmed once; with ``window_days`` the refusal of a second confirmation says until
    when it may still be reopened."""
    if not is_submitter(actor, req):
        return PermissionDenied("只有提出诉求的群众可以确认")
    if req.status == RequestStatus.CONFIRMED.value:
        hint = ""
        deadline = None if window_days is None else reopen_deadline(req, window_days)
        if deadline is not None and window_days is not None:
            if reopen_expired(req, window_days):
                hint = f"；办结已超过 {window_days} 天，问题如果又出现了，请重新反映"
            else:
                hint = (
                    f"；问题如果又出现了，{local_text(deadline)} 前"
                    f"（办结后 {window_days} 天内）还可以重新打开"
                )
        return Conflict(f"诉求 {req.number} 您已经确认解决了，不用再确认{hint}")
    if req.status != RequestStatus.RESOLVED.value:
        return Conflict("诉求还在办理中，办结后才能确认")
    return None


def reopen_refusal(actor: Actor | None, req: Request, window_days: int) -> DomainError | None:
    """Why this caller may not reopen ``req`` now (``None``: they may): a resolved request —
    also one the submitter confirmed — reopens within ``window_days`` of its resolution
    (``requests.reopen_window_days``); later, the refusal says when it was resolved."""
    if not is_submitter(actor, req):
        return PermissionDenied("只有提出诉求的群众可以重新打开")
    if req.status not in DONE_STATUSES:
        return Conflict("诉求还在办理中，不需要重新打开")
    if reopen_expired(req, window_days):
        confirmed = "您已确认解决，且" if req.status == RequestStatus.CONFIRMED.value else ""
        return Conflict(
            f"诉求 {req.number} {confirmed}办结已超过 {window_days} 天"
            f"（{local_text(req.resolved_at, '%Y-%m-%d')} 办结），不能重新打开；"
            "问题如果又出现了，请重新反映"
        )
    return None


def can_rate(actor: Actor | None, req: Request) -> bool:
    return req.status in DONE_STATUSES and is_submitter(actor, req)


def visible_to(session: Session, actor: Actor | None, req: Request) -> Request:
    """Load-or-404 for a reader: someone who may not see a request gets 'not found'."""
    if not can_view(session, actor, req):
        raise NotFound(NOT_FOUND)
    return req


def visible(
    session: Session, actor: Actor | None, request_id: int, *, for_claim: bool = False
) -> Request:
    """Load-or-404 by id. ``for_claim``: a member of the request's branch may also load it
    (it is on their branch's demand list) to claim it."""
    req = session.get(Request, request_id) if 1 <= request_id <= MAX_ID else None
    if req is None:
        raise NotFound(NOT_FOUND)
    if for_claim and in_branch(session, actor, req):
        return req
    return visible_to(session, actor, req)


@dataclass(frozen=True)
class Capabilities:
    """What the caller may do with a request now (for serialisers and pages)."""

    confirm: bool
    reopen: bool
    rate: bool
    claim: bool
    reply: bool
    resolve: bool

    def as_dict(self) -> dict[str, bool]:
        return asdict(self)


def capabilities(
    session: Session,
    actor: Actor | None,
    req: Request,
    *,
    member: Member | None = None,
    reopen_window_days: int | None = None,
) -> Capabilities:
    """``member`` is the caller's, if already loaded (saves a query per request)."""
    handler = can_handle(session, actor, req)
    return Capabilities(
        confirm=can_confirm(actor, req),
        reopen=can_reopen(actor, req, reopen_window_days),
        rate=can_rate(actor, req),
        claim=can_claim(session, actor, req, member),
        reply=handler and is_open(req),
        resolve=handler and is_open(req),
    )
