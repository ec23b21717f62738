"""A member's public card (the QR code on the brick): their public commitments with progress,
their latest public logs (``reports.member_card_logs`` of them), satisfaction and points, and
the contact details the member agreed to show."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from models import Commitment, FulfilmentLog, Member, Organisation
from services import evaluation, progress
from services.evaluation import points as points_service

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

    @property
    def contact_line(self) -> str:
        """Contact text and phone (when shown) on one line."""
        return " ".join(x for x in (self.contact, self.phone) if x)


def member_card(session: Session, member: Member, on: date, n_logs: int) -> MemberCard:
    branch = session.get_one(Organisation, member.org_id)
    commitments = sorted(
        public_commitments(session, Commitment.member_id == member.id), key=lambda c: c.id
    )
    prog = progress.progress_of(session, commitments, on)
    logs = list(
        session.scalars(
            public_logs_query(FulfilmentLog.member_id == member.id).limit(max(0, n_logs))
        )
    )
    return MemberCard(
        member=member,
        branch=branch,
        # The member's own number, shown only when they agreed to (not a resident's).
        phone=member.phone if member.card_show_phone else "",
        contact=member.card_contact,
        items=[item_of(c, prog[c.id]) for c in commitments],
        logs=log_views(logs),
        satisfaction=evaluation.satisfaction_of_member(session, member),
        points=points_service.index_of(session, member.id),
    )
