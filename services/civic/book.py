"""雷锋文明存折: the books (per household or per resident), awards under the configured rules
with a monthly cap per awarder, balances and the public honour list.

These points never mix with members' 先锋指数 (``services.evaluation.points``): own tables,
own rules. A balance changes only by a conditional UPDATE in the caller's transaction, next
to the entry that explains it, so a book always sums to its entries.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from infra.clock import local_date, now_utc
from models import (
    Account,
    CivicBook,
    CivicEntry,
    CivicEntryKind,
    Household,
    Member,
    Organisation,
    Photo,
)
from services import outbox, privacy
from services.actors import Actor
from services.civic import access
from services.errors import Conflict, NotFound, PermissionDenied, ValidationError
from services.text import as_written

NOTICE_AWARDED = "civic_awarded"
ROLE_LABELS = {
    "secretary": "支部书记",
    "deputy_secretary": "支部副书记",
    "group_leader": "党小组长",
    "township_admin": "街镇管理员",
}


class Rule(Protocol):
    code: str
    item: str
    points: int
    awarders: Sequence[str]
    monthly_cap: int


class CivicSettings(Protocol):
    book_per: str
    rules: Sequence[Any]  # Rule
    scan_token_minutes: int
    honour_list_size: int


def month_of(moment: datetime | None = None) -> str:
    return local_date(moment).strftime("%Y-%m")


def find_rule(rules: Sequence[Rule], word: str) -> Rule:
    """A rule by its code or its item (``rescue`` or ``抢险救灾``)."""
    word = (word or "").strip()
    for rule in rules:
        if word in (rule.code, rule.item):
            return rule
    items = "、".join(r.item for r in rules)
    raise ValidationError("rule", f"没有“{word}”这条积分规则，可选：{items}")


# -- books --------------------------------------------------------------------------------


def _book(session: Session, **where: Any) -> CivicBook | None:
    return session.scalar(select(CivicBook).filter_by(**where))


def _create(session: Session, row: CivicBook, **where: Any) -> CivicBook:
    """Insert a book once; a simultaneous first award finds the other's row."""
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        found = _book(session, **where)
        if found is None:
            raise
        return found
    return row


def book_of_household(session: Session, household: Household) -> CivicBook:
    found = _book(session, household_id=household.id)
    if found is not None:
        return found
    row = CivicBook(
        org_id=household.org_id,
        household_id=household.id,
        holder_name=household.head_name,
        created_at=now_utc(),
    )
    return _create(session, row, household_id=household.id)


def book_of_account(session: Session, settings: CivicSettings, account: Account) -> CivicBook:
    """The book a resident's account earns into: their household's, or their own."""
    if account.household_id is None:
        raise Conflict("请先绑定您家的连心卡（发送“绑定 连心卡编号”），再查看文明存折")
    household = session.get_one(Household, account.household_id)
    if settings.book_per == "household":
        return book_of_household(session, household)
    found = _book(session, account_id=account.id)
    if found is not None:
        return found
    row = CivicBook(
        org_id=household.org_id,
        account_id=account.id,
        holder_name=account.name or account.nickname,
        created_at=now_utc(),
    )
    return _create(session, row, account_id=account.id)


def household_for(session: Session, household_id: int | None, code: str = "") -> Household:
    """The household an officer names: by id, or by 户编号 / 连心卡户码 (scanned or typed)."""
    code = (code or "").strip().upper()
    found: Household | None = None
    if household_id is not None:
        found = session.get(Household, household_id)
    elif code:
        found = session.scalar(
            select(Household).where((Household.code == code) | (Household.bind_code == code))
        )
    else:
        raise ValidationError("household_code", "请扫连心卡或填写户编号，例如 DC001")
    if found is None:
        raise NotFound("找不到这户，请核对户编号或重新扫连心卡")
    return found


