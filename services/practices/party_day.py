"""主题党日: each branch's party day of the month (date, topic) created by the secretary;
attendance by scanning the day's QR (``partyday:<id>``), in the mini-program on the day, or
marked by the secretary; leave (请假) recorded and not counted as absence; each member's report
(发言稿), drafted from their month's logs by the channel and saved here.

到会率 = present / (members expected − on leave), members expected being the branch's active
members not exempt (免于承诺 members who attend count as present, and as expected)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from infra.clock import local_date, now_utc
from models import (
    Attendance,
    Member,
    Organisation,
    OrgKind,
    PartyDay,
    PartyDayAttendance,
    PartyDayReport,
)
from services import text
from services.actors import Actor
from services.errors import Conflict, NotFound, PermissionDenied, ValidationError
from services.practices import access

TOPIC_MAX = 200
REPORT_MAX = 5000
VIA = ("scan", "mp", "secretary", "self")
SCENE_PREFIX = "partyday:"


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def create(
    session: Session, actor: Actor, branch: Organisation, held_on: date, topic: str
) -> PartyDay:
    """The secretary sets the month's party day; one per branch per month."""
    if branch.kind != OrgKind.BRANCH.value:
        raise ValidationError("org_id", "主题党日按党支部安排，请选择一个党支部")
    access.check_manages(actor, branch, "安排主题党日")
    topic = text.as_written(topic)
    if not 2 <= len(topic) <= TOPIC_MAX:
        raise ValidationError("topic", f"请填写主题（2 到 {TOPIC_MAX} 个字）")
    month = month_of(held_on)
    if session.scalar(
        select(PartyDay.id).where(PartyDay.org_id == branch.id, PartyDay.month == month)
    ):
        raise Conflict(f"{branch.name} {month} 的主题党日已经安排过了", code="party_day_exists")
    day = PartyDay(
        org_id=branch.id,
        month=month,
        held_on=held_on,
        topic=topic,
        created_by_member_id=actor.member_id,
        created_at=now_utc(),
    )
    try:
        with session.begin_nested():
            session.add(day)
            session.flush()
    except IntegrityError as err:
        raise Conflict(
            f"{branch.name} {month} 的主题党日已经安排过了", code="party_day_exists"
        ) from err
    return day


def get(session: Session, party_day_id: int) -> PartyDay:
    day = session.get(PartyDay, party_day_id)
    if day is None:
        raise NotFound("找不到这次主题党日")
    return day


def for_month(session: Session, branch_id: int, month: str) -> PartyDay | None:
    return session.scalar(
        select(PartyDay).where(PartyDay.org_id == branch_id, PartyDay.month == month)
    )


def from_scene(session: Session, scene: str) -> PartyDay | None:
    """The party day a scanned QR scene (``partyday:<id>``) names, if any."""
    if not scene.startswith(SCENE_PREFIX) or not scene[len(SCENE_PREFIX) :].isdigit():
        return None
    return session.get(PartyDay, int(scene[len(SCENE_PREFIX) :]))


def _upsert(
    session: Session, day: PartyDay, member: Member, status: str, via: str, note: str
) -> PartyDayAttendance:
    row = session.scalar(
        select(PartyDayAttendance).where(
            PartyDayAttendance.party_day_id == day.id, PartyDayAttendance.member_id == member.id
        )
    )
    if row is None:
        row = PartyDayAttendance(party_day_id=day.id, member_id=member.id)
        session.add(row)
    row.status, row.via, row.note, row.recorded_at = status, via, note[:200], now_utc()
    session.flush()
    return row


