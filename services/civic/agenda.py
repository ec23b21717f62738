"""议事 (民事民提、民事民议、民事民决): an item raised by a resident or a member, gathered for
a meeting (屋场会 / 议事亭), voted on (one vote per household of the village, or a show of
hands), decided, and its decision turned into a branch commitment, a request or a village rule
that links back to the item. Every change is an ``agenda_event`` (the item's timeline); the
raiser and the branch hear of each step through the outbox.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from infra.clock import now_utc
from models import (
    Account,
    AgendaEvent,
    AgendaItem,
    AgendaMeeting,
    AgendaOutcome,
    AgendaStatus,
    AgendaVote,
    ContentStatus,
    Household,
    Member,
    Organisation,
    Role,
    RoleGrant,
)
from services import content, outbox, privacy
from services.actors import Actor
from services.civic import access
from services.errors import Conflict, NotFound, PermissionDenied, ValidationError
from services.text import as_written

NOTICE_AGENDA = "agenda_step"
STATUS_LABELS = {
    AgendaStatus.RAISED.value: "已提出",
    AgendaStatus.SCHEDULED.value: "已列入议事会",
    AgendaStatus.DECIDED.value: "已议决",
    AgendaStatus.DROPPED.value: "不予采纳",
}
OUTCOME_LABELS = {
    AgendaOutcome.COMMITMENT.value: "转为支部承诺",
    AgendaOutcome.REQUEST.value: "转为群众诉求办理",
    AgendaOutcome.RULE.value: "写入村规民约",
    AgendaOutcome.NONE.value: "不予采纳",
}
ACTION_LABELS = {
    "raised": "提出议事",
    "scheduled": "列入议事会",
    "hands": "举手表决",
    "decided": "议决",
    "dropped": "不予采纳",
}
CHOICES = {"for": "同意", "against": "反对", "abstain": "弃权"}


def record_event(
    session: Session,
    item: AgendaItem,
    actor: Actor,
    action: str,
    before: str | None,
    note: str = "",
) -> AgendaEvent:
    label = actor.label
    if actor.member_id is None and not actor.system:
        label = privacy.mask_name(actor.name)
    event = AgendaEvent(
        item_id=item.id,
        action=action,
        from_status=before,
        to_status=item.status,
        actor_account_id=actor.account_id,
        actor_member_id=actor.member_id,
        actor_label=label[:50],
        note=note,
        created_at=now_utc(),
    )
    session.add(event)
    return event


def notify_raiser(session: Session, item: AgendaItem, step: str, extra: Mapping[str, Any]) -> None:
    """The raiser hears of each step (a fact; ``delivery`` words it)."""
    outbox.notice_account(
        session,
        item.raised_by_account_id,
        NOTICE_AGENDA,
        {"number": item.number, "step": step, "text": item.text[:40], **extra},
        f"agenda:{item.id}:{step}",
    )


def _notify_branch(session: Session, item: AgendaItem) -> None:
    org = session.get_one(Organisation, item.org_id)
    ancestors = [int(p) for p in org.path.strip("/").split("/") if p]
    member_ids = session.scalars(
        select(RoleGrant.member_id).where(
            RoleGrant.role == Role.SECRETARY.value,
            RoleGrant.org_id.in_(ancestors or [org.id]),
            RoleGrant.member_id.is_not(None),
        )
    ).all()
    for member_id in dict.fromkeys(member_ids):
        account_id = session.scalar(select(Account.id).where(Account.member_id == member_id))
        outbox.notice_account(
            session,
            account_id,
            NOTICE_AGENDA,
            {"number": item.number, "step": "to_branch", "text": item.text[:40]},
            f"agenda:{item.id}:to_branch:{member_id}",
        )


def manages(actor: Actor, org: Organisation) -> bool:
    return access.may_lead_agenda(actor, org)


def get(session: Session, number: str) -> AgendaItem:
    number = (number or "").strip().upper()
    item = session.scalar(select(AgendaItem).where(AgendaItem.number == number))
    if item is None:
        raise NotFound(f"找不到编号为 {number} 的议事事项，请核对编号")
    return item


def is_public(item: AgendaItem) -> bool:
    return item.content_status in (ContentStatus.PASS.value, ContentStatus.NOT_CHECKED.value)


# -- 民事民提 -----------------------------------------------------------------------------


def village_or_none(session: Session, actor: Actor, account: Account | None) -> Organisation | None:
    """The village an actor raises and votes in: a member's branch, a resident's household's."""
    if actor.member_id is not None:
        member = session.get_one(Member, actor.member_id)
        return session.get_one(Organisation, member.org_id)
    if account is not None and account.household_id is not None:
        household = session.get_one(Household, account.household_id)
        return session.get_one(Organisation, household.org_id)
    return None


