"""Reports on the demo township: the year-end workbook's totals equal direct SQL counts, the
drafts come from the logs, and no export names or phones a resident."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import select, text

from demo import township as demo
from handlers import documents
from infra.clock import local_date
from models import (
    Account,
    FulfilmentLog,
    Household,
    Member,
    Organisation,
)
from services import fulfilment
from services.actors import SYSTEM
from services.evaluation import points
from services.reads import drafts, ledger, reports

RULES = {
    "verified_log": 2,
    "commitment_completed": 10,
    "request_rated_satisfied": 5,
    "period_missed": -2,
}
YEAR = demo.YEAR

# Every test's database starts as a copy of the demo township (built once per session).
pytestmark = pytest.mark.demo_township


@pytest.fixture
def township(session):
    # the branch verifies every third log, so that points and "verified" columns are exercised
    logs = session.scalars(
        select(FulfilmentLog).where(FulfilmentLog.member_id.is_not(None)).order_by(FulfilmentLog.id)
    )
    for i, entry in enumerate(logs):
        if i % 3 == 0:
            fulfilment.verify_log(session, SYSTEM, entry)
    points.sync(session, RULES, min(local_date(), date(YEAR, 12, 31)))
    session.commit()
    return session.scalar(select(Organisation).where(Organisation.kind == "township"))


def _sql_totals(session, township) -> dict[str, int]:
    """The same quantities counted straight in SQL, independent of services/reports."""
    like = {"p": township.path + "%", "s": date(YEAR, 1, 1), "e": date(YEAR, 12, 31)}
    branches = "SELECT id FROM organisation WHERE kind = 'branch' AND path LIKE :p"

    def one(sql: str, **extra) -> int:
        return int(session.execute(text(sql), {**like, **extra}).scalar() or 0)

    return {
        "党员数": one(f"SELECT count(*) FROM member WHERE active AND org_id IN ({branches})"),
        "公开承诺": one(
            f"SELECT count(*) FROM commitment WHERE status = 'published' AND org_id IN ({branches})"
            " AND start_date <= :e AND end_date >= :s"
        ),
        "践诺记录": one(
            f"SELECT count(*) FROM fulfilment_log l JOIN commitment c ON c.id = l.commitment_id"
            f" WHERE c.org_id IN ({branches}) AND l.happened_on BETWEEN :s AND :e"
        ),
        "已核实记录": one(
            f"SELECT count(*) FROM fulfilment_log l JOIN commitment c ON c.id = l.commitment_id"
            f" WHERE c.org_id IN ({branches}) AND l.happened_on BETWEEN :s AND :e"
            " AND l.verified_at IS NOT NULL"
        ),
        "群众评价": one(
            f"SELECT count(*) FROM evaluation WHERE kind = 'resident_rating'"
            f" AND subject_org_id IN ({branches}) AND period LIKE :y",
            y=f"{YEAR}%",
        ),
        "满意": one(
            f"SELECT count(*) FROM evaluation WHERE kind = 'resident_rating' AND rating = 'satisfied'"
            f" AND subject_org_id IN ({branches}) AND period LIKE :y",
            y=f"{YEAR}%",
        ),
        "先锋指数合计": one(
            f"SELECT sum(pe.points) FROM points_entry pe JOIN member m ON m.id = pe.member_id"
            f" WHERE m.org_id IN ({branches}) AND pe.occurred_at >= :a AND pe.occurred_at < :b",
            a=datetime(YEAR - 1, 12, 31, 16),
            b=datetime(YEAR, 12, 31, 16),
        ),
    }


def test_year_end_workbook_totals_equal_sql_counts(session, township):
    data = reports.year_end_workbook(session, township, YEAR)
    wb = load_workbook(io.BytesIO(data))
    summary = wb["汇总"]
    rows = list(summary.iter_rows(values_only=True))
    header = list(rows[1])
    assert header == reports.SUMMARY_HEADERS
    total = dict(zip(header, rows[-1], strict=True))
    assert total["支部"] == "合计"
    expected = _sql_totals(session, township)
    assert all(expected.values())  # the demo exercises every column
    for key, value in expected.items():
        assert total[key] == value, key
    branch_names = list(
        session.scalars(select(Organisation.name).where(Organisation.kind == "branch"))
    )
    assert len(wb.sheetnames) == 1 + len(branch_names)
    assert len(rows) == 2 + len(branch_names) + 1
    # each branch sheet has every section
    for name in wb.sheetnames[1:]:
        cells = {c for row in wb[name].iter_rows(values_only=True) for c in row if c}
        for section in (
            "一、公开承诺",
            "二、践诺记录",
            "三、群众评价",
            "四、先锋指数",
            "五、年度等次",
        ):
            assert section in cells


def test_csv_matches_the_summary_sheet(session, township):
    wb = load_workbook(io.BytesIO(reports.year_end_workbook(session, township, YEAR)))
    body = reports.year_end_csv(session, township, YEAR)
    assert body.startswith("\ufeff")
    csv_rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    # the same cells; shares are numbers with a percent format in the workbook, "80%" in CSV
    expected = [
        [
            ""
            if c.value is None
            else f"{round(c.value * 100)}%"
            if c.number_format == "0%"
            else str(c.value)
            for c in r
        ]
        for r in wb["汇总"].iter_rows(min_row=2)
    ]
    assert csv_rows == expected


def test_exports_never_show_residents(session, township):
    body = reports.year_end_csv(session, township, YEAR)
    wb = load_workbook(io.BytesIO(reports.year_end_workbook(session, township, YEAR)))
    cells = " ".join(
        str(c) for ws in wb for row in ws.iter_rows(values_only=True) for c in row if c
    )
    member_names = set(session.scalars(select(Member.name)))
    secrets = set()
    for name, phone in session.execute(
        select(Account.name, Account.phone).where(Account.member_id.is_(None))
    ):
        secrets |= {name, phone}
    for name, phone in session.execute(select(Household.head_name, Household.phone)):
        secrets |= {name, phone}
    secrets = {s for s in secrets if s and len(s) >= 2 and s not in member_names}
    assert secrets
    for s in secrets:
        assert s not in cells and s not in body


def test_party_day_draft_lists_the_months_logs(session, township):
    row = session.execute(
        text(
            "SELECT l.member_id, l.happened_on FROM fulfilment_log l WHERE l.member_id IS NOT NULL "
            "ORDER BY l.happened_on DESC, l.id LIMIT 1"
        )
    ).one()
    member = session.get(Member, row[0])
    day = row[1] if isinstance(row[1], date) else date.fromisoformat(str(row[1]))
    draft = documents.party_day_text(drafts.party_day(session, member, day.year, day.month))
    n = session.execute(
        text(
            "SELECT count(*) FROM fulfilment_log WHERE member_id = :m AND happened_on BETWEEN :s AND :e"
        ),
        {"m": member.id, "s": day.replace(day=1), "e": ledger.month_end(day.year, day.month)},
    ).scalar()
    assert f"{day.year}年{day.month}月主题党日" in draft and member.name in draft
    assert f"本月践诺（共 {n} 次）" in draft
    assert "三、存在不足和下月打算" in draft


def test_quarterly_and_half_year_drafts(session, township):
    branch = session.scalar(
        select(Organisation).where(Organisation.kind == "branch").order_by(Organisation.id)
    )
    review = documents.quarterly_text(drafts.quarter_review(session, branch, YEAR, 2))
    assert f"{branch.name} {YEAR}年第2季度" in review and "进度落后的党员" in review
