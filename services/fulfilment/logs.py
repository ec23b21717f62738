"""践诺: members log what they did; logs may be edited or deleted within a window.

Every change to a log after it was made (edit, delete, verification) is an entry on its
commitment's timeline with the actor and the log's state before and after
(``services.timeline.record_log``); a resident's sign-off is recorded by
``services.evaluation.confirm_log``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta

from sqlalchemy import Select, false, or_, select
from sqlalchemy.orm import Session

from infra.clock import local_date, now_utc
from models import (
    Commitment,
    CommitmentStatus,
    FulfilmentLog,
    Organisation,
    Photo,
    Role,
)
from services import content, progress, timeline
from services.actors import Actor
from services.commitments import cycle
from services.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from services.evaluation import points
from services.fulfilment.access import edit_refusal, may_log, verify_refusal
from services.text import as_written

# How many days back a log may be dated (``commitments.backdate_days``; channels pass it).
DEFAULT_BACKDATE_DAYS = 7
MAX_QUANTITY = 10_000
MAX_NOTE = 1000
# Who may verify logs (and so who has a verification queue): see ``Actor.manages``.
VERIFIER_ROLES = (Role.SECRETARY.value, Role.TOWNSHIP_ADMIN.value)


def log(
    session: Session,
    actor: Actor,
    c: Commitment,
    *,
    quantity: int = 1,
    note: str = "",
    happened_on: date | None = None,
    channel: str = "web",
    source_msg_id: str | None = None,
    photo_ids: Sequence[int] = (),
    content_answer: content.WechatAnswer | None = None,
    today: date | None = None,
    backdate_days: int = DEFAULT_BACKDATE_DAYS,
) -> FulfilmentLog:
    """Record fulfilment. A repeated ``source_msg_id`` returns the first log unchanged.

    The note passes the content gate (``services.content``); ``content_answer`` is a
    channel's in-request msg_sec_check answer for it, if any."""
    if source_msg_id:
        existing = session.scalar(
            select(FulfilmentLog).where(FulfilmentLog.source_msg_id == source_msg_id)
        )
        if existing is not None:
            return existing
    if not may_log(session, actor, c):
        raise PermissionDenied("只能为自己的承诺（或本支部的承诺）记录践诺")
    if c.status != CommitmentStatus.PUBLISHED.value:
        raise Conflict("这条承诺还没有审核公开，公开后才能记录践诺")
    check_quantity(quantity)
    note = checked_note(note)
    today = today or local_date()
    happened_on = happened_on or today
    check_day(session, c, happened_on, today, backdate_days)
    entry = FulfilmentLog(
        commitment_id=c.id,
        member_id=actor.member_id,
        account_id=actor.account_id,
        quantity=quantity,
        note=note,
        happened_on=happened_on,
        channel=channel,
        source_msg_id=source_msg_id,
        created_at=now_utc(),
    )
    session.add(entry)
    session.flush()
    content.gate(
        session, content.Kind.LOG, entry, author_account_id=actor.account_id, answer=content_answer
    )
    attach_photos(session, actor, entry, photo_ids)
    return entry


def check_quantity(quantity: object) -> None:
    if (
        isinstance(quantity, bool)
        or not isinstance(quantity, int)
        or not 1 <= quantity <= MAX_QUANTITY
    ):
        raise ValidationError("quantity", f"数量应为 1 到 {MAX_QUANTITY} 之间的整数")


def checked_note(note: str) -> str:
    """The note as it is stored (as written, trimmed); refused when too long."""
    note = as_written(note)
    if len(note) > MAX_NOTE:
        raise ValidationError("note", f"内容太长，最多 {MAX_NOTE} 个字")
    return note


def check_day(session: Session, c: Commitment, day: date, today: date, backdate_days: int) -> None:
    """A log is dated within its commitment (from its start), not in the future, not more than
    ``backdate_days`` back, and not in a closed cycle year."""
    if cycle.is_closed(session, c.cycle_year):
        raise Conflict(f"{c.cycle_year} 年度已经总结归档，不能再记录；请记到本年度的承诺上")
    check_span(c.start_date, c.end_date, day, today, backdate_days)


def check_span(start: date, end: date, day: date, today: date, backdate_days: int) -> None:
    """``check_day`` without the closed-year lookup (the caller knows the year is open)."""
    earliest = max(start, today - timedelta(days=max(0, backdate_days)))
    latest = min(today, end + timedelta(days=31))
    if not earliest <= day <= latest:
        if day > today:
            why = "日期不能晚于今天"
        elif day < start:
            why = f"承诺从 {start.isoformat()} 开始，不能记录开始以前的事"
        elif day < today - timedelta(days=backdate_days):
            why = f"最多补记 {backdate_days} 天以内的践诺"
        else:
            why = f"承诺期限到 {end.isoformat()}"
        span = (
            f"可以记录的日期是 {earliest.isoformat()} 至 {latest.isoformat()}"
            if earliest <= latest
            else "这条承诺现在不能再记录"
        )
        raise ValidationError("happened_on", f"{why}：{span}")


def attach_photos(
    session: Session, actor: Actor, entry: FulfilmentLog, photo_ids: Sequence[int]
) -> None:
    for pid in dict.fromkeys(photo_ids):
        photo = session.get(Photo, pid)
        if photo is None or (not actor.system and photo.uploader_account_id != actor.account_id):
            raise ValidationError("photo_ids", f"照片 {pid} 不存在或不是您上传的")
        if photo.log_id not in (None, entry.id) or photo.request_id is not None:
            raise ValidationError("photo_ids", f"照片 {pid} 已经用在别处")
        photo.log_id = entry.id


