"""积分兑换 (issue 19, must-show 1): twenty simultaneous redemptions, each on its own session
and connection, of a good with stock 5 leave stock 0, exactly 5 redemptions and no balance
below zero; a replayed scan does nothing. Runs on SQLite and (TEST_DATABASE_URL) PostgreSQL."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from infra.clock import now_utc
from infra.config import CivicSection
from models import CivicBook, CivicEntry, CivicGood, CivicRedemption, CivicScanToken, Household
from models.db import Database
from services.civic import book, exchange
from services.errors import Conflict, DomainError, PermissionDenied
from tests import factories as f

SETTINGS = CivicSection(
    rules=[
        {"code": "rescue", "item": "抢险救灾", "points": 10, "monthly_cap": 1000},
        {"code": "neighbour", "item": "邻里互助", "points": 5, "monthly_cap": 1000},
    ]
)


@pytest.fixture
def counter_world(session: Session) -> dict[str, int | list[str]]:
    """10 households with 15 points each, 2 codes each (20 codes); a good priced 10, stock 5."""
    t = f.tree(session)
    secretary = f.member(session, t["branch"], "李书记")
    f.grant(session, "secretary", t["branch"], member=secretary)
    officer = f.as_actor(session, secretary)
    counter = exchange.add_counter(session, officer, t["branch"], "便民服务中心", "村部一楼")
    good = exchange.add_good(session, officer, counter, "洗衣粉一袋", price=10, stock=5)
    tokens: list[str] = []
    for i in range(10):
        house = f.household(session, t["branch"], head_name=f"村民{i}")
        resident = f.account(session, household=house)
        b = book.book_of_household(session, house)
        book.award(session, officer, SETTINGS, b, "rescue", "暴雨夜帮邻居抢收稻谷")
        book.award(session, officer, SETTINGS, b, "neighbour", "照顾独居老人")
        tokens += [exchange.issue_token(session, SETTINGS, resident).token for _ in range(2)]
    session.commit()
    return {"good": good.id, "secretary": secretary.id, "tokens": tokens}


def test_twenty_simultaneous_redemptions_of_stock_five(
    database: Database, counter_world: dict[str, int | list[str]]
) -> None:
    tokens = counter_world["tokens"]
    assert isinstance(tokens, list) and len(tokens) == 20
    good_id, secretary_id = counter_world["good"], counter_world["secretary"]
    start = threading.Barrier(len(tokens))
    outcomes: list[str] = []
    lock = threading.Lock()

    def scan(token: str) -> None:
        s = database.session_factory()  # its own session, its own connection
        try:
            from models import Member

            start.wait()
            officer = f.as_actor(s, s.get_one(Member, secretary_id))
            exchange.redeem(s, officer, token, int(good_id))  # type: ignore[arg-type]
            s.commit()
            result = "ok"
        except DomainError as e:
            s.rollback()
            result = e.code
        finally:
            s.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=scan, args=(t,)) for t in tokens]
    for th in threads:
        th.start()
    for th in threads:
        th.join()

    assert len(outcomes) == 20
    assert outcomes.count("ok") == 5
    assert set(outcomes) <= {"ok", "out_of_stock", "not_enough_points"}
    with database.session() as s:
        assert s.get_one(CivicGood, good_id).stock == 0
        assert s.scalar(select(func.count()).select_from(CivicRedemption)) == 5
        assert s.scalar(select(func.count()).where(CivicScanToken.used_at.is_not(None))) == 5
        for b in s.scalars(select(CivicBook)):
            assert b.balance >= 0
            assert b.balance == book.entries_sum(s, b)  # the book sums to its entries
        # each book could afford one good: no book paid twice
        paid = s.execute(
            select(CivicRedemption.book_id, func.count()).group_by(CivicRedemption.book_id)
        ).all()
        assert all(n == 1 for _, n in paid)


def test_a_replayed_scan_does_nothing(
    database: Database, counter_world: dict[str, int | list[str]]
) -> None:
    from models import Member

    token = counter_world["tokens"][0]  # type: ignore[index]
    good_id = int(counter_world["good"])  # type: ignore[arg-type]
    with database.session() as s:
        officer = f.as_actor(s, s.get_one(Member, counter_world["secretary"]))
        done = exchange.redeem(s, officer, token, good_id)
        assert (done.balance, done.stock) == (5, 4)
    for _ in range(2):
        with database.session() as s:
            officer = f.as_actor(s, s.get_one(Member, counter_world["secretary"]))
            with pytest.raises(Conflict) as refused:
                exchange.redeem(s, officer, token, good_id)
            assert refused.value.code == "token_used" and "已经用过" in refused.value.message
    with database.session() as s:
        assert s.get_one(CivicGood, good_id).stock == 4
        assert s.scalar(select(func.count()).select_from(CivicRedemption)) == 1
        assert s.scalar(select(func.count()).where(CivicEntry.points < 0)) == 1


def test_refusals_change_nothing(session: Session) -> None:
    t = f.tree(session)
    secretary = f.member(session, t["branch"], "李书记")
    f.grant(session, "secretary", t["branch"], member=secretary)
    stranger = f.member(session, t["branch"], "路人")
    officer = f.as_actor(session, secretary)
    counter = exchange.add_counter(session, officer, t["branch"], "便民服务中心", days="")
    good = exchange.add_good(session, officer, counter, "香皂", price=30, stock=2)
    house = f.household(session, t["branch"], head_name="张三")
    resident = f.account(session, household=house)
    b = book.book_of_household(session, house)
    book.award(session, officer, SETTINGS, b, "抢险救灾", "抢修水渠")
    token = exchange.issue_token(session, SETTINGS, resident)
    session.commit()

    with pytest.raises(Conflict) as poor:
        exchange.redeem(session, officer, token.token, good.id)
    assert poor.value.code == "not_enough_points" and "30 分" in poor.value.message
    session.rollback()
    with pytest.raises(PermissionDenied):
        exchange.redeem(session, f.as_actor(session, stranger), token.token, good.id)
    session.rollback()
    session.expire_all()
    assert session.get_one(CivicGood, good.id).stock == 2
    assert session.get_one(CivicBook, b.id).balance == 10
    assert session.get_one(CivicScanToken, token.id).used_at is None

    token.expires_at = now_utc() - timedelta(seconds=1)
    session.commit()
    with pytest.raises(Conflict) as late:
        exchange.redeem(session, officer, token.token, good.id)
    assert late.value.code == "token_expired"
    session.rollback()


def test_exchange_days(session: Session) -> None:
    t = f.tree(session)
    secretary = f.member(session, t["branch"], "李书记")
    f.grant(session, "secretary", t["branch"], member=secretary)
    officer = f.as_actor(session, secretary)
    counter = exchange.add_counter(session, officer, t["branch"], "便民服务中心", days="5，20")
    assert exchange.days_text(counter) == "每月5、20日"
    good = exchange.add_good(session, officer, counter, "食用油", price=10, stock=1)
    house = session.get_one(Household, f.household(session, t["branch"]).id)
    resident = f.account(session, household=house)
    b = book.book_of_household(session, house)
    book.award(session, officer, SETTINGS, b, "rescue", "抢修水渠")
    token = exchange.issue_token(session, SETTINGS, resident)
    session.commit()
    day = now_utc().replace(day=6, hour=4)
    with pytest.raises(Conflict) as closed:
        exchange.redeem(session, officer, token.token, good.id, now=day)
    assert "每月5、20日" in closed.value.message
    session.rollback()


def test_simultaneous_awards_keep_the_monthly_cap(database: Database) -> None:
    """Ten simultaneous 10-point awards by one officer under a 50-point cap: exactly five."""
    from models import Member

    capped = CivicSection(rules=[{"code": "rescue", "item": "抢险救灾", "points": 10,
                                  "monthly_cap": 50}])  # fmt: skip
    with database.session() as s:
        t = f.tree(s)
        li = f.member(s, t["branch"], "李书记")
        f.grant(s, "secretary", t["branch"], member=li)
        books = [book.book_of_household(s, f.household(s, t["branch"])).id for _ in range(10)]
        li_id = li.id
    start = threading.Barrier(len(books))
    outcomes: list[str] = []

    def give(book_id: int) -> None:
        s = database.session_factory()
        try:
            start.wait()
            officer = f.as_actor(s, s.get_one(Member, li_id))
            book.award(s, officer, capped, s.get_one(CivicBook, book_id), "rescue", "抢险")
            s.commit()
            outcomes.append("ok")
        except DomainError as e:
            s.rollback()
            outcomes.append(e.code)
        finally:
            s.close()

    threads = [threading.Thread(target=give, args=(b,)) for b in books]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert sorted(outcomes) == ["monthly_cap"] * 5 + ["ok"] * 5
    with database.session() as s:
        assert s.scalar(select(func.sum(CivicEntry.points))) == 50
