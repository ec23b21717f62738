"""积分兑换: counters (兑换点) with exchange days, their catalogue and stock, the short-lived
code a resident shows, and the redemption the officer records by scanning it.

A redemption changes the token, the stock and the balance in the caller's transaction by
conditional UPDATEs (``used_at IS NULL``, ``stock > 0``, ``balance >= price``) whose row
counts decide; the unique ``civic_redemption.token`` refuses a second redemption of one scan.
So twenty simultaneous scans of a good with stock 5 make exactly 5 redemptions, on SQLite and
PostgreSQL alike, and no balance goes below zero. On a refusal the caller rolls back.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from infra.clock import local_date, now_utc
from models import (
    Account,
    CivicBook,
    CivicCounter,
    CivicEntry,
    CivicEntryKind,
    CivicGood,
    CivicRedemption,
    CivicScanToken,
    Organisation,
)
from services import outbox
from services.actors import Actor
from services.civic import access
from services.civic.book import CivicSettings, book_of_account, holder_accounts, month_of
from services.errors import Conflict, NotFound, PermissionDenied, ValidationError
from services.text import as_written

NOTICE_REDEEMED = "civic_redeemed"


def _parse_days(days: str) -> list[int]:
    out: list[int] = []
    for part in days.replace("，", ",").replace("、", ",").split(","):
        part = part.strip()
        if not part:
            continue
        if not part.isdigit() or not 1 <= int(part) <= 31:
            raise ValidationError("days", "兑换日请写每月几号，用逗号分开，例如“5,20”")
        out.append(int(part))
    return sorted(set(out))


def days_text(counter: CivicCounter) -> str:
    days = _parse_days(counter.days)
    return "每天" if not days else "每月" + "、".join(str(d) for d in days) + "日"


def is_exchange_day(counter: CivicCounter, moment: datetime | None = None) -> bool:
    days = _parse_days(counter.days)
    return not days or local_date(moment).day in days


def add_counter(
    session: Session, actor: Actor, org: Organisation, name: str, address: str = "", days: str = ""
) -> CivicCounter:
    if not access.may_manage_counters(actor, org):
        raise PermissionDenied("只有支部书记或街镇管理员可以设立兑换点")
    name = as_written(name)
    if not 2 <= len(name) <= 50:
        raise ValidationError("name", "请写兑换点名称（2 到 50 个字），例如“便民服务中心”")
    counter = CivicCounter(
        org_id=org.id,
        name=name,
        address=as_written(address)[:200],
        days=",".join(str(d) for d in _parse_days(days)),
        created_at=now_utc(),
    )
    session.add(counter)
    session.flush()
    return counter


def add_good(
    session: Session, actor: Actor, counter: CivicCounter, name: str, price: int, stock: int
) -> CivicGood:
    org = session.get_one(Organisation, counter.org_id)
    if not access.may_manage_counters(actor, org):
        raise PermissionDenied("只有支部书记或街镇管理员可以上架兑换物品")
    name = as_written(name)
    if not 1 <= len(name) <= 50:
        raise ValidationError("name", "请写物品名称（最多 50 个字），例如“洗衣粉一袋”")
    if isinstance(price, bool) or not isinstance(price, int) or not 1 <= price <= 100_000:
        raise ValidationError("price", "兑换所需积分应为 1 到 100000 之间的整数")
    if isinstance(stock, bool) or not isinstance(stock, int) or not 0 <= stock <= 100_000:
        raise ValidationError("stock", "库存应为 0 到 100000 之间的整数")
    good = CivicGood(counter_id=counter.id, name=name, price=price, stock=stock)
    try:
        with session.begin_nested():
            session.add(good)
    except IntegrityError:
        raise ValidationError(
            "name", f"{counter.name}已有“{name}”，请改库存而不是重复上架"
        ) from None
    return good


def restock(session: Session, actor: Actor, good: CivicGood, added: int) -> CivicGood:
    counter = session.get_one(CivicCounter, good.counter_id)
    if not access.may_manage_counters(actor, session.get_one(Organisation, counter.org_id)):
        raise PermissionDenied("只有支部书记或街镇管理员可以补充库存")
    if isinstance(added, bool) or not isinstance(added, int) or not 1 <= added <= 100_000:
        raise ValidationError("added", "补充数量应为 1 到 100000 之间的整数")
    session.execute(
        update(CivicGood).where(CivicGood.id == good.id).values(stock=CivicGood.stock + added)
    )
    session.refresh(good)
    return good


def catalogue(session: Session, org: Organisation) -> list[tuple[CivicCounter, list[CivicGood]]]:
    counters = session.scalars(
        select(CivicCounter).where(CivicCounter.org_id == org.id).order_by(CivicCounter.id)
    ).all()
    out = []
    for c in counters:
        goods = session.scalars(
            select(CivicGood)
            .where(CivicGood.counter_id == c.id, CivicGood.active.is_(True))
            .order_by(CivicGood.price, CivicGood.id)
        ).all()
        out.append((c, list(goods)))
    return out


def get_good(session: Session, good_id: int) -> CivicGood:
    good = session.get(CivicGood, good_id)
    if good is None or not good.active:
        raise NotFound("找不到这件兑换物品，请刷新后重试")
    return good


# -- the code a resident shows ------------------------------------------------------------


def issue_token(
    session: Session, settings: CivicSettings, account: Account, now: datetime | None = None
) -> CivicScanToken:
    """A new code for the resident's book, valid ``scan_token_minutes``."""
    now = now or now_utc()
    book = book_of_account(session, settings, account)
    row = CivicScanToken(
        token="cv" + secrets.token_urlsafe(18),
        book_id=book.id,
        account_id=account.id,
        expires_at=now + timedelta(minutes=settings.scan_token_minutes),
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row


def token_is_live(session: Session, token: str, now: datetime | None = None) -> bool:
    scan = session.scalar(select(CivicScanToken).where(CivicScanToken.token == token[:40]))
    return scan is not None and scan.used_at is None and scan.expires_at >= (now or now_utc())


# -- redemption ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Redeemed:
    redemption: CivicRedemption
    balance: int
    stock: int


def redeem(
    session: Session,
    actor: Actor,
    token: str,
    good_id: int,
    now: datetime | None = None,
) -> Redeemed:
    """The officer scanned ``token`` and hands over one ``good``: all or nothing."""
    now = now or now_utc()
    token = (token or "").strip()
    scan = session.scalar(select(CivicScanToken).where(CivicScanToken.token == token))
    if scan is None:
        raise ValidationError("token", "这个兑换码无效，请群众在小程序“文明存折”里重新出示")
    good = get_good(session, good_id)
    counter = session.get_one(CivicCounter, good.counter_id)
    org = session.get_one(Organisation, counter.org_id)
    if not access.may_run_counter(actor, org):
        raise PermissionDenied(f"只有{org.name}的干部可以在{counter.name}登记兑换")
    book = session.get_one(CivicBook, scan.book_id)
    if book.org_id != org.id:
        raise Conflict(f"这本文明存折不属于{org.name}，请到本村的兑换点兑换")
    if not is_exchange_day(counter, now):
        raise Conflict(f"{counter.name}的兑换日是{days_text(counter)}，今天不兑换")
    if scan.used_at is not None:
        raise Conflict("这个兑换码已经用过了，请群众重新出示", code="token_used")
    if scan.expires_at < now:
        raise Conflict("这个兑换码已过期，请群众在小程序里刷新后重新出示", code="token_expired")
    # The conditional updates decide; their order does not matter, the transaction does.
    used = session.execute(
        update(CivicScanToken)
        .where(CivicScanToken.id == scan.id, CivicScanToken.used_at.is_(None))
        .values(used_at=now)
    )
    if used.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict("这个兑换码已经用过了，请群众重新出示", code="token_used")
    taken = session.execute(
        update(CivicGood)
        .where(CivicGood.id == good.id, CivicGood.stock > 0)
        .values(stock=CivicGood.stock - 1)
    )
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(f"“{good.name}”已经兑完了，请选其他物品", code="out_of_stock")
    paid = session.execute(
        update(CivicBook)
        .where(CivicBook.id == book.id, CivicBook.balance >= good.price)
        .values(balance=CivicBook.balance - good.price)
    )
    if paid.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(f"积分不够：兑换“{good.name}”需要 {good.price} 分", code="not_enough_points")
    redemption = CivicRedemption(
        token=token,
        book_id=book.id,
        good_id=good.id,
        counter_id=counter.id,
        points=good.price,
        officer_member_id=actor.member_id,
        officer_account_id=actor.account_id,
        officer_label=actor.label[:50],
        created_at=now,
    )
    session.add(redemption)
    try:
        session.flush()
    except IntegrityError:
        raise Conflict("这个兑换码已经用过了，请群众重新出示", code="token_used") from None
    session.add(
        CivicEntry(
            book_id=book.id,
            points=-good.price,
            kind=CivicEntryKind.EXCHANGE.value,
            reason=f"{counter.name}兑换{good.name}",
            month=month_of(now),
            actor_member_id=actor.member_id,
            actor_account_id=actor.account_id,
            actor_label=actor.label[:50],
            redemption_id=redemption.id,
            created_at=now,
        )
    )
    session.flush()
    session.refresh(book)
    session.refresh(good)
    for account in holder_accounts(session, book):
        outbox.notice_account(
            session,
            account.id,
            NOTICE_REDEEMED,
            {
                "counter": counter.name,
                "good": good.name,
                "points": good.price,
                "balance": book.balance,
            },
            f"civic-redeem:{redemption.id}:{account.id}",
        )
    return Redeemed(redemption=redemption, balance=book.balance, stock=good.stock)


# -- the monthly exchange report ----------------------------------------------------------


@dataclass(frozen=True)
class ReportRow:
    village: str
    counter: str
    good: str
    count: int
    points: int
    stock_left: int


def monthly_report(
    session: Session, month: str, org: Organisation | None = None
) -> list[ReportRow]:
    """Exchanges of ``month`` (local YYYY-MM) per counter and good, in ``org``'s subtree."""
    stmt = (
        select(
            Organisation.name,
            CivicCounter.name,
            CivicGood.name,
            func.count(CivicRedemption.id),
            func.coalesce(func.sum(CivicRedemption.points), 0),
            CivicGood.stock,
        )
        .join(CivicEntry, CivicEntry.redemption_id == CivicRedemption.id)
        .join(CivicGood, CivicGood.id == CivicRedemption.good_id)
        .join(CivicCounter, CivicCounter.id == CivicRedemption.counter_id)
        .join(Organisation, Organisation.id == CivicCounter.org_id)
        .where(CivicEntry.month == month)
        .group_by(Organisation.name, CivicCounter.id, CivicCounter.name, CivicGood.id)
        .order_by(Organisation.name, CivicCounter.id, CivicGood.id)
    )
    if org is not None:
        stmt = stmt.where(Organisation.path.like(f"{org.path}%"))
    return [
        ReportRow(*(r[0], r[1], r[2], int(r[3]), int(r[4]), int(r[5])))
        for r in session.execute(stmt)
    ]
