"""Who may log, change, verify and see 践诺 records — the one rule every channel calls.

``*_refusal`` functions return the domain error that explains a "no" (``None`` for yes):
the log functions raise it, the capability checks only test it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Select, or_, select, true
from sqlalchemy.orm import Session

from infra.clock import now_utc
from models import Commitment, CommitmentStatus, FulfilmentLog, Member, Organisation, OwnerKind
from services import visibility
from services.actors import Actor
from services.commitments import can_see, is_owner
from services.errors import Conflict, DomainError, NotFound, PermissionDenied

NOT_FOUND = "找不到这条践诺记录"


def may_log(session: Session, actor: Actor | None, c: Commitment) -> bool:
    """Own commitment; for a branch commitment, any member of that branch."""
    if actor is None:
        return False
    if actor.system:
        return True
    if actor.member_id is None:
        return False
    if c.owner_kind == OwnerKind.MEMBER:
        return c.member_id == actor.member_id
    member = session.get(Member, actor.member_id)
    return member is not None and member.org_id == c.org_id


def can_log(session: Session, actor: Actor | None, c: Commitment) -> bool:
    """Allowed, and the commitment is published (only published ones are fulfilled)."""
    return c.status == CommitmentStatus.PUBLISHED and may_log(session, actor, c)


def edit_refusal(
    actor: Actor | None, entry: FulfilmentLog, window_hours: int, now: datetime | None = None
) -> DomainError | None:
    """Why this caller may not edit or delete ``entry`` now (``None``: they may)."""
    if actor is not None and actor.system:
        return None
    if actor is None or entry.member_id is None or entry.member_id != actor.member_id:
        return PermissionDenied("只能修改自己记录的践诺")
    if entry.verified_at is not None:
        return Conflict("这条记录已经核实，不能再修改")
    if (now or now_utc()) - entry.created_at > timedelta(hours=window_hours):
        return Conflict(f"记录超过 {window_hours} 小时后不能修改，如有错误请联系支部书记")
    return None


def can_edit_log(
    actor: Actor | None, entry: FulfilmentLog, window_hours: int, now: datetime | None = None
) -> bool:
    return edit_refusal(actor, entry, window_hours, now) is None


def can_delete_log(
    actor: Actor | None, entry: FulfilmentLog, window_hours: int, now: datetime | None = None
) -> bool:
    return edit_refusal(actor, entry, window_hours, now) is None


def _manages(session: Session, actor: Actor, c: Commitment) -> bool:
    return actor.manages(session.get_one(Organisation, c.org_id))


def verify_refusal(
    session: Session, actor: Actor | None, entry: FulfilmentLog
) -> DomainError | None:
    """Why this caller may not verify ``entry`` (``None``: they may). Verifying twice is
    harmless, so an already verified log is not refused here."""
    c = session.get_one(Commitment, entry.commitment_id)
    if actor is None or not _manages(session, actor, c):
        return PermissionDenied("只有支部书记或街镇管理员可以核实践诺记录")
    if entry.member_id is not None and entry.member_id == actor.member_id:
        return PermissionDenied("不能核实自己的践诺记录")
    return None


def can_verify(session: Session, actor: Actor | None, entry: FulfilmentLog) -> bool:
    """May verify, and it is still waiting for 核实."""
    return entry.verified_at is None and verify_refusal(session, actor, entry) is None


def sees_held_logs(session: Session, actor: Actor | None, c: Commitment) -> bool:
    """Logs held back by the content check are shown to the commitment's owner and the
    branch's managers (who approve them), never to the public."""
    if actor is None:
        return False
    return actor.system or is_owner(actor, c) or _manages(session, actor, c)


def can_see_log(session: Session, actor: Actor | None, entry: FulfilmentLog) -> bool:
    c = session.get_one(Commitment, entry.commitment_id)
    if not can_see(session, actor, c):
        return False
    if visibility.content_is_public(entry.content_status):
        return True
    mine = actor is not None and actor.member_id is not None and entry.member_id == actor.member_id
    return mine or sees_held_logs(session, actor, c)


def log_visibility(session: Session, actor: Actor | None, c: Commitment) -> ColumnElement[bool]:
    """The SQL condition on ``FulfilmentLog`` matching ``can_see_log`` for one commitment
    the caller can see."""
    if sees_held_logs(session, actor, c):
        return true()
    public = FulfilmentLog.content_status.in_(visibility.PUBLIC_CONTENT)
    if actor is not None and actor.member_id is not None:
        return or_(public, FulfilmentLog.member_id == actor.member_id)
    return public


def visible_logs(
    session: Session, actor: Actor | None, c: Commitment
) -> Select[tuple[FulfilmentLog]]:
    """The logs of ``c`` this caller may see, newest first (a statement to paginate)."""
    return (
        select(FulfilmentLog)
        .where(FulfilmentLog.commitment_id == c.id, log_visibility(session, actor, c))
        .order_by(FulfilmentLog.happened_on.desc(), FulfilmentLog.id.desc())
    )


def visible_log(session: Session, actor: Actor | None, log_id: int) -> FulfilmentLog:
    """Load-or-404 for a reader: a log this caller may not see is 'not found'."""
    entry = session.get(FulfilmentLog, log_id) if 1 <= log_id <= 2**63 - 1 else None
    if entry is None or not can_see_log(session, actor, entry):
        raise NotFound(NOT_FOUND)
    return entry


@dataclass(frozen=True)
class LogCapabilities:
    edit: bool
    delete: bool
    verify: bool

    def as_dict(self) -> dict[str, bool]:
        return asdict(self)


def log_capabilities(
    session: Session, actor: Actor | None, entry: FulfilmentLog, window_hours: int
) -> LogCapabilities:
    editable = can_edit_log(actor, entry, window_hours)
    return LogCapabilities(edit=editable, delete=editable, verify=can_verify(session, actor, entry))
