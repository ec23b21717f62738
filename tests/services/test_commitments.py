"""定诺 and 审核: the 四化 check and the review chain, against a real database."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from models import Review, TimelineEntry
from services import commitments
from services.errors import (
    Conflict,
    MultiValidationError,
    PermissionDenied,
    ValidationError,
)
from tests import factories as f

LEVELS = ["group", "branch", "township"]
TODAY = date(2026, 3, 1)


@pytest.fixture
def people(session):
    t = f.tree(session)
    leader = f.member(session, t["branch"], "王组长", group=t["group1"])
    secretary = f.member(session, t["branch"], "李书记")
    author = f.member(session, t["branch"], "张大爷", group=t["group1"])
    loner = f.member(session, t["branch"], "赵无组")
    admin_account = f.account(session, name="镇组织办小刘")
    f.grant(session, "group_leader", t["group1"], member=leader)
    f.grant(session, "secretary", t["branch"], member=secretary)
    f.grant(session, "township_admin", t["township"], account=admin_account)
    session.commit()
    return {
        **t,
        "leader": leader,
        "secretary": secretary,
        "author": author,
        "loner": loner,
        "admin": admin_account,
    }


def test_slogan_is_refused_naming_target_and_time_bound(session, people):
    actor = f.as_actor(session, people["author"])
    with pytest.raises(MultiValidationError) as err:
        commitments.create(session, actor, {"title": "积极为群众服务"}, today=TODAY)
    fields = err.value.fields
    assert "缺少可衡量的目标" in fields["target_quantity"]
    assert "缺少时间要求" in fields["target_kind"]
    assert "口号" in fields["title"]
    session.rollback()
    assert session.scalar(select(TimelineEntry.id)) is None


def test_concrete_monthly_commitment_is_accepted(session, people):
    actor = f.as_actor(session, people["author"])
    c = commitments.create(session, actor, {"title": "每月给村东生产路树木浇水一次"}, today=TODAY)
    assert (c.target_kind, c.frequency, c.target_quantity, c.unit) == (
        "periodic",
        "monthly",
        1,
        "次",
    )
    # A draft starts on the day it is made (filing moves it to the day it is published).
    assert (c.start_date, c.end_date) == (TODAY, date(2026, 12, 31))
    assert c.cycle_year == 2026
    assert c.status == "draft"


def test_structured_fields_win_over_words(session, people):
    actor = f.as_actor(session, people["author"])
    c = commitments.create(
        session,
        actor,
        {
            "title": "为邻居免费维修水电",
            "target_kind": "count",
            "target_quantity": 20,
            "unit": "次",
            "end_date": "2026-12-31",
        },
        today=TODAY,
    )
    assert (c.target_kind, c.target_quantity, c.frequency) == ("count", 20, None)


def test_bad_fields_name_the_field(session, people):
    actor = f.as_actor(session, people["author"])
    with pytest.raises(ValidationError) as err:
        commitments.create(
            session, actor, {"title": "每月浇水一次", "end_date": "2026-13-01"}, today=TODAY
        )
    assert err.value.field == "end_date"
    with pytest.raises(ValidationError) as err:
        commitments.create(
            session, actor, {"title": "每月浇水", "target_quantity": "很多"}, today=TODAY
        )
    assert err.value.field == "target_quantity"


def test_full_review_chain_with_rejection_and_timeline(session, people):
    author = f.as_actor(session, people["author"])
    leader = f.as_actor(session, people["leader"])
    secretary = f.as_actor(session, people["secretary"])
    admin = f.as_actor(session, people["admin"])
    c = commitments.create(session, author, {"title": "每月给村东生产路树木浇水一次"}, today=TODAY)
    commitments.submit(session, author, c, LEVELS)
    assert c.status == "pending_group"
    assert [x.id for x in commitments.review_queue(session, leader)] == [c.id]
    assert commitments.review_queue(session, secretary) == []

    commitments.review(session, leader, c, "approve", "", LEVELS)
    assert c.status == "pending_branch"
    with pytest.raises(ValidationError):
        commitments.review(session, secretary, c, "reject", "", LEVELS)
    commitments.review(session, secretary, c, "reject", "请写明浇水的路段长度", LEVELS)
    assert c.status == "draft" and c.last_rejection_reason == "请写明浇水的路段长度"
    assert c.revision == 2

    commitments.update_draft(
        session, author, c, {"title": "每月给村东生产路500米树木浇水一次"}, today=TODAY
    )
    commitments.submit(session, author, c, LEVELS)
    commitments.review(session, leader, c, "approve", "", LEVELS)
    commitments.review(session, secretary, c, "approve", "同意", LEVELS)
    assert c.status == "pending_township"
    commitments.review(session, admin, c, "approve", "备案", LEVELS)
    assert c.status == "published" and c.published_at is not None
    session.commit()

    actions = [
        e.action
        for e in session.scalars(
            select(TimelineEntry)
            .where(TimelineEntry.commitment_id == c.id)
            .order_by(TimelineEntry.id)
        )
    ]
    assert actions == [
        "created",
        "submitted",
        "approved",
        "rejected",
        "edited",
        "submitted",
        "approved",
        "approved",
        "approved",
        "published",
    ]
    reviews = session.scalars(
        select(Review).where(Review.commitment_id == c.id).order_by(Review.id)
    ).all()
    assert [(r.revision, r.level, r.decision) for r in reviews] == [
        (1, "group", "approved"),
        (1, "branch", "rejected"),
        (2, "group", "approved"),
        (2, "branch", "approved"),
        (2, "township", "approved"),
    ]


def test_nobody_reviews_their_own(session, people):
    # The group leader's own commitment skips the group level (no other reviewer there)
    # and the leader cannot approve it at any level.
    leader = f.as_actor(session, people["leader"])
    c = commitments.create(session, leader, {"title": "每周走访联系户一次"}, today=TODAY)
    commitments.submit(session, leader, c, LEVELS)
    assert c.status == "pending_branch"
    with pytest.raises(PermissionDenied):
        commitments.review(session, leader, c, "approve", "", LEVELS)
    # A secretary who holds the group-leader role too still cannot review their own.
    secretary_actor = f.as_actor(session, people["secretary"])
    own = commitments.create(
        session, secretary_actor, {"title": "每月召开一次村两委联席会"}, today=TODAY
    )
    commitments.submit(session, secretary_actor, own, LEVELS)
    assert own.status == "pending_township"  # no other branch-level reviewer exists
    with pytest.raises(PermissionDenied):
        commitments.review(session, secretary_actor, own, "approve", "", LEVELS)


def test_member_without_group_skips_first_review(session, people):
    loner = f.as_actor(session, people["loner"])
    c = commitments.create(session, loner, {"title": "每月清理村口垃圾一次"}, today=TODAY)
    commitments.submit(session, loner, c, LEVELS)
    assert c.status == "pending_branch"


def test_configured_levels_and_branch_pledge(session, people):
    secretary = f.as_actor(session, people["secretary"])
    admin = f.as_actor(session, people["admin"])
    pledge = commitments.create(
        session,
        secretary,
        {"title": "6月底前新打机井13眼并通电"},
        owner_kind="branch",
        org_id=people["branch"].id,
        today=TODAY,
    )
    assert pledge.target_kind == "deadline" and pledge.target_quantity == 13
    commitments.submit(session, secretary, pledge, LEVELS)
    assert pledge.status == "pending_township"  # the branch does not review its own pledge
    commitments.review(session, admin, pledge, "approve", "", LEVELS)
    assert pledge.status == "published"
    author = f.as_actor(session, people["author"])
    c = commitments.create(session, author, {"title": "每月浇水一次"}, today=TODAY)
    commitments.submit(session, author, c, ["branch"])
    assert c.status == "pending_branch"


def test_only_drafts_are_edited_and_only_by_owner(session, people):
    author = f.as_actor(session, people["author"])
    other = f.as_actor(session, people["loner"])
    c = commitments.create(session, author, {"title": "每月浇水一次"}, today=TODAY)
    with pytest.raises(PermissionDenied):
        commitments.update_draft(session, other, c, {"title": "每月浇水两次"}, today=TODAY)
    commitments.submit(session, author, c, LEVELS)
    with pytest.raises(Conflict):
        commitments.update_draft(session, author, c, {"title": "每月浇水两次"}, today=TODAY)
    with pytest.raises(Conflict):
        commitments.submit(session, author, c, LEVELS)
    commitments.withdraw(session, author, c, "身体原因")
    assert c.status == "withdrawn"


def test_exempt_member_cannot_commit(session, people):
    old = f.member(session, people["branch"], "刘老伯", exempt=True, exempt_reason="年满80岁")
    with pytest.raises(Conflict, match="年满80岁"):
        commitments.create(
            session, f.as_actor(session, old), {"title": "每月浇水一次"}, today=TODAY
        )