def village_of(session: Session, actor: Actor, account: Account | None) -> Organisation:
    org = village_or_none(session, actor, account)
    if org is None:
        raise Conflict("请先绑定您家的连心卡（发送“绑定 连心卡编号”），再参与本村议事")
    return org


def raise_item(
    session: Session,
    actor: Actor,
    account: Account | None,
    text: str,
    *,
    channel: str,
    source_msg_id: str | None = None,
) -> AgendaItem:
    if source_msg_id:
        found = session.scalar(select(AgendaItem).where(AgendaItem.source_msg_id == source_msg_id))
        if found is not None:
            return found
    text = as_written(text)
    if len(text) < 4:
        raise ValidationError("text", "请写明要商议的事情，例如“议事 村口垃圾点太近，建议挪到路东”")
    if len(text) > 500:
        raise ValidationError("text", "议事内容太长，最多 500 个字")
    org = village_of(session, actor, account)
    item = AgendaItem(
        number=f"T{secrets.token_hex(6)}",
        org_id=org.id,
        text=text,
        channel=channel,
        source_msg_id=source_msg_id,
        raised_by_account_id=actor.account_id,
        raised_by_member_id=actor.member_id,
        raised_label=(actor.label if actor.member_id else privacy.mask_name(actor.name))[:50],
        content_status=(
            ContentStatus.HELD.value if content.blocked_words_in(text) else "not_checked"
        ),
        created_at=now_utc(),
    )
    session.add(item)
    session.flush()
    item.number = f"YS{item.id:04d}"
    record_event(session, item, actor, "raised", None)
    _notify_branch(session, item)
    return item


# -- 民事民议 -----------------------------------------------------------------------------


def open_items(session: Session, org: Organisation) -> list[AgendaItem]:
    return list(
        session.scalars(
            select(AgendaItem)
            .where(
                AgendaItem.org_id == org.id,
                AgendaItem.status.in_([AgendaStatus.RAISED.value, AgendaStatus.SCHEDULED.value]),
            )
            .order_by(AgendaItem.id)
        )
    )


def schedule(
    session: Session,
    actor: Actor,
    org: Organisation,
    numbers: Sequence[str],
    *,
    held_at: datetime,
    place: str,
    attendees: str = "",
    notes: str = "",
) -> AgendaMeeting:
    """Gather raised items for a meeting (time, place, who came, what was said)."""
    if not manages(actor, org):
        raise PermissionDenied(f"只有{org.name}的书记、副书记可以召集议事会")
    place = as_written(place)
    if not 2 <= len(place) <= 100:
        raise ValidationError("place", "请写议事地点，例如“四邻议事亭”")
    if held_at.tzinfo is None:
        raise ValidationError("held_at", "议事时间请带时区，例如 2026-12-05T19:30+08:00")
    items = [get(session, n) for n in numbers]
    if not items:
        raise ValidationError("items", "请选择要商议的事项编号")
    for item in items:
        if item.org_id != org.id:
            raise ValidationError("items", f"事项 {item.number} 不是{org.name}的议事")
        if item.status != AgendaStatus.RAISED.value:
            raise Conflict(f"事项 {item.number} 当前“{STATUS_LABELS[item.status]}”，不能再列入")
    meeting = AgendaMeeting(
        org_id=org.id,
        held_at=held_at,
        place=place,
        attendees=as_written(attendees)[:2000],
        notes=as_written(notes)[:5000],
        created_by_member_id=actor.member_id,
        created_at=now_utc(),
    )
    session.add(meeting)
    session.flush()
    for item in items:
        before, item.status, item.meeting_id = item.status, AgendaStatus.SCHEDULED.value, meeting.id
        record_event(session, item, actor, "scheduled", before, f"{place}")
        notify_raiser(session, item, "scheduled", {"place": place, "held_at": held_at.isoformat()})
    return meeting