def sign_in(
    session: Session, actor: Actor, day: PartyDay, via: str, today: date | None = None
) -> PartyDayAttendance:
    """A member of the branch signs in on the day itself (scan or mini-program)."""
    if via not in ("scan", "mp"):
        raise ValueError(f"unknown sign-in route {via!r}")
    member = session.get(Member, actor.member_id) if actor.member_id else None
    if member is None:
        raise PermissionDenied("只有本支部党员可以签到：请先绑定党员身份")
    if member.org_id != day.org_id:
        raise PermissionDenied("这是其他支部的主题党日，只能在本支部签到")
    if (today or local_date()) != day.held_on:
        raise ValidationError(
            "party_day", f"只能在主题党日当天（{day.held_on.month}月{day.held_on.day}日）签到"
        )
    return _upsert(session, day, member, Attendance.PRESENT.value, via, "")


def ask_leave(
    session: Session, actor: Actor, day: PartyDay, reason: str, today: date | None = None
) -> PartyDayAttendance:
    """A member asks for leave (请假) from their branch's party day, up to the day itself, with
    the reason; the secretary may still mark them otherwise. Not after signing in."""
    member = session.get(Member, actor.member_id) if actor.member_id else None
    if member is None or member.org_id != day.org_id:
        raise PermissionDenied("只能向本支部的主题党日请假")
    if (today or local_date()) > day.held_on:
        raise ValidationError("party_day", "主题党日已经过去，请向支部书记说明情况")
    reason = text.as_written(reason)
    if len(reason) < 2:
        raise ValidationError("note", "请写明请假原因，例如：请假 外出务工")
    if status_of(session, day, member.id) == Attendance.PRESENT.value:
        raise Conflict("您已经签到了，不需要请假", code="already_present")
    return _upsert(session, day, member, Attendance.LEAVE.value, "self", reason)


def mark(
    session: Session, actor: Actor, day: PartyDay, member: Member, status: str, note: str = ""
) -> PartyDayAttendance:
    """The secretary marks a member present, on leave (请假, with the reason) or absent."""
    access.check_manages(actor, session.get_one(Organisation, day.org_id), "登记到会情况")
    if status not in Attendance.values():
        raise ValidationError("status", "只能是：present（到会）、leave（请假）、absent（缺席）")
    if member.org_id != day.org_id:
        raise ValidationError("member_id", f"{member.name}不是本支部党员")
    return _upsert(session, day, member, status, "secretary", text.as_written(note))


@dataclass(frozen=True)
class Rate:
    party_day_id: int
    held_on: date
    topic: str
    expected: int
    present: int
    leave: int

    @property
    def absent(self) -> int:
        return max(self.expected - self.present - self.leave, 0)

    @property
    def percent(self) -> int | None:
        base = self.expected - self.leave
        return round(100 * self.present / base) if base > 0 else None


def rates(
    session: Session,
    start: date,
    end: date,
    org_ids: Iterable[int] | None = None,
    today: date | None = None,
) -> dict[int, Rate]:
    """到会率 of each branch's party day held from ``start`` to ``end`` (the latest, if several).
    A party day planned for later than ``today`` has not been held: it has no rate yet (not 0%)."""
    last = min(end, today or local_date())
    q = select(PartyDay).where(PartyDay.held_on >= start, PartyDay.held_on <= last)
    if org_ids is not None:
        q = q.where(PartyDay.org_id.in_(list(org_ids)))
    days = {d.org_id: d for d in session.scalars(q.order_by(PartyDay.held_on))}
    if not days:
        return {}
    expected = dict(
        session.execute(
            select(Member.org_id, func.count(Member.id))
            .where(Member.org_id.in_(list(days)), Member.active.is_(True), Member.exempt.is_(False))
            .group_by(Member.org_id)
        )
        .tuples()
        .all()
    )
    counts: dict[tuple[int, str], int] = {}
    exempt_present: dict[int, int] = {}
    for day_id, status, exempt, n in session.execute(
        select(
            PartyDayAttendance.party_day_id,
            PartyDayAttendance.status,
            Member.exempt,
            func.count(PartyDayAttendance.id),
        )
        .join(Member, Member.id == PartyDayAttendance.member_id)
        .where(PartyDayAttendance.party_day_id.in_([d.id for d in days.values()]))
        .group_by(PartyDayAttendance.party_day_id, PartyDayAttendance.status, Member.exempt)
    ):
        if exempt and status != Attendance.PRESENT.value:
            continue  # an exempt member's leave or absence is not expected attendance
        counts[(day_id, status)] = counts.get((day_id, status), 0) + int(n)
        if exempt:
            exempt_present[day_id] = exempt_present.get(day_id, 0) + int(n)
    return {
        oid: Rate(
            d.id,
            d.held_on,
            d.topic,
            int(expected.get(oid, 0)) + exempt_present.get(d.id, 0),
            counts.get((d.id, Attendance.PRESENT.value), 0),
            counts.get((d.id, Attendance.LEAVE.value), 0),
        )
        for oid, d in days.items()
    }


