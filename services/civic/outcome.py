"""民事民决: an item's decision, turned into a branch commitment (through the ordinary review
chain), a request (assigned like any other) or a village rule, each linked back to the item;
and the item's whole path as the public page reads it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from infra.clock import local_date, now_utc
from models import (
    AgendaEvent,
    AgendaItem,
    AgendaMeeting,
    AgendaOutcome,
    AgendaStatus,
    Commitment,
    Organisation,
    OwnerKind,
    Request,
    VillageRule,
)
from services import commitments, privacy, progress, requests, visibility
from services.actors import Actor
from services.civic.agenda import (
    ACTION_LABELS,
    OUTCOME_LABELS,
    STATUS_LABELS,
    Tally,
    is_public,
    manages,
    notify_raiser,
    record_event,
    tally,
)
from services.errors import Conflict, PermissionDenied, ValidationError
from services.text import as_written

DONE_REQUEST = ("resolved", "confirmed", "closed")


def decide(
    session: Session,
    actor: Actor,
    item: AgendaItem,
    decision: str,
    outcome: str,
    *,
    commitment: Mapping[str, Any] | None = None,
    rule_text: str = "",
    review_levels: Sequence[str] = ("group", "branch", "township"),
    first_answer_hours: int = 48,
    today: date | None = None,
) -> AgendaItem:
    """Record the decision and create what it became; all in the caller's transaction."""
    org = session.get_one(Organisation, item.org_id)
    if not manages(actor, org):
        raise PermissionDenied(f"只有{org.name}的书记、副书记可以记录议决结果")
    if item.status != AgendaStatus.SCHEDULED.value:
        raise Conflict(
            f"事项 {item.number} 当前“{STATUS_LABELS[item.status]}”，请先列入议事会商议再议决"
        )
    decision = as_written(decision)
    if len(decision) < 2:
        raise ValidationError("decision", "请写明议决结果，例如“同意在村口加装路灯 4 盏”")
    if len(decision) > 1000:
        raise ValidationError("decision", "议决结果太长，最多 1000 个字")
    if outcome not in OUTCOME_LABELS:
        raise ValidationError(
            "outcome", "请选择结果：转为支部承诺、转为诉求、写入村规民约或不予采纳"
        )
    before = item.status
    if outcome == AgendaOutcome.COMMITMENT.value:
        data = dict(commitment or {})
        if not data.get("title"):
            raise ValidationError(
                "commitment.title", "请写支部承诺的内容，例如“年底前加装路灯 4 盏”"
            )
        data["description"] = (
            f"{data.get('description') or ''}\n源自议事 {item.number}：{decision}".strip()
        )
        c = commitments.create(
            session,
            actor,
            data,
            owner_kind=OwnerKind.BRANCH.value,
            org_id=org.id,
            today=today,
        )
        commitments.submit(session, actor, c, review_levels, today)
        item.commitment_id = c.id
    elif outcome == AgendaOutcome.REQUEST.value:
        req = requests.submit(
            session,
            actor,
            kind="suggestion",
            text=f"议事 {item.number}：{decision}",
            org_id=org.id,
            channel="agenda",
            first_answer_hours=first_answer_hours,
        )
        item.request_id = req.id
    elif outcome == AgendaOutcome.RULE.value:
        rule_text = as_written(rule_text) or decision
        rule = VillageRule(org_id=org.id, text=rule_text[:2000], created_at=now_utc())
        session.add(rule)
        session.flush()
        item.village_rule_id = rule.id
    item.decision = decision
    item.outcome = outcome
    item.decided_at = now_utc()
    item.status = (
        AgendaStatus.DROPPED.value
        if outcome == AgendaOutcome.NONE.value
        else AgendaStatus.DECIDED.value
    )
    action = "dropped" if outcome == AgendaOutcome.NONE.value else "decided"
    record_event(session, item, actor, action, before, f"{OUTCOME_LABELS[outcome]}：{decision}")
    notify_raiser(
        session, item, action, {"outcome": OUTCOME_LABELS[outcome], "decision": decision[:60]}
    )
    return item


# -- is it done? --------------------------------------------------------------------------