def book_for_award(
    session: Session, settings: CivicSettings, household: Household, account_id: int | None = None
) -> CivicBook:
    """The book an officer's award for ``household`` goes into: the household's, or (books per
    resident) the named resident's — or the only resident linked to it."""
    if settings.book_per == "household":
        return book_of_household(session, household)
    residents = list(
        session.scalars(
            select(Account).where(Account.household_id == household.id).order_by(Account.id)
        )
    )
    chosen = [a for a in residents if a.id == account_id] if account_id else residents
    if not chosen:
        raise ValidationError(
            "account_id", "这户还没有群众绑定微信，按人记分时请先请群众绑定连心卡"
        )
    if len(chosen) > 1:
        names = "、".join(privacy.mask_name(a.name or a.nickname) for a in chosen)
        raise ValidationError(
            "account_id", f"这户有 {len(chosen)} 位群众（{names}），请选择为哪一位记分"
        )
    return book_of_account(session, settings, chosen[0])


def holder_accounts(session: Session, book: CivicBook) -> list[Account]:
    """Who hears about a book: its resident, or every linked resident of its household."""
    if book.account_id is not None:
        return [session.get_one(Account, book.account_id)]
    return list(
        session.scalars(
            select(Account).where(Account.household_id == book.household_id).order_by(Account.id)
        )
    )


def entries(session: Session, book: CivicBook, limit: int = 50) -> list[CivicEntry]:
    return list(
        session.scalars(
            select(CivicEntry)
            .where(CivicEntry.book_id == book.id)
            .order_by(CivicEntry.id.desc())
            .limit(limit)
        )
    )


def entries_sum(session: Session, book: CivicBook) -> int:
    return int(
        session.scalar(
            select(func.coalesce(func.sum(CivicEntry.points), 0)).where(
                CivicEntry.book_id == book.id
            )
        )
        or 0
    )


# -- awards -------------------------------------------------------------------------------


def awarded_this_month(session: Session, actor: Actor, rule: Rule, month: str) -> int:
    """Points ``actor`` gave under ``rule`` in ``month`` (the monthly cap counts these)."""
    who = (
        CivicEntry.actor_member_id == actor.member_id
        if actor.member_id is not None
        else CivicEntry.actor_account_id == actor.account_id
    )
    return int(
        session.scalar(
            select(func.coalesce(func.sum(CivicEntry.points), 0)).where(
                who,
                CivicEntry.rule == rule.code,
                CivicEntry.month == month,
                CivicEntry.kind == CivicEntryKind.AWARD.value,
            )
        )
        or 0
    )


def _photo_key(session: Session, actor: Actor, photo_id: int | None) -> str | None:
    """The stored key of a photo the awarder uploaded (``/api/v1/uploads``) for this award."""
    if photo_id is None:
        return None
    photo = session.get(Photo, photo_id)
    if photo is None or photo.uploader_account_id != actor.account_id or not photo.storage_key:
        raise ValidationError("photo_id", "找不到这张照片，请重新上传")
    return photo.storage_key


def _serialise_awarder(session: Session, actor: Actor) -> None:
    """Two simultaneous awards by one awarder queue here (PostgreSQL: a row lock on the
    awarder; SQLite's write transactions are serial already), so the cap holds under races."""
    if actor.member_id is not None:
        session.execute(select(Member.id).where(Member.id == actor.member_id).with_for_update())
    elif actor.account_id is not None:
        session.execute(select(Account.id).where(Account.id == actor.account_id).with_for_update())


