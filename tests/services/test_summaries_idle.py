"""Group summaries: who is idle (两个月以上未记录践诺) and every figure of a past period as it
stood at the end of that period."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from infra.clock import local_date
from models import Commitment, CommitmentStatus, FulfilmentLog, Member, Organisation, OwnerKind
from services import commitments, fulfilment
from services.actors import actor_for_member
from services.reads import audience, summaries
from tests import factories

JANUARY = datetime(2026, 1, 2, tzinfo=UTC)


def _log(session: Session, c: Commitment, day: date, quantity: int = 1) -> None:
    session.add(
        FulfilmentLog(
            commitment_id=c.id,
            member_id=c.member_id,
            quantity=quantity,
            happened_on=day,
            channel="test",
            created_at=datetime.combine(day, datetime.min.time(), UTC),
        )
    )


def test_done_and_exempt_members_are_not_idle(session: Session) -> None:
    """Nothing logged in September and October: only a member with unfinished work is idle."""
    branch = factories.tree(session)["branch"]

    def member(name: str, **kw: object) -> Member:
        return factories.member(session, branch, name, created_at=JANUARY, **kw)

    def commitment(m: Member, **kw: object) -> Commitment:
        return factories.published(session, m, created_at=JANUARY, **kw)

    done = member("刘玉珍")  # completed her count commitment in July
    c = commitment(done, target_kind="count", frequency=None, target_quantity=3, unit="次")
    for day in (5, 12, 19):
        _log(session, c, date(2026, 7, day))
    yearly = member("赵长海")  # a yearly commitment, this year's share done in March
    c = commitment(yearly, frequency="yearly", target_quantity=2)
    _log(session, c, date(2026, 3, 10), 2)
    exempt = member("韩金发", exempt=True, exempt_reason="年满80周岁")
    commitment(exempt)  # made before the exemption; nothing logged
    idle = member("孙秀英")  # monthly, last logged in August
    c = commitment(idle)
    for m in range(1, 9):
        _log(session, c, date(2026, m, 15))
    half = member("冯志刚")  # one commitment done, another monthly one abandoned since July
    c = commitment(half, target_kind="count", frequency=None, target_quantity=1, unit="次")
    _log(session, c, date(2026, 2, 1))
    c = commitment(half, title="每月打扫村口卫生一次")
    for m in range(1, 8):
        _log(session, c, date(2026, m, 3))
    session.flush()

    b = summaries.compute(session, summaries.month("2026-10")).branches[branch.id]

    assert b.silent == ["孙秀英", "冯志刚"]
    assert (b.members, b.exempt, b.members_committed) == (4, 1, 4)


def test_party_day_list_leaves_out_done_and_exempt_members(session: Session) -> None:
    """本月尚未记录践诺 asks only those with unfinished work."""
    branch = factories.tree(session)["branch"]
    done = factories.member(session, branch, "刘玉珍")
    c = factories.published(
        session, done, target_kind="count", frequency=None, target_quantity=1, unit="次"
    )
    _log(session, c, date(2026, 7, 5))
    exempt = factories.member(session, branch, "韩金发", exempt=True, exempt_reason="年满80周岁")
    factories.published(session, exempt)
    pending = factories.member(session, branch, "孙秀英")
    factories.published(session, pending)
    session.flush()

    names = audience.not_logged_this_month(session, summaries.month("2026-11"), date(2026, 11, 20))

    assert names == {branch.id: ["孙秀英"]}


@pytest.mark.demo_township
def test_last_months_figures_do_not_move_with_what_happened_after(session: Session) -> None:
    """The summary of last month, computed before and after this month's events (three members
    imported, thirteen drafts, a commitment withdrawn, a late log for last month's last day),
    is the same: members, headcount, status counts, logs, completion, idle lists."""
    today = local_date()
    period = summaries.month(summaries.previous_month(today))
    before = summaries.compute(session, period)
    branch = session.scalars(select(Organisation).where(Organisation.code == "branch-1")).one()
    assert before.branches[branch.id].members > 0

    # this month: three members imported, each with a commitment for the whole year
    for i in range(3):
        m = factories.member(session, branch, f"新党员{i}")
        factories.published(session, m, start_date=date(today.year, 1, 1))
    # thirteen drafts
    members = session.scalars(
        select(Member).where(Member.org_id == branch.id, Member.exempt.is_(False))
    ).all()
    for m in members[:13]:
        commitments.create(
            session,
            actor_for_member(session, m),
            {"title": "每月为村里老人读报一次", "category": "志愿服务"},
            today=today,
        )
    # a commitment published last month is withdrawn, another gets a late log
    published = session.scalars(
        select(Commitment).where(
            Commitment.org_id == branch.id,
            Commitment.owner_kind == OwnerKind.MEMBER.value,
            Commitment.status == CommitmentStatus.PUBLISHED.value,
        )
    ).all()
    first, second = published[0], published[1]
    owner = session.get_one(Member, first.member_id)
    commitments.withdraw(session, actor_for_member(session, owner), first, "承诺内容需要调整")
    author = session.get_one(Member, second.member_id)
    fulfilment.log(
        session,
        actor_for_member(session, author),
        second,
        quantity=1,
        note="补记上月最后一天",
        happened_on=period.end,
        channel="web",
    )
    session.flush()

    after = summaries.compute(session, period)

    b_before, b_after = before.branches[branch.id], after.branches[branch.id]
    assert b_after.members == b_before.members
    assert b_after.by_status == b_before.by_status
    assert not any(n.startswith("新党员") for n in b_after.silent)
    assert after == before
