"""年初承诺、年内践诺、年终评诺: a commitment starts when it is filed, logs are dated within
its start and ``commitments.backdate_days``, and closing a year freezes it under 往年."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from models import (
    Commitment,
    FulfilmentLog,
    Organisation,
    PointsEntry,
    TimelineEntry,
    YearRecord,
)
from services import commitments, cycle_close, fulfilment, progress
from services.actors import SYSTEM
from services.errors import Conflict, ValidationError
from services.evaluation import points
from services.reads import public
from tests import factories as f

DEC1 = date(2026, 12, 1)
JAN5 = date(2027, 1, 5)
RULES = {
    "verified_log": 2,
    "commitment_completed": 10,
    "request_rated_satisfied": 5,
    "period_missed": -2,
}


@pytest.fixture
def world(session):
    t = f.tree(session)
    wang = f.member(session, t["branch"], "王建国")
    return {"branch": t["branch"], "wang": wang, "actor": f.as_actor(session, wang)}


def _missed(session, member_id: int) -> list[PointsEntry]:
    return list(
        session.scalars(
            select(PointsEntry).where(
                PointsEntry.member_id == member_id, PointsEntry.rule == "period_missed"
            )
        )
    )


# -- Must show 3: a December commitment starts in December ------------------------------------


def test_a_monthly_commitment_made_in_december_counts_december_only(session, world):
    actor = world["actor"]
    c = commitments.create(session, actor, {"title": "每月为联系户老人测量血压一次"}, today=DEC1)
    commitments.submit(session, actor, c, [], today=DEC1)
    assert c.status == "published"
    assert (c.start_date, c.end_date, c.cycle_year) == (DEC1, date(2026, 12, 31), 2026)

    on_dec1 = progress.progress_of(session, [c], DEC1)[c.id]
    assert on_dec1.total_periods == 1  # not 12 months
    assert (on_dec1.done, on_dec1.target) == (0, 0)  # December is still under way
    after = progress.progress_of(session, [c], date(2027, 1, 2))[c.id]
    assert (after.done, after.target) == (0, 1)  # 0 of 1 period, not 0 of 11

    points.sync(session, RULES, DEC1)
    assert _missed(session, world["wang"].id) == []  # no −2 for January … November
    points.sync(session, RULES, date(2027, 1, 2))
    [december] = _missed(session, world["wang"].id)
    assert december.points == -2 and "2026-12-01 至 2026-12-31" in december.reason


def test_a_log_dated_before_the_start_is_refused_in_chinese(session, world):
    actor = world["actor"]
    c = commitments.create(session, actor, {"title": "每月为联系户老人测量血压一次"}, today=DEC1)
    commitments.submit(session, actor, c, [], today=DEC1)
    with pytest.raises(ValidationError) as err:
        fulfilment.log(session, actor, c, happened_on=date(2026, 1, 15), today=DEC1)
    assert err.value.field == "happened_on"
    assert "承诺从 2026-12-01 开始" in err.value.message
    assert "可以记录的日期是 2026-12-01 至 2026-12-01" in err.value.message
    assert session.scalar(select(func.count()).select_from(FulfilmentLog)) == 0
    fulfilment.log(session, actor, c, happened_on=DEC1, today=DEC1)


def test_a_draft_filed_later_starts_on_the_day_it_is_published(session, world):
    actor = world["actor"]
    c = commitments.create(
        session, actor, {"title": "每月为联系户老人测量血压一次"}, today=date(2026, 11, 20)
    )
    assert c.start_date == date(2026, 11, 20)
    commitments.submit(session, actor, c, [], today=DEC1)
    assert c.start_date == DEC1
    later = commitments.create(
        session,
        actor,
        {"title": "每月清理村口河道垃圾一次", "start_date": "2027-01-01", "end_date": "2027-12-31"},
        today=DEC1,
    )
    commitments.submit(session, actor, later, [], today=DEC1)
    assert (later.start_date, later.cycle_year) == (date(2027, 1, 1), 2027)  # the member's date


def test_logs_are_dated_within_backdate_days_and_not_in_the_future(session, world):
    actor = world["actor"]
    c = f.published(session, world["wang"], "每周走访联系户宣讲惠民政策5户")
    with pytest.raises(ValidationError, match="最多补记 7 天以内的践诺"):
        fulfilment.log(session, actor, c, happened_on=DEC1 - timedelta(days=8), today=DEC1)
    with pytest.raises(ValidationError, match="日期不能晚于今天"):
        fulfilment.log(session, actor, c, happened_on=DEC1 + timedelta(days=1), today=DEC1)
    entry = fulfilment.log(session, actor, c, happened_on=DEC1 - timedelta(days=7), today=DEC1)
    fulfilment.log(session, actor, c, happened_on=date(2026, 11, 1), today=DEC1, backdate_days=30)
    with pytest.raises(ValidationError, match="2026-11-24 至 2026-12-01"):
        fulfilment.edit_log(session, actor, entry, 24, happened_on=date(2026, 11, 2), today=DEC1)
    fulfilment.edit_log(session, actor, entry, 24, happened_on=date(2026, 11, 30), today=DEC1)
    assert entry.happened_on == date(2026, 11, 30)


# -- Must show 4: the year turns over ---------------------------------------------------------


def _figures(items) -> dict[int, tuple[object, ...]]:
    return {
        i.id: (i.progress.percent, str(i.progress.state), i.progress.done, i.progress.target)
        for i in items
    }


def _all_items(view) -> list:
    return [*view.branch_row.items, *(i for r in view.member_rows for i in r.items)]


def _counts(session) -> tuple[int, ...]:
    return tuple(
        session.scalar(select(func.count()).select_from(model))
        for model in (Commitment, YearRecord, TimelineEntry, FulfilmentLog, PointsEntry)
    )


def test_closing_2026_freezes_it_and_carries_unfinished_commitments(session, world):
    wang, actor, branch = world["wang"], world["actor"], world["branch"]
    monthly = f.published(session, wang, "每月给村东生产路树木浇水一次")
    done = f.published(
        session, wang, "全年调解邻里纠纷2件", target_kind="count", frequency=None, target_quantity=2
    )
    late = f.published(
        session,
        wang,
        "全年为行动不便老人义务理发60人",
        target_kind="count",
        frequency=None,
        target_quantity=60,
        unit="人",
    )
    for day in (date(2026, 3, 10), date(2026, 7, 2), date(2026, 12, 20)):
        fulfilment.log(session, actor, monthly, happened_on=day, today=day)
    fulfilment.log(
        session, actor, done, quantity=2, happened_on=date(2026, 5, 1), today=date(2026, 5, 1)
    )
    fulfilment.log(
        session, actor, late, quantity=9, happened_on=date(2026, 6, 1), today=date(2026, 6, 1)
    )
    new = commitments.create(
        session, actor, {"title": "每月为联系户老人测量血压一次"}, today=date(2027, 1, 3)
    )
    commitments.submit(session, actor, new, [], today=date(2027, 1, 3))
    assert new.cycle_year == 2027

    before = _figures(_all_items(public.branch_view(session, branch, JAN5)))
    card_before = _figures(public.member_card(session, wang, JAN5, 5).items)
    assert set(before) == {monthly.id, done.id, late.id, new.id}

    result = cycle_close.close_year(session, SYSTEM, 2026, JAN5)
    assert (result.already_closed, result.commitments, result.carried) == (False, 3, 2)

    # The current wall, board and card show 2027 only.
    assert set(_figures(_all_items(public.branch_view(session, branch, JAN5)))) == {new.id}
    assert [i.id for i in public.member_card(session, wang, JAN5, 5).items] == [new.id]
    township = session.get_one(Organisation, branch.parent_id)
    [stat] = public.branch_stats(session, township, JAN5, red_count=1, yellow_below=50)
    assert stat.commitments == 1  # the township's board counts 2027 only
    # 2026 is reachable under 往年 with the same figures as before the close.
    past = public.branch_view(session, branch, JAN5, year=2026)
    assert (past.year, past.past_years) == (2026, [2026])
    assert _figures(_all_items(past)) == {k: v for k, v in before.items() if k != new.id}
    past_card = public.member_card(session, wang, JAN5, 5, year=2026)
    assert _figures(past_card.items) == {k: v for k, v in card_before.items() if k != new.id}
    assert {log.commitment_id for log in past_card.logs} <= {monthly.id, done.id, late.id}

    # Unfinished (理发 9/60) and ongoing (每月浇水) commitments come back as 2027 drafts.
    drafts = {
        c.carried_from_id: c
        for c in session.scalars(select(Commitment).where(Commitment.carried_from_id.is_not(None)))
    }
    assert set(drafts) == {monthly.id, late.id}
    carried = drafts[late.id]
    assert (carried.status, carried.cycle_year, carried.member_id) == ("draft", 2027, wang.id)
    assert (carried.title, carried.target_quantity, carried.unit) == (late.title, 60, "人")
    assert (carried.start_date, carried.end_date) == (date(2027, 1, 1), date(2027, 12, 31))
    note = session.scalar(
        select(TimelineEntry.note).where(
            TimelineEntry.commitment_id == carried.id, TimelineEntry.action == "carried_over"
        )
    )
    assert note and "由 2026 年度承诺转入 2027 年度" in note
    commitments.submit(session, actor, carried, [], today=JAN5)  # the member files it
    assert carried.start_date == JAN5

    # Nothing of 2026 can be logged any more; its record does not move.
    with pytest.raises(Conflict, match="2026 年度已经总结归档"):
        fulfilment.log(session, actor, late, happened_on=JAN5, today=JAN5)
    session.add(
        FulfilmentLog(
            commitment_id=late.id, member_id=wang.id, quantity=51, happened_on=date(2026, 12, 30),
            channel="import",
        )
    )  # fmt: skip
    session.flush()
    assert (
        _figures(_all_items(public.branch_view(session, branch, JAN5, year=2026)))[late.id]
        == before[late.id]
    )

    # A second close changes nothing.
    counts = _counts(session)
    again = cycle_close.close_year(session, SYSTEM, 2026, JAN5)
    assert again.already_closed and (again.commitments, again.carried) == (3, 2)
    assert _counts(session) == counts


def test_a_year_cannot_be_closed_before_it_ends(session, world):
    with pytest.raises(ValidationError, match="2027 年 1 月 1 日以后"):
        cycle_close.close_year(session, SYSTEM, 2026, date(2026, 12, 31))
    assert session.scalar(select(func.count()).select_from(YearRecord)) == 0
