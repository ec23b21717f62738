"""The year-end workbook and CSV as a spreadsheet reads them back (openpyxl / csv): numbers,
shares and dates are typed cells, ratings cite request numbers, grades are filled, and text
people wrote never becomes a formula (issue 11 item 12, issue 12 item 2)."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from demo import township as demo
from models import (
    Account,
    Commitment,
    Evaluation,
    FulfilmentLog,
    Member,
    Organisation,
    Request,
)
from services import evaluation
from services.actors import actor_for_account
from services.reads import reports, sheets

YEAR = demo.YEAR
DANGEROUS = ["=1+1", "+SUM(A1:A2)", "-2+3", "@SUM(A1)", "\t=1+1", "\r=1+1"]

pytestmark = pytest.mark.demo_township


def _township(session) -> Organisation:
    return session.scalar(select(Organisation).where(Organisation.kind == "township"))


def _first_branch(session) -> Organisation:
    return session.scalar(
        select(Organisation).where(Organisation.kind == "branch").order_by(Organisation.id)
    )


def _admin(session):
    account = session.scalar(select(Account).where(Account.oa_openid == "demo-oa-admin"))
    return actor_for_account(session, account)


def _workbook(session):
    return load_workbook(io.BytesIO(reports.year_end_workbook(session, _township(session), YEAR)))


def _rows(ws):
    return list(ws.iter_rows())


def _section_rows(ws, title: str) -> list:
    """The data rows under a section title (after its header row), up to the blank line."""
    rows = _rows(ws)
    start = next(i for i, r in enumerate(rows) if r[0].value == title)
    out = []
    for r in rows[start + 2 :]:
        if r[0].value is None:
            break
        out.append(r)
    return out


def test_shares_and_dates_are_typed_cells(session):
    wb = _workbook(session)
    summary = wb["汇总"]
    header = [c.value for c in _rows(summary)[1]]
    col = header.index("满意率")
    rated = [r[col] for r in _rows(summary)[2:] if r[col].value is not None]
    assert rated
    for cell in rated:
        assert cell.data_type == "n" and 0 <= cell.value <= 1
        assert cell.number_format == sheets.PERCENT_FORMAT
    ws = wb[wb.sheetnames[1]]
    commitments = _section_rows(ws, "一、公开承诺")
    assert commitments
    for r in commitments:
        assert r[3].is_date and r[4].is_date and isinstance(r[3].value, datetime)
        assert r[5].data_type == "n" and r[5].number_format == sheets.PERCENT_FORMAT
    logs = _section_rows(ws, "二、践诺记录")
    assert logs and all(r[0].is_date for r in logs)
    assert all(r[3].data_type == "n" for r in logs)


def test_ratings_cite_request_numbers(session):
    wb = _workbook(session)
    numbers = set(session.scalars(select(Request.number)))
    cited = []
    for name in wb.sheetnames[1:]:
        for r in _section_rows(wb[name], "三、群众评价"):
            assert "#" not in str(r[1].value)
            if str(r[1].value).startswith("诉求"):
                cited.append(str(r[1].value).removeprefix("诉求 "))
    assert cited and set(cited) <= numbers


def test_grades_entered_fill_the_workbook(session):
    branch = _first_branch(session)
    admin = _admin(session)
    evaluation.grade_branch(session, admin, branch, YEAR, "good", "工作扎实")
    members = list(
        session.scalars(select(Member).where(Member.org_id == branch.id, Member.active.is_(True)))
    )
    evaluation.grade_member(session, admin, members[0], YEAR, "excellent", "带头作用明显")
    evaluation.grade_member(session, admin, members[1], YEAR, "qualified")
    session.commit()
    wb = _workbook(session)
    summary = [[c.value for c in r] for r in _rows(wb["汇总"])]
    header = summary[1]
    row = dict(zip(header, next(r for r in summary if r[0] == branch.name), strict=True))
    assert row["年度等次"] == "好"
    assert row["党员等次"] == f"优秀 1、合格 1、未评定 {len(members) - 2}"
    total = dict(zip(header, summary[-1], strict=True))
    assert total["党员等次"].startswith("优秀 1、合格 1、未评定 ")
    grades = {r[0].value: r[1].value for r in _section_rows(wb[branch.name], "五、年度等次")}
    assert grades[members[0].name] == "优秀" and grades[members[1].name] == "合格"
    ws_values = [[c.value for c in r] for r in _rows(wb[branch.name])]
    assert ["支部等次", "好", "工作扎实"] == ws_values[
        next(i for i, r in enumerate(ws_values) if r[0] == "支部等次")
    ][:3]


# Five fields people write, each with a different dangerous start; two rotations put every
# one of the six starts into the workbook (each build of it costs a second or more).
FIELDS = 5
ROTATIONS = [DANGEROUS[:FIELDS], DANGEROUS[-FIELDS:][::-1]]


@pytest.mark.parametrize("starts", ROTATIONS, ids=["rotation-1", "rotation-2"])
def test_text_starting_like_a_formula_is_inert(session, starts):
    note, title, comment, grade_comment, name = starts
    branch = _first_branch(session)
    log = session.scalar(
        select(FulfilmentLog)
        .join(Commitment, Commitment.id == FulfilmentLog.commitment_id)
        .where(Commitment.org_id == branch.id, FulfilmentLog.happened_on >= date(YEAR, 1, 1))
        .order_by(FulfilmentLog.id)
    )
    log.note = note + " 浇水"
    log.commitment.title = title + " 承诺"
    rating = session.scalar(
        select(Evaluation).where(
            Evaluation.kind == "resident_rating", Evaluation.subject_org_id == branch.id
        )
    )
    rating.comment = comment + " 意见"
    admin = _admin(session)
    member = session.scalar(select(Member).where(Member.org_id == branch.id).order_by(Member.id))
    evaluation.grade_member(session, admin, member, YEAR, "qualified", "x")
    grade = session.scalar(select(Evaluation).where(Evaluation.kind == "branch_grade"))
    grade.comment = grade_comment + " 评语"  # stored text, whatever the service would make of it
    branch.name = name + "村党支部"
    session.commit()

    wb = _workbook(session)
    seen: dict[str, int] = dict.fromkeys(starts, 0)
    for ws in wb:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if not isinstance(cell.value, str):
                    continue
                for bad in starts:
                    read_back = bad.replace("\r", "\n")  # XML reads a stored CR back as LF
                    if cell.value.lstrip("'").startswith(read_back):
                        assert cell.value.startswith(sheets.NEUTRALISER + read_back)
                        seen[bad] += 1
    # every field's text is in the workbook, each neutralised
    assert all(seen.values()), seen
    body = reports.year_end_csv(session, _township(session), YEAR).lstrip("\ufeff")
    cells = [c for row in csv.reader(io.StringIO(body)) for c in row]
    for bad in starts:
        named = [c for c in cells if c.lstrip("'").startswith(bad)]
        assert all(c.startswith(sheets.NEUTRALISER + bad) for c in named), (bad, named)
    assert any(c.lstrip("'").startswith(bad) for c in cells for bad in starts)
    # numbers stay numbers
    assert any(c.isdigit() for c in cells)


@pytest.mark.parametrize("bad", DANGEROUS)
def test_one_writer_for_xlsx_and_csv(bad):
    assert sheets.cell_value(bad) == "'" + bad
    assert sheets.csv_value(bad) == "'" + bad
    for value in (3, -2, 0.5, None):
        assert sheets.cell_value(value) == value
    assert sheets.csv_value(-2) == "-2"
    assert sheets.csv_value(sheets.Percent(0.8)) == "80%"
    assert sheets.cell_value("三天了，晚上") == "三天了，晚上"
