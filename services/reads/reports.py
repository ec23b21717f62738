"""用诺 reports: the year-end workbook (.xlsx) and CSV.

Exports never carry a resident's name or phone (ratings are listed by request number and
member only). Every cell is written through ``sheets`` (the one export writer): numbers and
dates stay numbers and dates, shares are numbers with a percent format, and text people
wrote can never become a formula.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from infra.clock import local_date
from models import (
    Commitment,
    Evaluation,
    EvaluationKind,
    FulfilmentLog,
    Member,
    Organisation,
    OwnerKind,
    PointsEntry,
    Request,
)
from services import evaluation, privacy, progress
from services.commitments import quantify
from services.evaluation import standings
from services.reads import ledger, practice_columns, sheets
from services.reads import rates as four_rates
from services.reads.sheets import Percent

# -- year-end workbook ---------------------------------------------------------------------------------

SUMMARY_HEADERS = [
    "支部",
    "党员数",
    "公开承诺",
    "已完成承诺",
    "践诺记录",
    "已核实记录",
    "群众评价",
    "满意",
    "基本满意",
    "不满意",
    "满意率",
    "先锋指数合计",
    "年度等次",
    "党员等次",
    *practice_columns.HEADERS,
    "收到诉求",
    "响应率",
    "办结率",
    "解决率",
    "诉求满意率",
]
PRACTICE_START = 14  # 联户走访与主题党日 (``services.reads.practice_columns``)
RATE_START = PRACTICE_START + len(practice_columns.HEADERS)  # the 诉求四率 columns from here on
TOTAL_LABEL = "合计"


@dataclass
class BranchYear:
    branch: Organisation
    members: list[Member]
    commitments: list[Commitment]
    progress: dict[int, progress.Progress]
    logs: list[FulfilmentLog]
    ratings: list[Evaluation]
    points: dict[int, int]
    member_grades: dict[int, Evaluation]
    grade: Evaluation | None
    request_numbers: dict[int, str]
    commitment_titles: dict[int, str]
    rates: four_rates.Counts = field(default_factory=four_rates.Counts)
    practices: practice_columns.Year | None = None

    def grade_tally(self) -> str:
        """党员等次: "优秀 2、合格 10、未评定 4" over the branch's active members."""
        return grade_tally([self.member_grades.get(m.id) for m in self.members])

    def summary_row(self) -> list[object]:
        sat = evaluation.tally([e.rating for e in self.ratings])
        return [
            self.branch.name,
            len(self.members),
            len(self.commitments),
            sum(1 for p in self.progress.values() if p.state in ledger.DONE_STATES),
            len(self.logs),
            sum(1 for x in self.logs if x.verified_at is not None),
            sat.total,
            sat.satisfied,
            sat.basically,
            sat.unsatisfied,
            Percent(sat.rate) if sat.rate is not None else None,
            sum(self.points.values()),
            evaluation.BRANCH_GRADES.get(self.grade.rating, "") if self.grade else "未评定",
            self.grade_tally(),
            *practice_columns.cells(self.practices),
            *four_rates.cells(self.rates),
        ]


def grade_tally(grades: list[Evaluation | None]) -> str:
    counts = {label: 0 for label in evaluation.GRADES.values()}
    ungraded = 0
    for g in grades:
        label = evaluation.GRADES.get(g.rating) if g is not None else None
        if label is None:
            ungraded += 1
        else:
            counts[label] += 1
    parts = [f"{label} {n}" for label, n in counts.items() if n]
    if ungraded:
        parts.append(f"未评定 {ungraded}")
    return "、".join(parts)


