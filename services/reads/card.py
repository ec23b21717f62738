"""A member's public card (the QR code on the brick): their public commitments with progress,
their latest public logs (``reports.member_card_logs`` of them), satisfaction and points, and
the contact details the member agreed to show."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from functools import cache, lru_cache
from typing import Any

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import Session

from models import Commitment, FulfilmentLog, Member, Organisation, Photo
from services import evaluation, progress, visibility
from services.commitments import cycle
from services.errors import NotFound
from services.evaluation import points as points_service
from services.progress_sql import core

from . import year_records
from .items import Item, LogView, item_of, log_view, log_views, public_logs_query
from .lookup import CODE_RE
from .wall import public_commitments


@dataclass
class MemberCard:
    member: Member
    branch: Organisation
    phone: str
    contact: str
    items: list[Item]
    logs: list[LogView]
    satisfaction: evaluation.Satisfaction
    points: int
    year: int | None = None  # a closed year shown under 往年; None: the current cycle
    past_years: list[int] = field(default_factory=list)

    @property
    def contact_line(self) -> str:
        """Contact text and phone (when shown) on one line."""
        return contact_line(self.contact, self.phone, True)


def member_card(
    session: Session, member: Member, on: date, n_logs: int, year: int | None = None
) -> MemberCard:
    """The card of the current cycle, or of one closed ``year`` as frozen at its close (往年:
    its commitments, their logs, and the points of that year)."""
    branch = session.get_one(Organisation, member.org_id)
    commitments = sorted(
        public_commitments(session, Commitment.member_id == member.id, year=year),
        key=lambda c: c.id,
    )
    prog = year_records.progress_of(session, commitments, on, year)
    log_query = public_logs_query(FulfilmentLog.member_id == member.id)
    log_query = log_query.where(
        cycle.current(session) if year is None else Commitment.cycle_year == year
    )
    logs = list(session.scalars(log_query.limit(max(0, n_logs))))
    frozen = year_records.records(session, year, year_records.MEMBER, [member.id]) if year else {}
    return MemberCard(
        member=member,
        branch=branch,
        # The member's own number, shown only when they agreed to (not a resident's).
        phone=member.phone if member.card_show_phone else "",
        contact=member.card_contact,
        items=[item_of(c, prog[c.id]) for c in commitments],
        logs=log_views(logs),
        satisfaction=evaluation.satisfaction_of_member(session, member),
        points=int(frozen[member.id]["points"])
        if member.id in frozen
        else points_service.index_of(session, member.id, year),
        year=year,
        past_years=year_records.past_years(session),
    )


# -- the card as the mini-program and a QR scan read it (issue 20) ----------------------------
# ``member_card`` above serves the web page (往年, satisfaction, points). The JSON card shows only
# the member, their current commitments with progress and their latest logs: three statements,
# built once, on the session's connection (Core rows, no ORM objects), instead of a dozen.


@dataclass(frozen=True)
class PublicCard:
    name: str
    public_code: str
    duties: str
    speciality: str
    photo_key: str | None
    branch_name: str
    contact_line: str
    items: list[Item]
    logs: list[LogView]


def contact_line(contact: str, phone: str | None, show_phone: bool) -> str:
    """Contact text and, when the member agreed to show it, their own number, on one line."""
    return " ".join(x for x in (contact, phone if show_phone else "") if x)


@cache
def _card_member() -> Select[Any]:
    m, o = Member, Organisation
    return (
        select(
            m.id,
            m.name,
            m.public_code,
            m.duties,
            m.speciality,
            m.photo_key,
            m.phone,
            m.card_show_phone,
            m.card_contact,
            o.name.label("branch_name"),
        )
        .join(o, o.id == m.org_id)
        .where(m.public_code == bindparam("code"), m.active.is_(True))
    )


CARD_COMMITMENT_COLUMNS = (
    Commitment.id,
    Commitment.title,
    Commitment.description,
    Commitment.category,
    Commitment.owner_kind,
    Commitment.member_id,
    Commitment.org_id,
    Commitment.partner_org_id,
    Commitment.target_quantity,
    Commitment.unit,
    Commitment.target_kind,
    Commitment.frequency,
    Commitment.start_date,
    Commitment.end_date,
    Commitment.beneficiary,
    Commitment.status,
    Commitment.content_status,
    Commitment.last_rejection_reason,
)


@cache
def _card_commitments() -> Select[Any]:
    """The member's current public commitments (``wall.public_commitments``' conditions), each
    with its logged quantity per day (a commitment without logs: one row with no day)."""
    c, log = Commitment, FulfilmentLog
    return (
        select(*CARD_COMMITMENT_COLUMNS, log.happened_on.label("day"), func.sum(log.quantity))
        .outerjoin(log, log.commitment_id == c.id)
        .where(
            *visibility.public_commitment(), cycle.current_sql(), c.member_id == bindparam("mid")
        )
        .group_by(c.id, log.happened_on)
        .order_by(c.id)
    )


@lru_cache(maxsize=4)
def _card_logs(n: int) -> Select[Any]:
    """The member's latest ``n`` public logs of the current cycle (``items.public_logs_query``'s
    conditions and order) with their commitment's title and unit, one row per photo."""
    log, c = FulfilmentLog, Commitment
    latest = (
        select(
            log.id,
            log.commitment_id,
            log.happened_on,
            log.created_at,
            log.quantity,
            log.note,
            log.verified_at,
            log.content_status,
            c.title,
            c.unit,
        )
        .join(c, c.id == log.commitment_id)
        .where(*visibility.public_log(), cycle.current_sql(), log.member_id == bindparam("mid"))
        .order_by(log.happened_on.desc(), log.id.desc())
        .limit(n)
        .subquery()
    )
    x = latest.c
    return (
        select(latest, Photo.id.label("photo_id"), Photo.storage_key, Photo.status)
        .outerjoin(Photo, Photo.log_id == x.id)
        .order_by(x.happened_on.desc(), x.id.desc())
    )


