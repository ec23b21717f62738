"""用诺 reports: the year-end workbook (.xlsx) and CSV.

Exports never
carry a resident's name or phone (ratings are listed by request number and member only).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
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
)
from services import evaluation, privacy, progress
from services.commitments import quantify
from services.evaluation import standings
from services.reads import ledger

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
]
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
            f"{sat.percent}%" if sat.percent is not None else "",
            sum(self.points.values()),
            evaluation.BRANCH_GRADES.get(self.grade.rating, "") if self.grade else "",
        ]


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
    )


def year_end_data(
    session: Session, org: Organisation, year: int, on: date | None = None
) -> list[BranchYear]:
    ledger.check_year(year)
    on = min(on or local_date(), date(year, 12, 31))
    return [_branch_year(session, b, year, on) for b in ledger.branches(session, org)]


def summary_rows(data: list[BranchYear]) -> list[list[object]]:
    rows = [b.summary_row() for b in data]
    total: list[object] = [TOTAL_LABEL]
    for col in range(1, len(SUMMARY_HEADERS)):
        values = [r[col] for r in rows]
        total.append(
            sum(v for v in values if isinstance(v, int))
            if all(isinstance(v, int) for v in values)
            else ""
        )
    sat_total, good = int(total[6] or 0), int(total[7] or 0) + int(total[8] or 0)  # type: ignore[call-overload]
    total[10] = f"{round(good * 100 / sat_total)}%" if sat_total else ""
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
    ws.append(row)
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="FDE2E1")


def _section(ws, title: str) -> None:  # type: ignore[no-untyped-def]
    if ws.max_row > 1:
        ws.append([])
    ws.append([title])
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
    ws.append([f"{org.name} {year}年度党员承诺践诺汇总"])
    ws.cell(1, 1).font = Font(bold=True, size=14)
    _header(ws, SUMMARY_HEADERS)
    for row in summary_rows(data):
        ws.append(row)
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
    ws.append([f"{b.branch.name} {year}年度"])
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
        ws.append(
            [
                owner,
                privacy.scrub(c.title),
                quantify.describe_target(
                    c.target_kind, c.target_quantity, c.unit, c.frequency, c.end_date
                ),
                c.start_date.isoformat(),
                c.end_date.isoformat(),
                f"{p.percent}%",
                p.label,
            ]
        )
    _section(ws, "二、践诺记录")
    _header(ws, ["日期", "党员", "承诺", "数量", "内容", "核实"])
    for x in b.logs:
        ws.append(
            [
                x.happened_on.isoformat(),
                names.get(x.member_id or 0, b.branch.name),
                privacy.scrub(x.commitment.title),
                x.quantity,
                privacy.scrub(x.note),
                "已核实" if x.verified_at else "未核实",
            ]
        )
    _section(ws, "三、群众评价")
    _header(ws, ["评价对象", "诉求编号/承诺", "评价", "意见"])
    for e in b.ratings:
        what = f"诉求#{e.request_id}" if e.request_id else f"承诺#{e.commitment_id or ''}"
        ws.append(
            [
                names.get(e.subject_member_id or 0, b.branch.name),
                what,
                evaluation.RATING_LABELS.get(e.rating, e.rating),
                privacy.scrub(e.comment),
            ]
        )
    _section(ws, "四、先锋指数")
    _header(ws, ["党员", "积分"])
    for m in sorted(b.members, key=lambda m: (-b.points.get(m.id, 0), m.name)):
        ws.append([m.name, b.points.get(m.id, 0)])
    _section(ws, "五、年度等次")
    _header(ws, ["党员", "等次", "评语"])
    for m in b.members:
        g = b.member_grades.get(m.id)
        ws.append(
            [m.name, evaluation.GRADES.get(g.rating, "") if g else "未评定", g.comment if g else ""]
        )
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
    w = csv.writer(buf)
    w.writerow(SUMMARY_HEADERS)
    for row in summary_rows(data):
        w.writerow(row)
    return buf.getvalue()


def star_text(
    session: Session,
    org: Organisation,
    year: int,
    *,
    count: int,
    min_satisfaction: float,
    min_ratings: int,
) -> str:
    noms = standings.star_nominations(
        session, org, year, count=count, min_satisfaction=min_satisfaction, min_ratings=min_ratings
    )
    lines = [
        f"{org.name} {year}年度 闪亮之星 推荐名单（先锋指数靠前、满意率不低于 {round(min_satisfaction * 100)}%）"
    ]
    for i, n in enumerate(noms, start=1):
        lines.append(
            f"{i}. {n.name}：先锋指数 {n.points}，满意率 {round(n.satisfaction * 100)}%（{n.ratings} 次评价）"
        )
    if not noms:
        lines.append("暂无符合条件的党员。")
    return "\n".join(lines)