@dataclass(frozen=True)
class RollLine:
    member_id: int
    name: str
    status: str | None  # None: nothing recorded yet
    via: str
    note: str


def roll(session: Session, actor: Actor, day: PartyDay) -> list[RollLine]:
    """The branch's members with their attendance (for the secretary)."""
    access.check_manages(actor, session.get_one(Organisation, day.org_id), "查看到会情况")
    rows = session.execute(
        select(Member.id, Member.name, PartyDayAttendance)
        .outerjoin(
            PartyDayAttendance,
            (PartyDayAttendance.member_id == Member.id)
            & (PartyDayAttendance.party_day_id == day.id),
        )
        .where(Member.org_id == day.org_id, Member.active.is_(True))
        .order_by(Member.id)
    ).all()
    return [
        RollLine(mid, name, a.status if a else None, a.via if a else "", a.note if a else "")
        for mid, name, a in rows
    ]


def status_of(session: Session, day: PartyDay, member_id: int | None) -> str | None:
    """A member's own attendance status at ``day`` (None: nothing recorded)."""
    if member_id is None:
        return None
    return session.scalar(
        select(PartyDayAttendance.status).where(
            PartyDayAttendance.party_day_id == day.id, PartyDayAttendance.member_id == member_id
        )
    )


# -- the member's report (发言稿) -------------------------------------------------------------


def _check_report_access(session: Session, actor: Actor, day: PartyDay, member: Member) -> None:
    if member.org_id != day.org_id:
        raise ValidationError("member_id", f"{member.name}不是本支部党员")
    if actor.member_id == member.id or actor.system:
        return
    access.check_manages(actor, session.get_one(Organisation, day.org_id), "查看或修改发言稿")


def saved_report(
    session: Session, actor: Actor, day: PartyDay, member: Member
) -> PartyDayReport | None:
    """The member's saved report for ``day`` (None: not saved yet; the channel drafts one)."""
    _check_report_access(session, actor, day, member)
    return saved_report_of(session, day, member)


def saved_report_of(session: Session, day: PartyDay, member: Member) -> PartyDayReport | None:
    """The saved report, for a channel that checked the caller itself (a signed print link)."""
    return session.scalar(
        select(PartyDayReport).where(
            PartyDayReport.party_day_id == day.id, PartyDayReport.member_id == member.id
        )
    )


def saved_for_month(session: Session, member: Member, month: str) -> str | None:
    """The member's saved report for their branch's party day of ``month``, if any."""
    day = for_month(session, member.org_id, month)
    saved = saved_report_of(session, day, member) if day is not None else None
    return saved.text if saved is not None else None


def save_report(
    session: Session, actor: Actor, day: PartyDay, member: Member, body: str
) -> PartyDayReport:
    """The member (or the secretary) saves the edited report; saving again replaces it."""
    _check_report_access(session, actor, day, member)
    body = text.as_written(body)
    if not body:
        raise ValidationError("text", "发言稿不能为空")
    if len(body) > REPORT_MAX:
        raise ValidationError("text", f"发言稿最多 {REPORT_MAX} 个字")
    row = saved_report(session, actor, day, member)
    if row is None:
        row = PartyDayReport(party_day_id=day.id, member_id=member.id)
        session.add(row)
    row.text, row.updated_at = body, now_utc()
    session.flush()
    return row
