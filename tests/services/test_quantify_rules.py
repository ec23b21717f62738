"""The 四化 check's readings that users noticed were wrong (issue 11 item 11), through the
service that drafts and edits commitments, against a real database."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models import Frequency
from services import commitments
from services.commitments import quantify
from services.errors import MultiValidationError, ValidationError
from services.progress import State, Target, compute, period_end, period_start, periods
from tests import factories as f

TODAY = date(2026, 3, 1)
NEW_FREQUENCIES = ("biweekly", "halfmonth", "bimonthly", "halfyearly")


@pytest.fixture
def author(session):
    t = f.tree(session)
    m = f.member(session, t["branch"], "张师傅", group=t["group1"])
    session.commit()
    return f.as_actor(session, m)


def _measure(c):
    return (c.target_kind, c.frequency, c.target_quantity, c.unit)


def test_round_the_clock_is_availability_not_24_hours_a_day(session, author):
    with pytest.raises(MultiValidationError) as err:
        commitments.create(session, author, {"title": "每天24小时随叫随到"}, today=TODAY)
    assert "随时能找到您，不是做多少" in err.value.fields["target_quantity"]
    c = commitments.create(
        session, author, {"title": "每天24小时随叫随到，每月上门维修水电不少于2次"}, today=TODAY
    )
    assert _measure(c) == ("periodic", "monthly", 2, "次")


def test_the_trees_are_the_scope_and_once_is_the_target(session, author):
    c = commitments.create(
        session, author, {"title": "每月给村东生产路两侧120棵树木浇水一次"}, today=TODAY
    )
    assert _measure(c) == ("periodic", "monthly", 1, "次")
    assert c.beneficiary == "村东生产路两侧120棵树木"
    given_scope = commitments.create(
        session,
        author,
        {"title": "每月给村东生产路两侧120棵树木浇水一次", "beneficiary": "村东生产路"},
        today=TODAY,
    )
    assert given_scope.beneficiary == "村东生产路"


ENTERED = {
    "title": "为邻居免费维修水电",
    "target_kind": "count",
    "target_quantity": 20,
    "unit": "次",
    "end_date": "2026-12-31",
}


def test_a_title_only_edit_keeps_an_entered_target(session, author):
    c = commitments.create(session, author, ENTERED, today=TODAY)
    commitments.update_draft(session, author, c, {"title": "为东头邻居免费维修水电"}, today=TODAY)
    assert (c.title, *_measure(c)) == ("为东头邻居免费维修水电", "count", None, 20, "次")
    assert c.end_date == date(2026, 12, 31)


def test_a_title_saying_another_target_than_the_entered_one_is_asked_about(session, author):
    c = commitments.create(session, author, ENTERED, today=TODAY)
    with pytest.raises(ValidationError) as err:
        commitments.update_draft(
            session, author, c, {"title": "每月为邻居免费维修水电一次"}, today=TODAY
        )
    assert err.value.field == "target_quantity"
    assert "每月 1次" in err.value.message and "共 20次" in err.value.message
    assert (c.title, *_measure(c)) == ("为邻居免费维修水电", "count", None, 20, "次")
    # saying both at once is fine
    commitments.update_draft(
        session,
        author,
        c,
        {
            "title": "每月为邻居免费维修水电一次",
            "target_kind": "periodic",
            "frequency": "monthly",
            "target_quantity": 1,
        },
        today=TODAY,
    )
    assert _measure(c) == ("periodic", "monthly", 1, "次")


def test_a_target_read_from_the_words_follows_new_words(session, author):
    c = commitments.create(session, author, {"title": "6月底前新打机井13眼"}, today=TODAY)
    assert (c.target_kind, c.end_date) == ("deadline", date(2026, 6, 30))
    commitments.update_draft(session, author, c, {"title": "每两个月走访联系户两次"}, today=TODAY)
    assert _measure(c) == ("periodic", "bimonthly", 2, "次")
    assert (c.start_date, c.end_date) == (TODAY, date(2026, 12, 31))


def test_a_deadline_already_past_is_refused_with_the_year_to_write(session, author):
    text = "6月底前新打机井13眼并联网通电"
    with pytest.raises(ValidationError) as err:
        commitments.create(session, author, {"title": text}, today=date(2026, 12, 1))
    assert err.value.field == "end_date"
    assert "已经过去" in err.value.message and "2027年6月底前" in err.value.message
    c = commitments.create(
        session, author, {"title": "2027年6月底前新打机井13眼并联网通电"}, today=date(2026, 12, 1)
    )
    assert (c.target_kind, c.target_quantity, c.end_date) == ("deadline", 13, date(2027, 6, 30))
    with pytest.raises(ValidationError, match="已经过去"):
        commitments.create(
            session,
            author,
            {**ENTERED, "end_date": "2026-11-30"},
            today=date(2026, 12, 1),
        )


@pytest.mark.parametrize(
    ("text", "frequency"),
    [
        ("每两个月走访联系户一次", "bimonthly"),
        ("每两周组织一次村庄环境大扫除", "biweekly"),
        ("每半月巡查一次村内河道", "halfmonth"),
        ("每季度组织一次环境整治", "quarterly"),
        ("每半年为村里老人免费理发一次", "halfyearly"),
    ],
)
def test_every_two_months_and_other_periods_are_accepted(session, author, text, frequency):
    c = commitments.create(session, author, {"title": text}, today=TODAY)
    assert _measure(c) == ("periodic", frequency, 1, "次")


def test_no_time_bound_means_by_the_end_of_the_cycle_year_and_says_so():
    out = quantify.check({"title": "完成户厕改造340户"}, TODAY)
    assert (out["target_kind"], out["target_quantity"], out["unit"]) == ("deadline", 340, "户")
    assert out["end_date"] == date(2026, 12, 31)
    assert out["notes"] == ["未写明完成时间，按本年度计：2026年12月31日前完成"]


@pytest.mark.parametrize(
    ("text", "field", "says", "example"),
    [
        (
            "全天候义务维修",
            "target_quantity",
            "“全天候”说的是随时能找到您",
            "每月至少上门义务维修一次",
        ),
        ("无限期质保", "target_kind", "“无限期”没有期限", "质保期内每季度回访一次"),
        (
            "对本人安装的铝合金门窗终身免费维修",
            "target_kind",
            "“终身”没有期限",
            "每季度上门免费维修一次",
        ),
    ],
)
def test_round_the_clock_and_lifetime_get_a_reason_and_a_fitting_example(
    session, author, text, field, says, example
):
    with pytest.raises(MultiValidationError) as err:
        commitments.create(session, author, {"title": text}, today=TODAY)
    assert says in err.value.fields[field] and example in err.value.fields[field]
    c = commitments.create(session, author, {"title": example}, today=TODAY)
    assert c.target_kind == "periodic"


# -- the periods progress tracks for the new frequencies ------------------------------------


def test_new_periods_follow_the_calendar():
    assert (
        period_start(date(2026, 4, 9), "bimonthly"),
        period_end(date(2026, 4, 9), "bimonthly"),
    ) == (
        date(2026, 3, 1),
        date(2026, 4, 30),
    )
    assert period_end(date(2024, 1, 31), "bimonthly") == date(2024, 2, 29)
    assert period_start(date(2026, 9, 30), "halfyearly") == date(2026, 7, 1)
    assert period_end(date(2026, 2, 1), "halfyearly") == date(2026, 6, 30)
    assert period_end(date(2026, 2, 3), "halfmonth") == date(2026, 2, 15)
    assert (
        period_start(date(2026, 2, 20), "halfmonth"),
        period_end(date(2026, 2, 20), "halfmonth"),
    ) == (
        date(2026, 2, 16),
        date(2026, 2, 28),
    )
    fortnight = period_start(date(2026, 3, 4), "biweekly")
    assert fortnight.weekday() == 0 and period_end(fortnight, "biweekly") == fortnight + timedelta(
        13
    )
    year = (date(2026, 1, 1), date(2026, 12, 31))
    counts = {freq: len(periods(*year, freq)) for freq in NEW_FREQUENCIES}
    assert counts == {"biweekly": 27, "halfmonth": 24, "bimonthly": 6, "halfyearly": 2}


@pytest.mark.parametrize("freq", NEW_FREQUENCIES)
@given(day=st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)))
def test_new_period_contains_its_days_and_the_next_follows(freq, day):
    start, end = period_start(day, freq), period_end(day, freq)
    assert start <= day <= end
    assert period_start(end, freq) == start
    assert period_start(end + timedelta(1), freq) == end + timedelta(1)


def test_every_frequency_the_parser_gives_is_one_progress_and_the_api_know():
    assert set(quantify.FREQUENCY_LABELS) == {f.value for f in Frequency}
    for freq in quantify.FREQUENCY_LABELS:
        assert period_start(TODAY, freq) <= TODAY


def test_a_bimonthly_commitment_is_met_period_by_period():
    t = Target("periodic", 1, date(2026, 1, 1), date(2026, 12, 31), "bimonthly")
    logs = [(date(2026, 2, 10), 1), (date(2026, 3, 5), 1)]
    p = compute(t, logs, date(2026, 7, 1))  # May–June has ended unmet
    assert (p.done, p.target, p.total_periods, p.state) == (2, 3, 6, State.BEHIND)
    assert compute(t, logs, date(2026, 4, 30)).state == State.ON_TRACK