def award(
    session: Session,
    actor: Actor,
    settings: CivicSettings,
    book: CivicBook,
    rule_word: str,
    reason: str,
    *,
    photo_id: int | None = None,
    now: datetime | None = None,
) -> CivicEntry:
    """Record a good deed in a book under a rule; refused over the awarder's monthly cap."""
    now = now or now_utc()
    rule = find_rule(settings.rules, rule_word)
    org = session.get_one(Organisation, book.org_id)
    if not access.may_award(actor, rule.awarders, org):
        roles = "、".join(ROLE_LABELS.get(r, r) for r in rule.awarders)
        raise PermissionDenied(f"“{rule.item}”积分只能由{org.name}的{roles}记入")
    reason = as_written(reason)
    if len(reason) < 2:
        raise ValidationError("reason", "请写明事由，例如“暴雨夜组织邻居抢收稻谷”")
    if len(reason) > 200:
        raise ValidationError("reason", "事由太长，最多 200 个字")
    photo_key = _photo_key(session, actor, photo_id)
    month = month_of(now)
    if actor.member_id is None and actor.account_id is None and not actor.system:
        raise PermissionDenied("请先登录再记积分")
    _serialise_awarder(session, actor)
    given = awarded_this_month(session, actor, rule, month) if not actor.system else 0
    if given + rule.points > rule.monthly_cap:
        raise Conflict(
            f"本月您按“{rule.item}”已记 {given} 分，每月上限 {rule.monthly_cap} 分，"
            f"再记 {rule.points} 分会超过上限，下月再记或请其他干部记入",
            code="monthly_cap",
        )
    session.execute(
        update(CivicBook)
        .where(CivicBook.id == book.id)
        .values(balance=CivicBook.balance + rule.points)
    )
    entry = CivicEntry(
        book_id=book.id,
        points=rule.points,
        kind=CivicEntryKind.AWARD.value,
        rule=rule.code,
        reason=reason,
        photo_key=photo_key,
        month=month,
        actor_member_id=actor.member_id,
        actor_account_id=actor.account_id,
        actor_label=actor.label[:50],
        created_at=now,
    )
    session.add(entry)
    session.flush()
    session.refresh(book)
    for account in holder_accounts(session, book):
        outbox.notice_account(
            session,
            account.id,
            NOTICE_AWARDED,
            {"item": rule.item, "points": rule.points, "reason": reason, "balance": book.balance},
            f"civic-award:{entry.id}:{account.id}",
        )
    return entry


def recent_awards(
    session: Session, org: Organisation, month: str, limit: int = 50
) -> list[tuple[CivicEntry, str]]:
    """The village's awards of ``month`` (newest first) with the book holder's masked name,
    for the officers' list."""
    rows = session.execute(
        select(CivicEntry, CivicBook.holder_name)
        .join(CivicBook, CivicBook.id == CivicEntry.book_id)
        .where(
            CivicBook.org_id == org.id,
            CivicEntry.kind == CivicEntryKind.AWARD.value,
            CivicEntry.month == month,
        )
        .order_by(CivicEntry.id.desc())
        .limit(limit)
    ).all()
    return [(entry, privacy.mask_name(name)) for entry, name in rows]


# -- the honour list ----------------------------------------------------------------------


@dataclass(frozen=True)
class Honour:
    rank: int
    name: str  # masked
    points: int  # awarded in the period (exchanges do not lower it)


def honour_list(
    session: Session, org: Organisation, months: Sequence[str] = (), size: int = 20
) -> list[Honour]:
    """The village's residents by points awarded (all time, or in ``months``), names masked."""
    total = func.sum(CivicEntry.points).label("total")
    stmt = (
        select(CivicBook.holder_name, total)
        .join(CivicEntry, CivicEntry.book_id == CivicBook.id)
        .where(CivicBook.org_id == org.id, CivicEntry.kind == CivicEntryKind.AWARD.value)
        .group_by(CivicBook.id, CivicBook.holder_name)
        .order_by(total.desc(), CivicBook.id)
        .limit(size)
    )
    if months:
        stmt = stmt.where(CivicEntry.month.in_(list(months)))
    return [
        Honour(rank=i, name=privacy.mask_name(name), points=int(points))
        for i, (name, points) in enumerate(session.execute(stmt).all(), start=1)
    ]


def village(session: Session, code: str) -> Organisation:
    org = session.scalar(select(Organisation).where(Organisation.code == code))
    if org is None:
        raise NotFound("找不到这个村（社区）")
    return org