def _branch_year(session: Session, branch: Organisation, year: int, on: date) -> BranchYear:
    start, end = date(year, 1, 1), date(year, 12, 31)
    members = list(
        session.scalars(
            select(Member)
            .where(Member.org_id == branch.id, Member.active.is_(True))
            .order_by(Member.name, Member.id)
        )
    )
    commitments = ledger.commitments(session, branch.id, start, end)
    ratings = list(
        session.scalars(
            select(Evaluation)
            .where(
                Evaluation.kind == EvaluationKind.RESIDENT_RATING.value,
                Evaluation.subject_org_id == branch.id,
                Evaluation.period.startswith(str(year)),
            )
            .order_by(Evaluation.id)
        )
    )
    s, e = ledger.bounds(start, end)
    pts: dict[int, int] = dict(
        session.execute(  # type: ignore[arg-type]
            select(PointsEntry.member_id, func.sum(PointsEntry.points))
            .join(Member, Member.id == PointsEntry.member_id)
            .where(
                Member.org_id == branch.id,
                PointsEntry.occurred_at >= s,
                PointsEntry.occurred_at <= e,
            )
            .group_by(PointsEntry.member_id)
        ).all()
    )
    member_grades = {
        k: v
        for k, v in evaluation.grades(session, EvaluationKind.BRANCH_GRADE.value, year).items()
        if v.subject_org_id == branch.id
    }
    grade = evaluation.grades(session, EvaluationKind.TOWNSHIP_GRADE.value, year).get(branch.id)
    request_ids = [e.request_id for e in ratings if e.request_id]
    commitment_ids = [e.commitment_id for e in ratings if e.commitment_id]
    numbers: dict[int, str] = {}
    if request_ids:
        numbers = {
            int(i): str(n)
            for i, n in session.execute(
                select(Request.id, Request.number).where(Request.id.in_(request_ids))
            )
        }
    titles: dict[int, str] = {}
    if commitment_ids:
        titles = {
            int(i): str(t)
            for i, t in session.execute(
                select(Commitment.id, Commitment.title).where(Commitment.id.in_(commitment_ids))
            )
        }
    return BranchYear(
        branch,
        members,
        commitments,
        progress.progress_of(session, commitments, on),
        ledger.logs(session, branch.id, start, end),
        ratings,
        {int(k): int(v) for k, v in pts.items()},
        member_grades,
        grade,
        numbers,
        titles,
    )


def year_end_data(
    session: Session, org: Organisation, year: int, on: date | None = None
) -> list[BranchYear]:
    ledger.check_year(year)
    on = min(on or local_date(), date(year, 12, 31))
    data = [_branch_year(session, b, year, on) for b in ledger.branches(session, org)]
    per_org = four_rates.for_year(session, year)
    for b in data:
        b.rates = four_rates.total(per_org, [b.branch], b.branch)
    practice_columns.fill(session, data, year, on)
    return data


def summary_rows(data: list[BranchYear]) -> list[list[object]]:
    rows = [b.summary_row() for b in data]
    total: list[object] = [TOTAL_LABEL]
    for col in range(1, len(SUMMARY_HEADERS)):
        values = [r[col] for r in rows]
        total.append(
            sum(v for v in values if isinstance(v, int))
            if all(isinstance(v, int) for v in values)
            else None
        )
    sat_total, good = int(total[6] or 0), int(total[7] or 0) + int(total[8] or 0)  # type: ignore[call-overload]
    total[10] = Percent(good / sat_total) if sat_total else None
    total[13] = grade_tally([b.member_grades.get(m.id) for b in data for m in b.members])
    counts = four_rates.Counts()
    for b in data:
        counts.add(b.rates)
    total[PRACTICE_START:RATE_START] = practice_columns.total_cells([b.practices for b in data])
    total[RATE_START:] = four_rates.cells(counts)
    return [*rows, total]


_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def _sheet_title(name: str, used: set[str]) -> str:
    base = _BAD_SHEET_CHARS.sub("", name)[:28] or "支部"
    title, n = base, 2
    while title in used or title == "汇总":
        title = f"{base[:26]}{n}"
        n += 1
    used.add(title)
    return title


def _header(ws, row: list[str]) -> None:  # type: ignore[no-untyped-def]
    sheets.append(ws, row)
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="FDE2E1")


def _section(ws, title: str) -> None:  # type: ignore[no-untyped-def]
    if ws.max_row > 1:
        ws.append([])
    sheets.append(ws, [title])
    ws.cell(ws.max_row, 1).font = Font(bold=True, size=13, color="B71C1C")


