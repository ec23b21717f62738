"""Progress at period boundaries for the three target kinds (pure rules, no database)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.progress import (
    State,
    Target,
    compute,
    period_end,
    period_start,
    periods,
)

MONTHLY_2024 = Target("periodic", 1, date(2024, 1, 1), date(2024, 12, 31), "monthly")


def test_periods_follow_the_calendar_in_a_leap_year():
    assert period_end(date(2024, 2, 10), "monthly") == date(2024, 2, 29)
    assert period_end(date(2026, 2, 10), "monthly") == date(2026, 2, 28)
    assert period_end(date(2024, 12, 31), "monthly") == date(2024, 12, 31)
    assert period_start(date(2026, 8, 15), "quarterly") == date(2026, 7, 1)
    assert period_end(date(2026, 8, 15), "quarterly") == date(2026, 9, 30)
    assert period_start(date(2026, 11, 22), "weekly") == date(2026, 11, 16)  # a Monday
    assert len(periods(date(2024, 1, 1), date(2024, 12, 31), "monthly")) == 12
    assert periods(date(2026, 3, 15), date(2026, 5, 10), "monthly") == [
        (date(2026, 3, 15), date(2026, 3, 31)),
        (date(2026, 4, 1), date(2026, 4, 30)),
        (date(2026, 5, 1), date(2026, 5, 10)),
    ]


def test_monthly_current_period_is_not_missed_until_it_ends():
    logs = [(date(2024, 1, 5), 1)]
    # Last day of February (leap year), nothing logged in February yet: not missed yet.
    p = compute(MONTHLY_2024, logs, date(2024, 2, 29))
    assert (p.state, p.done, p.target, p.percent) == (State.ON_TRACK, 1, 1, 100)
    assert p.next_due == date(2024, 2, 29)
    # First day of March: February has ended unmet.
    p = compute(MONTHLY_2024, logs, date(2024, 3, 1))
    assert (p.state, p.done, p.target, p.percent) == (State.BEHIND, 1, 2, 50)
    assert p.next_due == date(2024, 3, 31)


def test_monthly_log_on_the_last_day_counts_for_that_month():
    logs = [(date(2024, 1, 31), 1), (date(2024, 2, 29), 1)]
    p = compute(MONTHLY_2024, logs, date(2024, 3, 1))
    assert (p.state, p.done, p.target) == (State.ON_TRACK, 2, 2)
    # A log on 1 March belongs to March, not to February.
    p = compute(MONTHLY_2024, [(date(2024, 1, 31), 1), (date(2024, 3, 1), 1)], date(2024, 3, 1))
    assert (p.state, p.done, p.target) == (State.BEHIND, 2, 3)


def test_periodic_needs_the_quantity_in_each_period():
    t = Target("periodic", 2, date(2026, 1, 1), date(2026, 12, 31), "quarterly")
    p = compute(
        t, [(date(2026, 1, 10), 1), (date(2026, 3, 31), 1), (date(2026, 4, 2), 1)], date(2026, 7, 1)
    )
    assert (p.done, p.target, p.state) == (1, 2, State.BEHIND)


def test_periodic_completed_only_when_every_period_met():
    t = Target("periodic", 1, date(2026, 1, 1), date(2026, 12, 31), "yearly")
    assert compute(t, [], date(2026, 12, 30)).state == State.ON_TRACK
    assert compute(t, [], date(2027, 1, 1)).state == State.OVERDUE
    assert compute(t, [(date(2026, 6, 1), 2)], date(2026, 12, 31)).state == State.COMPLETED
    full = [(date(2024, m, 3), 1) for m in range(1, 13)]
    p = compute(MONTHLY_2024, full, date(2024, 12, 31))
    assert (p.state, p.percent) == (State.COMPLETED, 100)


def test_count_target_sums_logs_and_completes():
    t = Target("count", 20, date(2026, 1, 1), date(2026, 12, 31))
    p = compute(t, [(date(2026, 1, 5), 3), (date(2026, 2, 5), 7)], date(2026, 2, 28))
    assert (p.done, p.target, p.percent, p.state) == (10, 20, 50, State.ON_TRACK)
    p = compute(t, [(date(2026, 1, 5), 3)], date(2026, 9, 1))
    assert p.state == State.BEHIND
    p = compute(t, [(date(2026, 1, 5), 12), (date(2026, 12, 31), 8)], date(2027, 1, 1))
    assert (p.state, p.completed_on) == (State.COMPLETED, date(2026, 12, 31))
    # Logs after the given date are not counted: progress "at any date".
    p = compute(t, [(date(2026, 1, 5), 12), (date(2026, 12, 31), 8)], date(2026, 12, 30))
    assert (p.done, p.state) == (12, State.BEHIND)


def test_deadline_target_done_overdue_and_late():
    t = Target("deadline", 13, date(2026, 3, 1), date(2026, 6, 30))
    assert compute(t, [(date(2026, 5, 1), 5)], date(2026, 6, 30)).state == State.ON_TRACK
    p = compute(t, [(date(2026, 5, 1), 5)], date(2026, 7, 1))
    assert (p.state, p.percent) == (State.OVERDUE, 38)
    p = compute(t, [(date(2026, 5, 1), 5), (date(2026, 6, 30), 8)], date(2026, 7, 1))
    assert (p.state, p.completed_on) == (State.COMPLETED, date(2026, 6, 30))
    p = compute(t, [(date(2026, 5, 1), 5), (date(2026, 7, 1), 8)], date(2026, 7, 1))
    assert (p.state, p.completed_on) == (State.COMPLETED_LATE, date(2026, 7, 1))


def test_before_start_is_not_started():
    t = Target("count", 5, date(2026, 3, 1), date(2026, 12, 31))
    assert compute(t, [], date(2026, 2, 28)).state == State.NOT_STARTED


@pytest.mark.parametrize("freq", ["daily", "weekly", "monthly", "quarterly", "yearly"])
@given(day=st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)))
def test_period_contains_its_days(freq, day):
    start, end = period_start(day, freq), period_end(day, freq)
    assert start <= day <= end
    assert period_start(end, freq) == start


@given(
    logs=st.lists(
        st.tuples(
            st.dates(min_value=date(2024, 1, 1), max_value=date(2024, 12, 31)), st.integers(1, 5)
        ),
        max_size=30,
    ),
    on=st.dates(min_value=date(2023, 12, 1), max_value=date(2025, 2, 1)),
)
def test_periodic_invariants(logs, on):
    p = compute(MONTHLY_2024, logs, on)
    assert 0 <= p.percent <= 100
    assert 0 <= p.done <= p.target <= p.total_periods == 12