def get_log(session: Session, log_id: int) -> FulfilmentLog:
    entry = session.get(FulfilmentLog, log_id)
    if entry is None:
        raise NotFound("找不到这条践诺记录")
    return entry


def _what(session: Session, entry: FulfilmentLog, quantity: int | None = None) -> str:
    """``2026-11-03 的记录（3次）``: which log a timeline note is about."""
    c = session.get_one(Commitment, entry.commitment_id)
    qty = entry.quantity if quantity is None else quantity
    return f"{entry.happened_on.isoformat()} 的记录（{qty}{c.unit}）"


def _check_window(actor: Actor, entry: FulfilmentLog, window_hours: int) -> None:
    refusal = edit_refusal(actor, entry, window_hours)
    if refusal is not None:
        raise refusal


def edit_log(
    session: Session,
    actor: Actor,
    entry: FulfilmentLog,
    window_hours: int,
    *,
    quantity: int | None = None,
    note: str | None = None,
    happened_on: date | None = None,
    content_answer: content.WechatAnswer | None = None,
    today: date | None = None,
    backdate_days: int = DEFAULT_BACKDATE_DAYS,
) -> FulfilmentLog:
    """Change a log within the edit window; a changed note passes the content gate again.
    A change is recorded on the commitment's timeline (before and after)."""
    _check_window(actor, entry, window_hours)
    before = timeline.log_state(entry)
    changed: list[str] = []
    if happened_on is not None and happened_on != entry.happened_on:
        c = session.get_one(Commitment, entry.commitment_id)
        check_day(session, c, happened_on, today or local_date(), backdate_days)
        changed.append(f"日期 {entry.happened_on.isoformat()} → {happened_on.isoformat()}")
        entry.happened_on = happened_on
    if quantity is not None:
        check_quantity(quantity)
        if quantity != entry.quantity:
            c = session.get_one(Commitment, entry.commitment_id)
            changed.append(f"数量 {entry.quantity}{c.unit} → {quantity}{c.unit}")
        entry.quantity = quantity
    if note is not None:
        note = checked_note(note)
        if note != entry.note:
            changed.append("内容已修改")
            entry.note = note
            content.gate(
                session,
                content.Kind.LOG,
                entry,
                author_account_id=entry.account_id,
                answer=content_answer,
            )
    if changed:
        what = f"{before['happened_on']} 的记录"
        timeline.record_log(
            session,
            entry,
            actor,
            "log_edited",
            before,
            timeline.log_state(entry),
            f"{what}：{'；'.join(changed)}",
        )
    return entry


def delete_log(session: Session, actor: Actor, entry: FulfilmentLog, window_hours: int) -> None:
    """Delete a log within the edit window; the deletion stays on the commitment's timeline."""
    _check_window(actor, entry, window_hours)
    timeline.record_log(
        session,
        entry,
        actor,
        "log_deleted",
        timeline.log_state(entry),
        None,
        f"删除了{_what(session, entry)}",
    )
    for photo in list(entry.photos):
        photo.log_id = None
    session.delete(entry)


def verify_log(
    session: Session,
    actor: Actor,
    entry: FulfilmentLog,
    points_rules: Mapping[str, int] | None = None,
) -> FulfilmentLog:
    """The branch confirms a log really happened; with ``points_rules`` the member's points
    entry for it is written in the same transaction (points come only from verified logs)."""
    refusal = verify_refusal(session, actor, entry)
    if refusal is not None:
        raise refusal
    if entry.verified_at is None:
        before = timeline.log_state(entry)
        entry.verified_at = now_utc()
        entry.verified_by_account_id = actor.account_id
        timeline.record_log(
            session,
            entry,
            actor,
            "log_verified",
            before,
            timeline.log_state(entry),
            f"{_what(session, entry)}已核实",
        )
    if points_rules is not None:
        points.award_verified_log(session, points_rules, entry)
    return entry


def verification_queue(
    session: Session, actor: Actor, *, commitment_id: int | None = None
) -> Select[tuple[FulfilmentLog]]:
    """Logs waiting for this actor's 核实, newest first, as a statement to paginate.

    Unverified logs of published commitments in the organisations the actor manages (a
    secretary's branch subtree, a township admin's whole township), never the actor's own
    (``verify_log`` refuses those). Residents, plain members and group leaders manage nothing:
    their statement selects no rows. Scoping is one indexed ``LIKE`` per granted path.
    """
    prefixes = sorted({g.org_path for g in actor.grants if g.role in VERIFIER_ROLES})
    stmt = (
        select(FulfilmentLog)
        .join(Commitment, Commitment.id == FulfilmentLog.commitment_id)
        .where(
            FulfilmentLog.verified_at.is_(None),
            Commitment.status == CommitmentStatus.PUBLISHED.value,
        )
        .order_by(FulfilmentLog.created_at.desc(), FulfilmentLog.id.desc())
    )
    if not actor.system:
        if not prefixes:
            return stmt.where(false())
        stmt = stmt.join(Organisation, Organisation.id == Commitment.org_id).where(
            or_(*(Organisation.path.startswith(p) for p in prefixes))
        )
    if actor.member_id is not None:
        stmt = stmt.where(
            or_(FulfilmentLog.member_id.is_(None), FulfilmentLog.member_id != actor.member_id)
        )
    if commitment_id is not None:
        stmt = stmt.where(FulfilmentLog.commitment_id == commitment_id)
    return stmt


def progress_of(session: Session, c: Commitment, on: date | None = None) -> progress.Progress:
    return progress.progress_of(session, [c], on or local_date())[c.id]
