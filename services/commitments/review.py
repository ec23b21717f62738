"""定诺 → 审核 → 示诺: drafts, the 四化 check, the review chain, publishing, withdrawal."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from infra.clock import local_date, now_utc
from models import (
    Commitment,
    CommitmentRequest,
    CommitmentStatus,
    Member,
    Organisation,
    OrgKind,
    OwnerKind,
    Request,
    Review,
    ReviewLevel,
    Role,
    RoleGrant,
)
from services import content, timeline, unique
from services.actors import Actor
from services.commitments import quantify
from services.commitments.access import (
    LEVEL_FOR_PENDING,
    PENDING_FOR_LEVEL,
    ROLE_FOR_LEVEL,
    can_review,
    may_edit,
    may_withdraw,
    review_org,
)
from services.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from services.text import as_written

EDITABLE_FIELDS = (
    "title",
    "description",
    "category",
    "target_quantity",
    "unit",
    "target_kind",
    "frequency",
    "start_date",
    "end_date",
    "beneficiary",
)
LEVEL_LABELS = {"group": "党小组初审", "branch": "支部复审", "township": "街镇备案"}
STATUS_LABELS = {
    "draft": "草稿",
    "pending_group": "待党小组初审",
    "pending_branch": "待支部复审",
    "pending_township": "待街镇备案",
    "published": "已公开",
    "withdrawn": "已撤回",
}
MAX_TEXT = {"title": 100, "description": 2000, "category": 32, "beneficiary": 200, "unit": 10}


def get(session: Session, commitment_id: int) -> Commitment:
    c = session.get(Commitment, commitment_id)
    if c is None:
        raise NotFound("找不到这条承诺，请刷新后重试")
    return c


def _clean(data: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in EDITABLE_FIELDS:
        if key not in data:
            continue
        value = data[key]
        if isinstance(value, str):
            value = as_written(value)
            if key in MAX_TEXT and len(value) > MAX_TEXT[key]:
                raise ValidationError(key, f"内容太长，最多 {MAX_TEXT[key]} 个字")
        if key in ("start_date", "end_date") and isinstance(value, str) and value:
            try:
                value = date.fromisoformat(value)
            except ValueError:
                raise ValidationError(key, "日期格式应为 YYYY-MM-DD，例如 2026-12-31") from None
        if key == "target_quantity" and value not in (None, ""):
            if isinstance(value, bool) or not isinstance(value, int):
                try:
                    value = int(str(value))
                except ValueError:
                    raise ValidationError(key, "目标数量必须是正整数，例如 1、20") from None
            if not 1 <= value <= 1_000_000:
                raise ValidationError(key, "目标数量应在 1 到 1000000 之间")
        out[key] = value
    return out


def _owner_org(session: Session, member: Member) -> Organisation:
    return session.get_one(Organisation, member.org_id)


def create(
    session: Session,
    actor: Actor,
    data: Mapping[str, Any],
    *,
    owner_kind: str = OwnerKind.MEMBER.value,
    org_id: int | None = None,
    request_ids: Sequence[int] = (),
    today: date | None = None,
    content_answer: content.WechatAnswer | None = None,
) -> Commitment:
    """A new draft that already passes the 四化 check; its text passes the content gate
    (``content_answer``: a channel's in-request msg_sec_check answer, if any)."""
    today = today or local_date()
    fields = quantify.check(_clean(data), today)
    if owner_kind == OwnerKind.BRANCH.value:
        org = session.get(Organisation, org_id) if org_id else None
        if org is None or org.kind != OrgKind.BRANCH.value:
            raise ValidationError("org_id", "请选择作出承诺的党支部")
        if not actor.manages(org):
            raise PermissionDenied("只有支部书记或街镇管理员可以起草支部承诺")
        member_id = None
    else:
        if not actor.member_id:
            raise PermissionDenied("请先绑定党员身份，再作出承诺")
        member = session.get_one(Member, actor.member_id)
        if member.exempt:
            raise Conflict(
                f"您已免于承诺（{member.exempt_reason or '按规定'}），如需承诺请联系支部书记"
            )
        org = _owner_org(session, member)
        member_id = member.id
    c = Commitment(
        owner_kind=owner_kind,
        member_id=member_id,
        org_id=org.id,
        category=str(fields.get("category") or ""),
        title=fields["title"],
        description=fields.get("description") or "",
        target_quantity=fields["target_quantity"],
        unit=fields["unit"],
        target_kind=fields["target_kind"],
        frequency=fields.get("frequency"),
        start_date=fields["start_date"],
        end_date=fields["end_date"],
        beneficiary=str(fields.get("beneficiary") or ""),
        status=CommitmentStatus.DRAFT.value,
        created_by_account_id=actor.account_id,
    )
    c.cycle_year = c.start_date.year
    session.add(c)
    session.flush()
    content.gate(
        session,
        content.Kind.COMMITMENT,
        c,
        author_account_id=actor.account_id,
        answer=content_answer,
    )
    _link_requests(session, c, request_ids)
    timeline.record(session, c, actor, "created", None, c.status)
    return c


def _link_requests(session: Session, c: Commitment, request_ids: Sequence[int]) -> None:
    for rid in dict.fromkeys(request_ids):
        req = session.get(Request, rid)
        if req is None or req.org_id != c.org_id:
            raise ValidationError("request_ids", f"需求 {rid} 不在本支部的需求清单中")
        session.add(CommitmentRequest(commitment_id=c.id, request_id=rid))


def update_draft(
    session: Session,
    actor: Actor,
    c: Commitment,
    data: Mapping[str, Any],
    today: date | None = None,
    content_answer: content.WechatAnswer | None = None,
) -> Commitment:
    """Change a draft; changed text passes the content gate again."""
    if not may_edit(session, actor, c):
        raise PermissionDenied("只能修改自己的承诺")
    if c.status != CommitmentStatus.DRAFT.value:
        raise Conflict("只有草稿或被退回的承诺可以修改；已提交的请先等待审核结果")
    today = today or local_date()
    current = {k: getattr(c, k) for k in EDITABLE_FIELDS}
    merged = {**current, **_clean(data)}
    if ("title" in data or "description" in data) and not any(
        key in data for key in quantify.MEASURE_KEYS
    ):
        created = c.created_at.date() if c.created_at else today
        quantify.retarget(current, merged, created, today)
    fields = quantify.check(merged, today)
    text_before = content.text_of(content.Kind.COMMITMENT, c)
    for key in EDITABLE_FIELDS:
        if key in fields:
            setattr(c, key, fields[key] if fields[key] is not None or key == "frequency" else "")
    c.cycle_year = c.start_date.year
    if content.text_of(content.Kind.COMMITMENT, c) != text_before:
        content.gate(
            session,
            content.Kind.COMMITMENT,
            c,
            author_account_id=c.created_by_account_id or actor.account_id,
            answer=content_answer,
        )
    timeline.record(session, c, actor, "edited", c.status, c.status)
    return c


def _reviewers_exist(session: Session, level: str, c: Commitment) -> list[int]:
    """Member ids / account ids able to review ``c`` at ``level`` (the author excluded)."""
    role = ROLE_FOR_LEVEL[level]
    org = review_org(session, c, level)
    if level == ReviewLevel.GROUP.value:
        if c.member_id is None:
            return []
        member = session.get_one(Member, c.member_id)
        if member.group_id is None:
            return []
        org = session.get_one(Organisation, member.group_id)
    ancestors = [p for p in org.path.strip("/").split("/") if p]
    rows = session.execute(
        select(RoleGrant.member_id, RoleGrant.account_id).where(
            RoleGrant.role == role, RoleGrant.org_id.in_([int(a) for a in ancestors])
        )
    ).all()
    return [m or -(a or 0) for m, a in rows if m is None or m != c.member_id]


def _next_status(session: Session, c: Commitment, after: str | None, levels: Sequence[str]) -> str:
    """The first configured level after ``after`` that has a reviewer; else published."""
    started = after is None
    for level in levels:
        if not started:
            started = level == after
            continue
        if level == ReviewLevel.BRANCH.value and c.owner_kind == OwnerKind.BRANCH.value:
            continue  # the branch does not review its own pledge
        if _reviewers_exist(session, level, c):
            return PENDING_FOR_LEVEL[level]
    return CommitmentStatus.PUBLISHED.value


def submit(
    session: Session,
    actor: Actor,
    c: Commitment,
    levels: Sequence[str],
    today: date | None = None,
) -> Commitment:
    if not may_edit(session, actor, c):
        raise PermissionDenied("只能提交自己的承诺")
    if c.status != CommitmentStatus.DRAFT.value:
        raise Conflict(f"这条承诺当前是“{STATUS_LABELS[c.status]}”，不能再次提交")
    before = c.status
    c.status = _next_status(session, c, None, levels)
    c.submitted_at = now_utc()
    timeline.record(session, c, actor, "submitted", before, c.status, f"第 {c.revision} 稿")
    if c.status == CommitmentStatus.PUBLISHED.value:
        _publish(session, actor, c, before, today)
    return c


def _publish(
    session: Session, actor: Actor, c: Commitment, before: str, today: date | None
) -> None:
    """File the commitment: it starts on the day it is published (or the later day the member
    set), never earlier, so periods before it are neither missed nor counted."""
    c.status = CommitmentStatus.PUBLISHED.value
    c.published_at = now_utc()
    filed_on = today or local_date(c.published_at)
    if c.start_date < filed_on:
        c.start_date = min(filed_on, c.end_date)
    c.cycle_year = c.start_date.year
    timeline.record(session, c, actor, "published", before, c.status, "已备案，向群众公开")


def review(
    session: Session,
    actor: Actor,
    c: Commitment,
    decision: str,
    reason: str,
    levels: Sequence[str],
    today: date | None = None,
) -> Commitment:
    """Approve (moves to the next level or publishes) or reject (back to draft with reason)."""
    level = LEVEL_FOR_PENDING.get(c.status)
    if level is None:
        raise Conflict(f"这条承诺当前是“{STATUS_LABELS[c.status]}”，不在审核中")
    if actor.member_id is not None and actor.member_id == c.member_id:
        raise PermissionDenied("不能审核自己的承诺")
    if not can_review(session, actor, c):
        raise PermissionDenied(f"您没有{LEVEL_LABELS[level]}这条承诺的权限")
    reason = as_written(reason)
    if decision not in ("approve", "reject"):
        raise ValidationError("decision", "请选择“通过”或“退回”")
    if decision == "reject" and len(reason) < 2:
        raise ValidationError("reason", "退回时请写明理由，告诉党员需要怎样修改")
    if len(reason) > 500:
        raise ValidationError("reason", "理由太长，最多 500 个字")
    unique.insert_once(
        session,
        Review(
            commitment_id=c.id,
            revision=c.revision,
            level=level,
            reviewer_account_id=actor.account_id,
            reviewer_member_id=actor.member_id,
            decision="approved" if decision == "approve" else "rejected",
            reason=reason,
            created_at=now_utc(),
        ),
        f"这条承诺的{LEVEL_LABELS[level]}刚刚已有人处理，请刷新后查看",
    )
    before = c.status
    if decision == "reject":
        c.status = CommitmentStatus.DRAFT.value
        c.last_rejection_reason = reason
        c.revision += 1
        timeline.record(
            session, c, actor, "rejected", before, c.status, f"{LEVEL_LABELS[level]}退回：{reason}"
        )
        return c
    c.status = _next_status(session, c, level, levels)
    timeline.record(
        session,
        c,
        actor,
        "approved",
        before,
        c.status,
        f"{LEVEL_LABELS[level]}通过" + (f"：{reason}" if reason else ""),
    )
    if c.status == CommitmentStatus.PUBLISHED.value:
        _publish(session, actor, c, before, today)
    return c


def withdraw(session: Session, actor: Actor, c: Commitment, reason: str) -> Commitment:
    if not may_withdraw(session, actor, c):
        raise PermissionDenied("只能撤回自己的承诺")
    if c.status == CommitmentStatus.WITHDRAWN.value:
        raise Conflict("这条承诺已经撤回")
    reason = as_written(reason)
    if len(reason) < 2:
        raise ValidationError("reason", "请写明撤回的原因")
    before = c.status
    c.status = CommitmentStatus.WITHDRAWN.value
    c.withdrawn_at = now_utc()
    timeline.record(session, c, actor, "withdrawn", before, c.status, reason[:500])
    return c


def review_queue(session: Session, actor: Actor) -> list[Commitment]:
    """Commitments waiting for this actor's decision (at any level they hold)."""
    pending = list(PENDING_FOR_LEVEL.values())
    # A group leader's commitments belong to the branch above the group: search from there.
    prefixes = {
        g.org_path.rsplit("/", 2)[0] + "/" if g.role == Role.GROUP_LEADER.value else g.org_path
        for g in actor.grants
    }
    if not prefixes and not actor.system:
        return []
    query = (
        select(Commitment)
        .join(Organisation, Organisation.id == Commitment.org_id)
        .where(Commitment.status.in_(pending))
        .order_by(Commitment.submitted_at, Commitment.id)
    )
    if not actor.system:
        query = query.where(or_(*(Organisation.path.startswith(p) for p in sorted(prefixes))))
    return [c for c in session.scalars(query) if can_review(session, actor, c)]