def year_end_workbook(
    session: Session, org: Organisation, year: int, on: date | None = None
) -> bytes:
    """年度考评工作簿: a summary sheet and one sheet per branch (commitments, logs, ratings,
    points, grades). Residents appear nowhere in it."""
    data = year_end_data(session, org, year, on)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "汇总"
    sheets.append(ws, [f"{org.name} {year}年度党员承诺践诺汇总"])
    ws.cell(1, 1).font = Font(bold=True, size=14)
    _header(ws, SUMMARY_HEADERS)
    for row in summary_rows(data):
        sheets.append(ws, row)
    ws.cell(ws.max_row, 1).font = Font(bold=True)
    ws.column_dimensions["A"].width = 24
    used: set[str] = set()
    for b in data:
        _branch_sheet(wb.create_sheet(_sheet_title(b.branch.name, used)), b, year)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _branch_sheet(ws, b: BranchYear, year: int) -> None:  # type: ignore[no-untyped-def]
    names = {m.id: m.name for m in b.members}
    sheets.append(ws, [f"{b.branch.name} {year}年度"])
    ws.cell(1, 1).font = Font(bold=True, size=14)
    _section(ws, "一、公开承诺")
    _header(ws, ["承诺人", "承诺内容", "目标", "开始", "截止", "进度", "状态"])
    for c in b.commitments:
        p = b.progress[c.id]
        owner = (
            b.branch.name
            if c.owner_kind == OwnerKind.BRANCH.value
            else (c.member.name if c.member else "")
        )
        sheets.append(
            ws,
            [
                owner,
                privacy.scrub(c.title),
                quantify.describe_target(
                    c.target_kind, c.target_quantity, c.unit, c.frequency, c.end_date
                ),
                c.start_date,
                c.end_date,
                Percent(p.percent / 100),
                p.label,
            ],
        )
    _section(ws, "二、践诺记录")
    _header(ws, ["日期", "党员", "承诺", "数量", "内容", "核实"])
    for x in b.logs:
        sheets.append(
            ws,
            [
                x.happened_on,
                names.get(x.member_id or 0, b.branch.name),
                privacy.scrub(x.commitment.title),
                x.quantity,
                privacy.scrub(x.note),
                "已核实" if x.verified_at else "未核实",
            ],
        )
    _section(ws, "三、群众评价")
    _header(ws, ["评价对象", "诉求编号/承诺", "评价", "意见"])
    for e in b.ratings:
        if e.request_id:
            what = "诉求 " + b.request_numbers.get(e.request_id, "")
        else:
            what = "承诺：" + privacy.scrub(b.commitment_titles.get(e.commitment_id or 0, ""))
        sheets.append(
            ws,
            [
                names.get(e.subject_member_id or 0, b.branch.name),
                what,
                evaluation.RATING_LABELS.get(e.rating, e.rating),
                privacy.scrub(e.comment),
            ],
        )
    _section(ws, "四、先锋指数")
    _header(ws, ["党员", "积分"])
    for m in sorted(b.members, key=lambda m: (-b.points.get(m.id, 0), m.name)):
        sheets.append(ws, [m.name, b.points.get(m.id, 0)])
    _section(ws, "五、年度等次")
    branch_grade = evaluation.BRANCH_GRADES.get(b.grade.rating, "") if b.grade else "未评定"
    sheets.append(ws, ["支部等次", branch_grade, privacy.scrub(b.grade.comment) if b.grade else ""])
    _header(ws, ["党员", "等次", "评语"])
    for m in b.members:
        g = b.member_grades.get(m.id)
        sheets.append(
            ws,
            [
                m.name,
                evaluation.GRADES.get(g.rating, "") if g else "未评定",
                privacy.scrub(g.comment) if g else "",
            ],
        )
    practice_columns.write_section(ws, b.members, b.practices, _section)  # 六、三评与联户走访
    ws.column_dimensions["B"].width = 36
    ws.column_dimensions["E"].width = 30
    for row in ws.iter_rows():
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")


def year_end_csv(session: Session, org: Organisation, year: int, on: date | None = None) -> str:
    """The summary sheet as CSV (UTF-8 with BOM so that Excel opens Chinese correctly)."""
    data = year_end_data(session, org, year, on)
    buf = io.StringIO()
    buf.write("\ufeff")
    sheets.write_csv(buf, [SUMMARY_HEADERS, *summary_rows(data)])
    return buf.getvalue()


def star_text(
    session: Session,
    org: Organisation,
    year: int,
    *,
    count: int,
    min_satisfaction: float,
    min_ratings: int,
    weights: Mapping[str, float] | None = None,
) -> str:
    noms = standings.star_nominations(
        session,
        org,
        year,
        count=count,
        min_satisfaction=min_satisfaction,
        min_ratings=min_ratings,
        weights=weights,
    )
    basis = "先锋指数靠前" if weights is None else "综合分（先锋指数与三评加权）靠前"
    lines = [
        f"{org.name} {year}年度 闪亮之星 推荐名单（{basis}、满意率不低于 {round(min_satisfaction * 100)}%）"
    ]
    for i, n in enumerate(noms, start=1):
        score = "" if n.score is None else f"，综合分 {n.score:g}"
        lines.append(
            f"{i}. {n.name}：先锋指数 {n.points}{score}，满意率 {round(n.satisfaction * 100)}%（{n.ratings} 次评价）"
        )
    if not noms:
        lines.append("暂无符合条件的党员。")
    return "\n".join(lines)
