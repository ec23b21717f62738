"""联户走访 (连心笔记本): a member's visits to the households linked to them, each with what
was asked, mediated or checked; the visit log per household and per member; finding a household
from what a member types (户编号, 户主 or address)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from infra.clock import local_date, now_utc
from models import Household, HouseholdVisit, Member, MemberHousehold, Photo
from services import privacy, text
from services.actors import Actor
from services.errors import Conflict, NotFound, ValidationError
from services.practices import access

NOTE_MAX = 500
CHANNELS = ("bot", "mp", "console")


def linked_households(session: Session, member: Member) -> list[Household]:
    """The households linked to ``member`` (联系户), by 户编号."""
    return list(
        session.scalars(
            select(Household)
            .join(MemberHousehold, MemberHousehold.household_id == Household.id)
            .where(MemberHousehold.member_id == member.id)
            .order_by(Household.code)
        )
    )


def find_household(session: Session, member: Member, query: str) -> Household:
    """The member's linked household named by ``query``: its 户编号 exactly, else its 户主's
    name, else a part of its address. Several matches are refused with the choices named."""
    q = query.strip()
    if not q:
        raise ValidationError("household", "请写明走访的是哪一户：户编号或户主姓名")
    mine = linked_households(session, member)
    if not mine:
        raise NotFound("您还没有联系户：联户关系由支部在户信息里登记，请联系支部书记")
    for matches in (
        [h for h in mine if h.code.upper() == q.upper()],
        [h for h in mine if h.head_name and h.head_name == q],
        [h for h in mine if q in h.address or (h.head_name and q in h.head_name)],
    ):
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            names = "、".join(f"{h.code}（{h.address}）" for h in matches[:5])
            raise Conflict(f"“{q}”对应多户：{names}，请写户编号", code="household_ambiguous")
    raise NotFound(
        f"您的联系户里没有“{q}”。您联系的户："
        + "、".join(f"{h.code} {h.head_name or h.address}" for h in mine[:10])
    )


def split_target(session: Session, member: Member, args: str) -> tuple[Household, str]:
    """ "H001 问了低保申请" / "张大爷 调解了邻里纠纷" → (household, what was done). The first
    word names the household; a household whose 户主 or address is typed with spaces also works."""
    words = args.split(maxsplit=1)
    if not words:
        raise ValidationError("household", "请写明走访的是哪一户：户编号或户主姓名")
    try:
        return find_household(session, member, words[0]), (words[1] if len(words) > 1 else "")
    except NotFound:
        for h in linked_households(session, member):
            for name in (h.code, h.head_name, h.address):
                if name and args.startswith(name):
                    return h, args[len(name) :].strip(" ,，:：")
        raise


@dataclass(frozen=True)
class Location:
    latitude: float
    longitude: float
    label: str = ""


def log_visit(
    session: Session,
    actor: Actor,
    member: Member,
    household: Household,
    note: str,
    *,
    channel: str,
    visited_on: date | None = None,
    photo_id: int | None = None,
    location: Location | None = None,
    backdate_days: int = 7,
    today: date | None = None,
) -> HouseholdVisit:
    """Record a visit. The note says what was asked, mediated or checked (2–500 characters);
    the day is today or up to ``backdate_days`` back; a photo must be the caller's own upload."""
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")
    access.check_may_visit(session, actor, member, household)
    note = text.as_written(note)
    if len(note) < 2:
        raise ValidationError(
            "note",
            "请写明走访内容（问了什么、调解了什么、卫生检查情况），例如“走访 H001 问了低保申请”",
        )
    if len(note) > NOTE_MAX:
        raise ValidationError("note", f"走访内容最多 {NOTE_MAX} 个字")
    today = today or local_date()
    day = visited_on or today
    if day > today:
        raise ValidationError("visited_on", "走访日期不能晚于今天")
    if day < today - timedelta(days=backdate_days):
        raise ValidationError("visited_on", f"最多补记 {backdate_days} 天以内的走访")
    photo_key = None
    if photo_id is not None:
        photo = session.get(Photo, photo_id)
        if photo is None or photo.uploader_account_id != actor.account_id:
            raise ValidationError("photo_id", "找不到这张照片，请重新上传")
        photo_key = photo.storage_key
    if location is not None:
        if not (-90 <= location.latitude <= 90 and -180 <= location.longitude <= 180):
            raise ValidationError("location", "位置坐标不正确")
    visit = HouseholdVisit(
        member_id=member.id,
        household_id=household.id,
        org_id=member.org_id,
        visited_on=day,
        note=note,
        photo_key=photo_key,
        latitude=location.latitude if location else None,
        longitude=location.longitude if location else None,
        location_label=(location.label[:200] if location else ""),
        channel=channel,
        created_by_account_id=actor.account_id,
        created_at=now_utc(),
    )
    session.add(visit)
    session.flush()
    return visit


@dataclass(frozen=True)
class VisitLine:
    id: int
    visited_on: date
    member_id: int
    member_name: str
    household_id: int
    household_code: str
    address: str
    head_name: str  # masked for residents' eyes by the caller's channel via ``privacy``
    note: str
    photo_key: str | None
    location_label: str


def _lines(session: Session, *conditions: object, limit: int = 100) -> list[VisitLine]:
    rows = session.execute(
        select(HouseholdVisit, Member.name, Household.code, Household.address, Household.head_name)
        .join(Member, Member.id == HouseholdVisit.member_id)
        .join(Household, Household.id == HouseholdVisit.household_id)
        .where(*conditions)  # type: ignore[arg-type]
        .order_by(HouseholdVisit.visited_on.desc(), HouseholdVisit.id.desc())
        .limit(limit)
    ).all()
    return [
        VisitLine(
            v.id,
            v.visited_on,
            v.member_id,
            name,
            v.household_id,
            code,
            address,
            privacy.mask_name(head),
            privacy.scrub(v.note),
            v.photo_key,
            v.location_label,
        )
        for v, name, code, address, head in rows
    ]


def line_of(session: Session, visit: HouseholdVisit) -> VisitLine:
    """One visit as a line (after it was logged, for the caller who logged it)."""
    return _lines(session, HouseholdVisit.id == visit.id, limit=1)[0]


def _within(start: date | None, end: date | None) -> list[object]:
    conds: list[object] = []
    if start is not None:
        conds.append(HouseholdVisit.visited_on >= start)
    if end is not None:
        conds.append(HouseholdVisit.visited_on <= end)
    return conds


def visits_to(
    session: Session,
    actor: Actor,
    household: Household,
    limit: int = 100,
    start: date | None = None,
    end: date | None = None,
) -> list[VisitLine]:
    """The visits to ``household``, newest first, for those ``access`` lets see them."""
    access.check_may_see_household(session, actor, household)
    return _lines(
        session, HouseholdVisit.household_id == household.id, *_within(start, end), limit=limit
    )


def visits_by(
    session: Session,
    actor: Actor,
    member: Member,
    start: date | None = None,
    end: date | None = None,
    limit: int = 100,
) -> list[VisitLine]:
    """A member's visits (optionally within ``start``..``end``), newest first."""
    access.check_may_see_member(session, actor, member)
    return _lines(session, HouseholdVisit.member_id == member.id, *_within(start, end), limit=limit)


def household_for_account(session: Session, household_id: int | None) -> Household:
    if household_id is None:
        raise NotFound("您的微信还没有绑定到户：请用连心卡上的户码绑定（发送“绑定 户码”）")
    return session.get_one(Household, household_id)
