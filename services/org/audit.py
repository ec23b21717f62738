"""The console's audit trail (操作记录): every console action — who, when, what, from which
address and how it ended — as one ``staff_audit`` row, and the page that reads them back.

The console writes the row once per POST (``handlers.staff``: one hook for every form), in
the request's own transaction after the action committed or was refused.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from infra.clock import now_utc
from models import StaffAudit
from services.actors import Actor

# Form fields never written down: tokens, uploaded files and their inline copies.
SECRET_FIELDS = frozenset({"csrf_token", "file_data", "t", "token", "password"})
MAX_DETAIL = 2000
PAGE_SIZE = 50


def describe(fields: Iterable[tuple[str, str]]) -> str:
    """The form as ``key=value`` pairs, secrets left out, long values shortened."""
    parts = []
    for key, value in fields:
        if key in SECRET_FIELDS:
            continue
        value = value if len(value) <= 200 else value[:200] + "…"
        parts.append(f"{key}={value}")
    text = "; ".join(parts)
    return text if len(text) <= MAX_DETAIL else text[:MAX_DETAIL] + "…"


def record(
    session: Session,
    actor: Actor | None,
    action: str,
    target: str,
    detail: str,
    address: str,
    status: int,
    at: datetime | None = None,
) -> StaffAudit:
    """Write one audit row (the caller commits)."""
    row = StaffAudit(
        at=at or now_utc(),
        account_id=actor.account_id if actor else None,
        actor_name=(actor.label if actor else "未登录")[:50],
        action=action[:80],
        target=target[:200],
        detail=detail,
        address=(address or "")[:64],
        status=status,
    )
    session.add(row)
    session.flush()
    return row


@dataclass(frozen=True)
class Page:
    rows: list[StaffAudit]
    total: int
    page: int
    pages: int


def _query(q: str, action: str) -> Select[tuple[StaffAudit]]:
    stmt = select(StaffAudit)
    if action:
        stmt = stmt.where(StaffAudit.action == action)
    if q:
        like = f"%{q}%"
        stmt = stmt.where(
            or_(
                StaffAudit.actor_name.like(like),
                StaffAudit.target.like(like),
                StaffAudit.detail.like(like),
                StaffAudit.address.like(like),
            )
        )
    return stmt


def page(session: Session, *, q: str = "", action: str = "", number: int = 1) -> Page:
    """The newest rows first, ``PAGE_SIZE`` a page."""
    stmt = _query(q.strip(), action.strip())
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    number = min(max(number, 1), pages)
    rows = list(
        session.scalars(
            stmt.order_by(StaffAudit.at.desc(), StaffAudit.id.desc())
            .limit(PAGE_SIZE)
            .offset((number - 1) * PAGE_SIZE)
        )
    )
    return Page(rows, total, number, pages)


def actions(session: Session) -> list[str]:
    return list(session.scalars(select(StaffAudit.action).distinct().order_by(StaffAudit.action)))
