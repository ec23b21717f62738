"""A member's public card (the QR code on the brick): their public commitments with progress,
their latest public logs (``reports.member_card_logs`` of them), satisfaction and points, and
the contact details the member agreed to show."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.orm import Session

from models import Commitment, FulfilmentLog, Member, Organisation
from services import evaluation
from services.commitments import cycle
from services.evaluation import points as points_service

from . import year_records
from .items import Item, LogView, item_of, log_views, public_logs_query
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
        return " ".join(x for x in (self.contact, self.phone) if x)


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