def public_card(session: Session, public_code: str, on: date, n_logs: int) -> PublicCard:
    """The card of the member with this public code (``lookup.member_by_code``'s rule) as it
    stands on ``on``: what ``member_card`` gives of the current cycle."""
    conn = core(session)
    member = (
        conn.execute(_card_member(), {"code": public_code}).first()
        if CODE_RE.match(public_code or "")
        else None
    )
    if member is None:
        raise NotFound("找不到这位党员，请重新扫码")
    rows: dict[int, Any] = {}
    sums: dict[int, list[tuple[date, int]]] = defaultdict(list)
    for r in conn.execute(_card_commitments(), {"mid": member.id}):
        rows.setdefault(r.id, r)
        if r.day is not None:
            sums[r.id].append((r.day, int(r[-1])))
    items = [
        item_of(c, progress.compute(progress.Target.of(c), sums.get(cid, ()), on))
        for cid, c in rows.items()
    ]
    logs: dict[int, tuple[Any, list[tuple[int, str | None, str]]]] = {}
    for r in conn.execute(_card_logs(max(0, n_logs)), {"mid": member.id}):
        _row, photos = logs.setdefault(r.id, (r, []))
        if r.photo_id is not None:
            photos.append((r.photo_id, r.storage_key, r.status))
    return PublicCard(
        member.name,
        member.public_code,
        member.duties,
        member.speciality,
        member.photo_key,
        member.branch_name,
        contact_line(member.card_contact, member.phone, member.card_show_phone),
        items,
        [
            log_view(
                r.id,
                r.commitment_id,
                r.happened_on,
                r.created_at,
                r.title,
                r.quantity,
                r.unit,
                r.note,
                r.verified_at is not None,
                r.content_status,
                photos,
            )
            for r, photos in logs.values()
        ],
    )