def get_meeting(session: Session, meeting_id: int) -> AgendaMeeting:
    meeting = session.get(AgendaMeeting, meeting_id)
    if meeting is None:
        raise NotFound("找不到这次议事会，请刷新后重试")
    return meeting


def numbers_of(session: Session, meeting: AgendaMeeting) -> list[str]:
    return list(
        session.scalars(
            select(AgendaItem.number)
            .where(AgendaItem.meeting_id == meeting.id)
            .order_by(AgendaItem.id)
        )
    )


def record_notes(session: Session, actor: Actor, meeting: AgendaMeeting, notes: str) -> None:
    if not manages(actor, session.get_one(Organisation, meeting.org_id)):
        raise PermissionDenied("只有书记、副书记可以记录议事情况")
    meeting.notes = as_written(notes)[:5000]


@dataclass(frozen=True)
class Voted:
    vote: AgendaVote
    counted: bool  # False: the household had already voted; the first vote stands


def vote(session: Session, actor: Actor, account: Account, item: AgendaItem, choice: str) -> Voted:
    """One vote per household of the item's village; a second vote of a household counts not."""
    if choice not in CHOICES:
        raise ValidationError("choice", "请选择同意、反对或弃权")
    if item.status != AgendaStatus.SCHEDULED.value:
        raise Conflict(f"事项 {item.number} 当前“{STATUS_LABELS[item.status]}”，现在不能表决")
    if account.household_id is None:
        raise Conflict("请先绑定您家的连心卡，每户一票")
    household = session.get_one(Household, account.household_id)
    if household.org_id != item.org_id:
        raise PermissionDenied("只有本村（社区）的住户可以表决这件事")
    row = AgendaVote(
        item_id=item.id,
        household_id=household.id,
        account_id=account.id,
        choice=choice,
        created_at=now_utc(),
    )
    try:
        with session.begin_nested():
            session.add(row)
        return Voted(row, True)
    except IntegrityError:
        first = session.scalar(
            select(AgendaVote).where(
                AgendaVote.item_id == item.id, AgendaVote.household_id == household.id
            )
        )
        if first is None:
            raise
        return Voted(first, False)


@dataclass(frozen=True)
class Tally:
    households: int  # households that voted
    votes: dict[str, int]  # for / against / abstain
    hands_for: int | None
    hands_against: int | None


def tally(session: Session, item: AgendaItem) -> Tally:
    rows = session.execute(
        select(AgendaVote.choice, func.count())
        .where(AgendaVote.item_id == item.id)
        .group_by(AgendaVote.choice)
    ).all()
    votes = {c: 0 for c in CHOICES} | {c: int(n) for c, n in rows}
    return Tally(sum(votes.values()), votes, item.hands_for, item.hands_against)


def show_of_hands(
    session: Session, actor: Actor, item: AgendaItem, hands_for: int, hands_against: int
) -> None:
    if not manages(actor, session.get_one(Organisation, item.org_id)):
        raise PermissionDenied("只有书记、副书记可以记录举手表决")
    if item.status != AgendaStatus.SCHEDULED.value:
        raise Conflict("只有列入议事会的事项可以记录举手表决")
    for field, n in (("hands_for", hands_for), ("hands_against", hands_against)):
        if isinstance(n, bool) or not isinstance(n, int) or not 0 <= n <= 10_000:
            raise ValidationError(field, "举手人数应为 0 到 10000 之间的整数")
    item.hands_for, item.hands_against = hands_for, hands_against
    record_event(
        session, item, actor, "hands", item.status, f"同意 {hands_for}，反对 {hands_against}"
    )