def is_done(session: Session, item: AgendaItem, on: date | None = None) -> bool:
    """Decided and carried out: a rule at once, a request once resolved, a commitment once
    its target is reached."""
    if item.status != AgendaStatus.DECIDED.value:
        return False
    if item.outcome == AgendaOutcome.RULE.value:
        return True
    if item.request_id is not None:
        return session.get_one(Request, item.request_id).status in DONE_REQUEST
    if item.commitment_id is not None:
        c = session.get_one(Commitment, item.commitment_id)
        p = progress.progress_of(session, [c], on or local_date())[c.id]
        return p.state in (progress.State.COMPLETED, progress.State.COMPLETED_LATE)
    return False


# -- the item's page ----------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    when: datetime
    action: str
    label: str
    who: str  # masked for residents
    note: str


@dataclass(frozen=True)
class MeetingView:
    held_at: datetime
    place: str
    attendees: str  # free text of the secretary: phones masked
    notes: str


@dataclass(frozen=True)
class ItemPage:
    number: str
    village: str
    village_code: str
    text: str
    status: str
    status_label: str
    raised_by: str
    raised_at: datetime
    meeting: MeetingView | None
    tally: Tally
    decision: str
    outcome: str
    outcome_label: str
    steps: list[Step]
    commitment: Commitment | None  # only when public
    commitment_progress: progress.Progress | None
    commitment_state_label: str
    commitment_status_label: str  # also while it is in review (its text not shown then)
    request: Request | None
    request_status_label: str
    rule_text: str
    done: bool


def page(session: Session, item: AgendaItem, on: date | None = None) -> ItemPage:
    """What anyone may see of an item: text (once public), the path, the outcome's state."""
    on = on or local_date()
    org = session.get_one(Organisation, item.org_id)
    events = session.scalars(
        select(AgendaEvent).where(AgendaEvent.item_id == item.id).order_by(AgendaEvent.id)
    ).all()
    steps = [
        Step(
            e.created_at,
            e.action,
            ACTION_LABELS.get(e.action, e.action),
            e.actor_label,
            privacy.scrub(e.note),
        )
        for e in events
    ]
    c = session.get(Commitment, item.commitment_id) if item.commitment_id else None
    c_status = commitments.STATUS_LABELS.get(c.status, "") if c is not None else ""
    p = None
    if c is not None and visibility.commitment_is_public(c):
        p = progress.progress_of(session, [c], on)[c.id]
    elif c is not None:
        c = None
    req = session.get(Request, item.request_id) if item.request_id else None
    rule = session.get(VillageRule, item.village_rule_id) if item.village_rule_id else None
    meeting = session.get(AgendaMeeting, item.meeting_id) if item.meeting_id else None
    return ItemPage(
        number=item.number,
        village=org.name,
        village_code=org.code,
        text=privacy.scrub(item.text) if is_public(item) else "（内容审核中）",
        status=item.status,
        status_label=STATUS_LABELS[item.status],
        raised_by=item.raised_label,
        raised_at=item.created_at,
        meeting=(
            MeetingView(
                meeting.held_at,
                privacy.scrub(meeting.place),
                privacy.scrub(meeting.attendees),
                privacy.scrub(meeting.notes),
            )
            if meeting
            else None
        ),
        tally=tally(session, item),
        decision=privacy.scrub(item.decision),
        outcome=item.outcome,
        outcome_label=OUTCOME_LABELS.get(item.outcome, ""),
        steps=steps,
        commitment=c,
        commitment_progress=p,
        commitment_state_label=progress.STATE_LABELS[p.state] if p else "",
        commitment_status_label=c_status,
        request=req,
        request_status_label=requests.STATUS_LABELS.get(req.status, req.status) if req else "",
        rule_text=privacy.scrub(rule.text) if rule else "",
        done=is_done(session, item, on),
    )


def item_for_commitment(session: Session, commitment_id: int) -> AgendaItem | None:
    """The 议事 item a commitment came from (the link back), if any."""
    return session.scalar(select(AgendaItem).where(AgendaItem.commitment_id == commitment_id))


def items_of(session: Session, org: Organisation, limit: int = 50) -> list[AgendaItem]:
    return list(
        session.scalars(
            select(AgendaItem)
            .where(AgendaItem.org_id == org.id)
            .order_by(AgendaItem.id.desc())
            .limit(limit)
        )
    )
