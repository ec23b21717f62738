"""Residents' requests (诉求): submitted → assigned → claimed → answered → resolved →
confirmed by the resident, or reopened (claim and transfer: ``handover``). Every request gets an answer (件件有回音)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from infra.clock import now_utc
from models import (
    Account,
    Evaluation,
    EvaluationKind,
    Household,
    Member,
    MemberHousehold,
    Organisation,
    OrgKind,
    Rating,
    Request,
    RequestKind,
    RequestStatus,
    Resolution,
)
from services import outbox, timeline
from services.actors import ROUTING, Actor
from services.commitments import quantify
from services.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from services.org.phones import MOBILE_RE, normalise_phone
from services.requests import notify
from services.requests.access import (
    DONE_STATUSES,
    OPEN_STATUSES,
    can_handle,
    confirm_refusal,
    is_submitter,
    reopen_expired,
    reopen_refusal,
)
from services.requests.labels import (
    KIND_LABELS,
    NOTICE_REPLIED,
    NOTICE_RESOLVED,
    RATING_LABELS,
    RESOLUTION_LABELS,
    STATUS_LABELS,
)
from services.text import as_written

MAX_TEXT = 1000


def get(session: Session, request_id: int) -> Request:
    req = session.get(Request, request_id)
    if req is None:
        raise NotFound("找不到这条诉求")
    return req


def by_number(session: Session, number: str) -> Request:
    req = session.scalar(select(Request).where(Request.number == quantify.normalise(number)))
    if req is None:
        raise NotFound(f"没有编号为 {number} 的诉求，请核对编号")
    return req


def _org(session: Session, req: Request) -> Organisation:
    return session.get_one(Organisation, req.org_id)


def _pick_linked_member(session: Session, household_id: int) -> Member | None:
    """The linked member (联户党员) with the fewest open requests."""
    open_count = (
        select(func.count(Request.id))
        .where(Request.assignee_member_id == Member.id, Request.status.in_(OPEN_STATUSES))
        .scalar_subquery()
    )
    return session.scalar(
        select(Member)
        .join(MemberHousehold, MemberHousehold.member_id == Member.id)
        .where(MemberHousehold.household_id == household_id, Member.active.is_(True))
        .order_by(open_count, Member.id)
        .limit(1)
    )


def default_org(session: Session) -> Organisation:
    org = session.scalar(
        select(Organisation)
        .where(Organisation.kind == OrgKind.TOWNSHIP.value)
        .order_by(Organisation.id)
    )
    if org is None:
        raise Conflict("系统还没有设置组织架构，请联系管理员")
    return org


def submit(
    session: Session,
    actor: Actor,
    *,
    kind: str,
    text: str,
    location: str = "",
    org_id: int | None = None,
    member_code: str | None = None,
    channel: str = "web",
    source_msg_id: str | None = None,
    first_answer_hours: int = 48,
    callback_phone: str = "",
) -> Request:
    """Submit a request; it is assigned at once to a linked member or to the branch.
    ``callback_phone``: a mobile number for the callback (optional; the web form's)."""
    if source_msg_id:
        existing = session.scalar(select(Request).where(Request.source_msg_id == source_msg_id))
        if existing is not None:
            return existing
    if kind not in RequestKind.values():
        raise ValidationError("kind", "请选择诉求类型：问题反映、微心愿、建议或投诉")
    text = as_written(text)
    location = as_written(location)
    if len(text) < 2:
        raise ValidationError("text", "请写明要反映的事情，例如“村东路灯坏了”")
    if len(text) > MAX_TEXT:
        raise ValidationError("text", f"内容太长，最多 {MAX_TEXT} 个字")
    if len(location) > 200:
        raise ValidationError("location", "地点太长，最多 200 个字")
    phone = normalise_phone(callback_phone)
    if phone and not MOBILE_RE.match(phone):
        raise ValidationError("callback_phone", "请填写 11 位手机号码，或者不填")
    account = session.get(Account, actor.account_id) if actor.account_id else None
    assignee: Member | None = None
    org: Organisation | None = None
    if member_code:
        assignee = session.scalar(select(Member).where(Member.public_code == member_code))
        if assignee is None:
            raise ValidationError("member_code", "找不到这位党员，请重新扫码")
        org = session.get_one(Organisation, assignee.org_id)
    elif account is not None and account.household_id:
        household = session.get_one(Household, account.household_id)
        org = session.get_one(Organisation, household.org_id)
        assignee = _pick_linked_member(session, household.id)
    elif org_id is not None:
        org = session.get(Organisation, org_id)
        if org is None:
            raise ValidationError("org_id", "找不到这个村（社区），请重新选择")
    elif actor.member_id is not None:
        org = session.get_one(Organisation, session.get_one(Member, actor.member_id).org_id)
    org = org or default_org(session)
    now = now_utc()
    req = Request(
        number="",
        kind=kind,
        text=text,
        location=location,
        channel=channel,
        callback_phone=phone,
        source_msg_id=source_msg_id,
        submitter_account_id=actor.account_id,
        household_id=account.household_id if account else None,
        org_id=org.id,
        assignee_member_id=assignee.id if assignee else None,
        status=RequestStatus.SUBMITTED.value,
        due_at=now + timedelta(hours=first_answer_hours),
        created_at=now,
    )
    session.add(req)
    session.flush()
    req.number = f"{now.strftime('%y%m%d')}{req.id}"
    timeline.record(session, req, actor, "created", None, req.status, KIND_LABELS[kind])
    if org.kind == OrgKind.BRANCH.value:
        req.status = RequestStatus.ASSIGNED.value
        who = f"联户党员{assignee.name}" if assignee else org.name
        timeline.record(
            session,
            req,
            ROUTING,  # an automatic assignment: never in the resident's name
            "assigned",
            RequestStatus.SUBMITTED.value,
            req.status,
            f"分派给{who}",
        )
        notify.assigned(session, req)
    return req


def answerer_label(session: Session, req: Request) -> str:
    if req.assignee_member_id:
        m = session.get_one(Member, req.assignee_member_id)
        return f"党员{m.name}"
    return _org(session, req).name


def assign(
    session: Session, actor: Actor, req: Request, member_id: int | None, org_id: int | None = None
) -> Request:
    org = _org(session, req)
    if not actor.manages(org):
        raise PermissionDenied("只有支部书记或街镇管理员可以分派诉求")
    _require_open(req)
    before = req.status
    if org_id is not None:
        target = session.get(Organisation, org_id)
        if target is None or not actor.manages(target):
            raise ValidationError("org_id", "只能分派给您管理范围内的党支部")
        req.org_id = target.id
        org = target
    if member_id is not None:
        member = session.get(Member, member_id)
        if member is None or member.org_id != req.org_id:
            raise ValidationError("member_id", "只能分派给本支部的党员")
        req.assignee_member_id = member.id
    req.status = RequestStatus.ASSIGNED.value
    timeline.record(
        session, req, actor, "assigned", before, req.status, f"分派给{answerer_label(session, req)}"
    )
    notify.assigned(session, req)
    return req


def _require_open(req: Request) -> None:
    if req.status not in OPEN_STATUSES:
        raise Conflict(f"这条诉求当前“{STATUS_LABELS[req.status]}”，不能再办理")


def reply(session: Session, actor: Actor, req: Request, text: str) -> Request:
    if not can_handle(session, actor, req):
        raise PermissionDenied("只有负责的党员或支部书记可以答复")
    _require_open(req)
    text = as_written(text)
    if len(text) < 2:
        raise ValidationError("text", "请写明答复内容")
    if len(text) > MAX_TEXT:
        raise ValidationError("text", f"内容太长，最多 {MAX_TEXT} 个字")
    before = req.status
    req.status = RequestStatus.IN_PROGRESS.value
    req.first_answered_at = req.first_answered_at or now_utc()
    entry = timeline.record(session, req, actor, "replied", before, req.status, text)
    session.flush()
    outbox.notice_account(
        session,
        req.submitter_account_id,
        NOTICE_REPLIED,
        {"number": req.number, "text": text},
        f"request:{req.id}:reply:{entry.id}",
    )
    return req


def resolve(
    session: Session, actor: Actor, req: Request, resolution: str, note: str = ""
) -> Request:
    if not can_handle(session, actor, req):
        raise PermissionDenied("只有负责的党员或支部书记可以办结")
    _require_open(req)
    if resolution not in Resolution.values():
        raise ValidationError(
            "resolution", "请选择办理结果：已解决、暂不具备条件、重复反映或已转交"
        )
    note = as_written(note)
    if resolution != Resolution.DONE.value and len(note) < 2:
        raise ValidationError("note", "未能解决时请写明原因，群众才能理解")
    if len(note) > MAX_TEXT:
        raise ValidationError("note", f"内容太长，最多 {MAX_TEXT} 个字")
    before = req.status
    now = now_utc()
    req.status = RequestStatus.RESOLVED.value
    req.resolution = resolution
    req.resolution_note = note
    req.resolved_at = now
    req.first_answered_at = req.first_answered_at or now
    label = RESOLUTION_LABELS[resolution]
    timeline.record(
        session, req, actor, "resolved", before, req.status, label + (f"：{note}" if note else "")
    )
    outbox.notice_account(
        session,
        req.submitter_account_id,
        NOTICE_RESOLVED,
        {"number": req.number, "resolution": label, "note": note},
        f"request:{req.id}:resolved:{req.reopened_count}",
    )
    return req


def confirm(
    session: Session, actor: Actor, req: Request, window_days: int | None = None
) -> Request:
    """The submitter confirms a resolved request, once (refusals: ``confirm_refusal``)."""
    refusal = confirm_refusal(actor, req, window_days)
    if refusal is not None:
        raise refusal
    before = req.status
    req.status = RequestStatus.CONFIRMED.value
    req.confirmed_at = now_utc()
    timeline.record(
        session, req, actor, "confirmed", before, req.status, "群众确认已解决（群众销账）"
    )
    return req


def reopen(session: Session, actor: Actor, req: Request, reason: str, window_days: int) -> Request:
    """Also after a confirmation, within the window (refusals: ``reopen_refusal``)."""
    refusal = reopen_refusal(actor, req, window_days)
    if refusal is not None:
        raise refusal
    reason = as_written(reason)
    if len(reason) < 2:
        raise ValidationError("reason", "请说明为什么没有解决")
    _back_to_handler(session, actor, req, reason)
    return req


def _back_to_handler(session: Session, actor: Actor, req: Request, reason: str) -> None:
    """退回重办: the request goes back to whoever held it (assignee unchanged), with the
    resident's reason on the timeline and a fresh first-answer limit."""
    before = req.status
    req.status = (
        RequestStatus.ASSIGNED.value if req.assignee_member_id else RequestStatus.SUBMITTED.value
    )
    req.reopened_count += 1
    req.resolution = None
    req.confirmed_at = None
    req.first_answered_at = None
    req.due_at = now_utc() + (req.due_at - req.created_at)
    timeline.record(session, req, actor, "reopened", before, req.status, reason[:500])


def rate(
    session: Session,
    actor: Actor,
    req: Request,
    rating: str,
    comment: str = "",
    reopen_window_days: int | None = None,
) -> Request:
    """回访: the submitter rates a resolved (or confirmed) request; the rating is stored
    against the member and the branch. 不满意 needs a reason and 退回重办: within the
    reopening window (``reopen_window_days``; ``None``: no limit) the request goes back to
    the same handler, the reason on its timeline; later the rating only counts."""
    if not is_submitter(actor, req):
        raise PermissionDenied("只有提出诉求的群众可以评价")
    if req.status not in DONE_STATUSES:
        raise Conflict("诉求办结后才能评价")
    if rating not in Rating.values():
        raise ValidationError("rating", "请选择：满意、基本满意或不满意")
    comment = as_written(comment)
    if len(comment) > 500:
        raise ValidationError("comment", "评价内容最多 500 个字")
    unsatisfied = rating == Rating.UNSATISFIED.value
    if unsatisfied and len(comment) < 2:
        raise ValidationError("comment", "请说明哪里不满意，诉求将退回重办")
    req.rating = rating
    req.rating_comment = comment
    req.rated_at = now_utc()
    # One rating per round: a 不满意 that sent the request back stays counted after the redo.
    round_ = [Evaluation.created_at >= req.resolved_at] if req.resolved_at else []
    existing = session.scalar(
        select(Evaluation).where(
            Evaluation.request_id == req.id,
            Evaluation.kind == EvaluationKind.RESIDENT_RATING.value,
            *round_,
        )
    )
    first = existing is None
    if existing is None:
        existing = Evaluation(
            kind=EvaluationKind.RESIDENT_RATING.value, request_id=req.id, created_at=now_utc()
        )
        session.add(existing)
    existing.subject_member_id = req.assignee_member_id
    existing.subject_org_id = req.org_id
    existing.evaluator_account_id = actor.account_id
    existing.rating = rating
    existing.comment = comment
    existing.period = (req.resolved_at or now_utc()).strftime("%Y")
    timeline.record(
        session,
        req,
        actor,
        "rated",
        req.status,
        req.status,
        RATING_LABELS[rating] + (f"：{comment}" if comment else "") + ("" if first else "（修改）"),
    )
    if unsatisfied and (reopen_window_days is None or not reopen_expired(req, reopen_window_days)):
        _back_to_handler(session, actor, req, f"群众不满意，退回重办：{comment}")
    return req
