"""Issue 12 item 11: a period spelled differently is the same run; a malformed one is refused
in Chinese before anything is recorded under it."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from models import JobRun
from services.errors import ValidationError
from services.reads import periods
from tests import factories


@pytest.mark.parametrize(
    ("code", "normal"),
    [
        ("2025-12", "2025-12"),
        (" 2025-12", "2025-12"),
        ("2025-1 ", "2025-01"),
        ("2025 - 03", "2025-03"),
    ],
)
def test_months_are_normalised(code: str, normal: str) -> None:
    assert periods.month(code).code == normal


@pytest.mark.parametrize(
    "code", ["2025-011", "2025-13", "2025-00", "25-10", "2025/10", "", "9999-01"]
)
def test_malformed_months_are_refused_in_chinese(code: str) -> None:
    with pytest.raises(ValidationError) as err:
        periods.month(code)
    assert err.value.field == "period" and "2026-10" in err.value.message


def test_quarters_halves_and_days_are_normalised_or_refused() -> None:
    assert periods.quarter(" 2026q3").code == "2026Q3"
    assert periods.half_year("2026h1 ").code == "2026H1"
    assert periods.day(" 2026-3-5") == date(2026, 3, 5)
    for parse, code in (
        (periods.quarter, "2026Q5"),
        (periods.quarter, "2026Q03"),
        (periods.half_year, "2026H3"),
        (periods.day, "2026-02-30"),
        (periods.day, "2026-011-01"),
    ):
        with pytest.raises(ValidationError):
            parse(code)


def test_differently_spelled_periods_are_one_job_run(app, runner) -> None:
    db = app.extensions["db"]
    with db.session() as s:
        factories.tree(s)
    first = runner.invoke(args=["scheduler", "run-job", "monthly_summary", "--period", "2025-12"])
    assert first.exit_code == 0, first.output
    for spelling in (" 2025-12", "2025-12 "):
        again = runner.invoke(
            args=["scheduler", "run-job", "monthly_summary", "--period", spelling]
        )
        assert again.exit_code == 0, again.output
        assert "跳过" in again.output, again.output
    for bad in ("2025-011", "2025-13"):
        refused = runner.invoke(args=["scheduler", "run-job", "monthly_summary", "--period", bad])
        assert refused.exit_code != 0
        assert "月份格式应为" in refused.output, refused.output
    points = runner.invoke(args=["scheduler", "run-job", "daily_points", "--period", "2026-3-5"])
    assert points.exit_code == 0, points.output
    with db.session() as s:
        runs = sorted((r.job, r.period) for r in s.scalars(select(JobRun)))
    assert runs == [("daily_points", "2026-03-05"), ("monthly_summary", "2025-12")]
