"""雷锋文明存折 (issue 19, must-show 2): awards under the configured rules, the awarder's
monthly cap refused with a Chinese reason, a book that sums to its entries, an honour list
with masked names — and never a 先锋指数 entry."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from infra.clock import now_utc
from infra.config import CivicSection
from models import Account, CivicBook, CivicEntry, OutboundMessage, Photo, PointsEntry
from services.civic import book
from services.errors import Conflict, PermissionDenied, ValidationError
from tests import factories as f

SETTINGS = CivicSection(
    rules=[
        {
            "code": "rescue",
            "item": "抢险救灾",
            "points": 10,
            "awarders": ["secretary", "group_leader"],
            "monthly_cap": 20,
        },
        {"code": "clean", "item": "环境卫生", "points": 2, "monthly_cap": 40},
    ]
)


@pytest.fixture
def village(session: Session) -> dict:
    t = f.tree(session)
    secretary = f.member(session, t["branch"], "李书记")
    leader = f.member(session, t["branch"], "周组长")
    plain = f.member(session, t["branch"], "赵党员")
    f.grant(session, "secretary", t["branch"], member=secretary)
    f.grant(session, "group_leader", t["group1"], member=leader)
    zhang = f.household(session, t["branch"], head_name="张建华", phone="13812345678")
    wang = f.household(session, t["branch"], head_name="王五")
    f.account(session, household=zhang, oa_openid="o-zhang")
    session.commit()
    return {**t, "secretary": secretary, "leader": leader, "plain": plain, "zhang": zhang,
            "wang": wang}  # fmt: skip


def test_the_monthly_cap_is_refused_with_a_chinese_reason(session: Session, village: dict) -> None:
    officer = f.as_actor(session, village["secretary"])
    b = book.book_of_household(session, village["zhang"])
    book.award(session, officer, SETTINGS, b, "rescue", "暴雨夜组织邻居抢收稻谷")
    book.award(session, officer, SETTINGS, b, "抢险救灾", "抢修水渠")
    session.commit()
    with pytest.raises(Conflict) as capped:
        book.award(session, officer, SETTINGS, b, "rescue", "又一次抢险")
    assert capped.value.code == "monthly_cap"
    assert "每月上限 20 分" in capped.value.message and "抢险救灾" in capped.value.message
    session.rollback()
    # the cap is the awarder's: another officer may still award; next month counts afresh
    other = f.as_actor(session, village["leader"])
    book.award(session, other, SETTINGS, b, "rescue", "帮助转移老人")
    book.award(
        session, officer, SETTINGS, b, "rescue", "下月抢险", now=now_utc() + timedelta(days=32)
    )
    session.commit()
    session.refresh(b)
    assert b.balance == 40


def test_who_may_award_and_what_is_asked(session: Session, village: dict) -> None:
    b = book.book_of_household(session, village["zhang"])
    with pytest.raises(PermissionDenied) as denied:
        book.award(session, f.as_actor(session, village["plain"]), SETTINGS, b, "rescue", "抢险")
    assert "支部书记、党小组长" in denied.value.message
    leader = f.as_actor(session, village["leader"])
    with pytest.raises(PermissionDenied):  # 环境卫生: secretaries only (the default awarders)
        book.award(session, leader, SETTINGS, b, "clean", "打扫村道")
    officer = f.as_actor(session, village["secretary"])
    with pytest.raises(ValidationError) as no_rule:
        book.award(session, officer, SETTINGS, b, "唱歌", "唱得好")
    assert no_rule.value.field == "rule" and "抢险救灾、环境卫生" in no_rule.value.message
    with pytest.raises(ValidationError) as no_reason:
        book.award(session, officer, SETTINGS, b, "clean", " ")
    assert no_reason.value.field == "reason"
    session.rollback()


def test_the_book_sums_to_its_entries_and_never_touches_the_pioneer_index(
    session: Session, village: dict
) -> None:
    account = f.account(session, member=village["secretary"])
    officer = f.as_actor(session, village["secretary"])
    photo = Photo(storage_key="2026/12/clean.jpg", uploader_account_id=account.id)
    session.add(photo)
    session.flush()
    with pytest.raises(ValidationError) as not_theirs:  # a photo must be the awarder's upload
        book.award(session, f.as_actor(session, village["leader"]), SETTINGS,
                   book.book_of_household(session, village["zhang"]), "rescue", "抢险",
                   photo_id=photo.id)  # fmt: skip
    assert not_theirs.value.field == "photo_id"
    b = book.book_of_household(session, village["zhang"])
    for reason in ("打扫村道", "清理河沟", "清理垃圾"):
        book.award(session, officer, SETTINGS, b, "clean", reason, photo_id=photo.id)
    book.award(session, officer, SETTINGS, b, "rescue", "暴雨夜组织邻居抢收稻谷")
    session.commit()
    session.refresh(b)
    assert b.balance == 16 == book.entries_sum(session, b)
    assert [e.points for e in book.entries(session, b)] == [10, 2, 2, 2]
    assert [e.photo_key for e in book.entries(session, b)][1:] == ["2026/12/clean.jpg"] * 3
    assert session.scalar(select(func.count()).select_from(PointsEntry)) == 0
    # the household's resident hears of each award through the outbox
    assert session.scalar(select(func.count()).where(OutboundMessage.recipient == "o-zhang")) == 4
    # one book per household, however often it is asked for
    assert book.book_of_household(session, village["zhang"]).id == b.id
    assert session.scalar(select(func.count()).select_from(CivicBook)) == 1
    assert session.scalar(select(func.count()).select_from(CivicEntry)) == 4


def test_the_honour_list_masks_names(session: Session, village: dict) -> None:
    officer = f.as_actor(session, village["secretary"])
    zhang = book.book_of_household(session, village["zhang"])
    wang = book.book_of_household(session, village["wang"])
    book.award(session, officer, SETTINGS, zhang, "rescue", "暴雨夜组织邻居抢收稻谷")
    book.award(session, officer, SETTINGS, wang, "clean", "打扫村道")
    session.commit()
    honours = book.honour_list(session, village["branch"])
    assert [(h.rank, h.name, h.points) for h in honours] == [(1, "张**", 10), (2, "王*", 2)]
    assert all("张建华" not in h.name and "王五" not in h.name for h in honours)


def test_books_per_resident(session: Session, village: dict) -> None:
    """``civic.book_per: resident``: each linked resident has a book; an award names whom."""
    per_resident = CivicSection(book_per="resident", rules=SETTINGS.rules)
    officer = f.as_actor(session, village["secretary"])
    zhang = village["zhang"]
    first = session.scalars(select(Account).where(Account.household_id == zhang.id)).one()
    only = book.book_for_award(session, per_resident, zhang)  # one resident: theirs
    assert only.account_id == first.id and only.household_id is None
    second = f.account(session, household=zhang, name="张小红")
    with pytest.raises(ValidationError) as which:
        book.book_for_award(session, per_resident, zhang)
    assert which.value.field == "account_id" and "2 位群众" in which.value.message
    b = book.book_for_award(session, per_resident, zhang, second.id)
    book.award(session, officer, per_resident, b, "clean", "打扫村道")
    assert book.book_of_account(session, per_resident, second).balance == 2
    assert book.book_of_account(session, per_resident, first).balance == 0
    with pytest.raises(ValidationError):  # a household nobody of which uses WeChat
        book.book_for_award(session, per_resident, village["wang"])
    session.rollback()
