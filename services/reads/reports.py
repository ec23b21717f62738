"""督诺 and 用诺 reports: the monthly party-day draft per member, the quarterly branch review,
and the year-end workbook (.xlsx) and CSV.

Drafts are plain text meant to be edited by the secretary before the meeting. Exports never
carry a resident's name or phone (ratings are listed by request number and member only).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from infra.clock import local_date, local_tz
from models import (
    Commitment,
    CommitmentStatus,
    Evaluation,
    EvaluationKind,
    FulfilmentLog,
    Member,
    Organisation,
    OrgKind,
    OwnerKind,
    PointsEntry,
    Request,
)
from services import evaluation, privacy, progress
from services.commitments import quantify
from services.errors import ValidationError
from services.evaluation import points
from services.progress import State

DONE_STATES = (State.COMPLETED, State.COMPLETED_LATE)


def _check_year(year: int) -> None:
    if not 2000 <= year <= 2100:
        raise ValidationError("year", "年份应为四位数字，例如 2026")


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """UTC instants for [start 00:00, end+1 00:00) in local time."""
    s = datetime.combine(start, time(0), tzinfo=local_tz()).astimezone(UTC)
    e = datetime.combine(end, time(23, 59, 59, 999999), tzinfo=local_tz()).astimezone(UTC)
    return s, e


def _month_end(year: int, month: int) -> date:
    return progress.period_end(date(year, month, 1), "monthly")


def _branches(session: Session, org: Organisation) -> list[Organisation]:
    if org.kind == OrgKind.BRANCH.value:
        return [org]
    return list(
        session.scalars(
            select(Organisation)
            .where(
                Organisation.kind == OrgKind.BRANCH.value, Organisation.path.startswith(org.path)
            )
            .order_by(Organisation.sort_order, Organisation.id)
        )
    )


def _commitments(session: Session, branch_id: int, start: date, end: date) -> list[Commitment]:
    """Published commitments of the branch (its own and its members') in force in [start, end]."""
    return list(
        session.scalars(
            select(Commitment)
            .where(
                Commitment.org_id == branch_id,
                Commitment.status == CommitmentStatus.PUBLISHED.value,
                Commitment.start_date <= end,
                Commitment.end_date >= start,
            )
            .options(selectinload(Commitment.member))
            .order_by(Commitment.owner_kind, Commitment.member_id, Commitment.id)
        )
    )


def _logs(
    session: Session, branch_id: int, start: date, end: date, member_id: int | None = None
) -> list[FulfilmentLog]:
    q = (
        select(FulfilmentLog)
        .join(Commitment, Commitment.id == FulfilmentLog.commitment_id)
        .where(
            Commitment.org_id == branch_id,
            FulfilmentLog.happened_on >= start,
            FulfilmentLog.happened_on <= end,
        )
        .options(selectinload(FulfilmentLog.commitment))
        .order_by(FulfilmentLog.happened_on, FulfilmentLog.id)
    )
    if member_id is not None:
        q = q.where(FulfilmentLog.member_id == member_id)
    return list(session.scalars(q))


def _fmt_day(d: date) -> str:
    return f"{d.month}月{d.day}日"


# -- monthly party day -------------------------------------------------------------------------


def party_day_draft(
    session: Session, member: Member, year: int, month: int, on: date | None = None
) -> str:
    """A member's 主题党日 report for a month, drafted from their logs (edit before use)."""
    _check_year(year)
    if not 1 <= month <= 12:
        raise ValidationError("month", "月份应为 1 到 12")
    start, end = date(year, month, 1), _month_end(year, month)
    on = min(on or local_date(), end)
    branch = session.get_one(Organisation, member.org_id)
    logs = _logs(session, branch.id, start, end, member.id)
    mine = [c for c in _commitments(session, branch.id, start, end) if c.member_id == member.id]
    prog = progress.progress_of(session, mine, on)
    lines = [f"{year}年{month}月主题党日 践诺情况汇报", f"党员：{member.name}（{branch.name}）", ""]
    lines.append(f"一、本月践诺（共 {len(logs)} 次）")
    if not logs:
        lines.append("本月没有践诺记录。")
    for i, entry in enumerate(logs, start=1):
        c = entry.commitment
        note = f"：{privacy.scrub(entry.note)}" if entry.note else ""
        mark = "（已核实）" if entry.verified_at else ""
        lines.append(
            f"{i}. {_fmt_day(entry.happened_on)} {c.title}，{entry.quantity}{c.unit}{note}{mark}"
        )
    lines += ["", "二、承诺进度"]
    if not mine:
        lines.append("暂无公开承诺。")
    for c in mine:
        p = prog[c.id]
        due = (
            f"，下次截止 {p.next_due.isoformat()}"
            if p.next_due and p.state not in DONE_STATES
            else ""
        )
        lines.append(f"- {c.title}：{p.label}，{p.percent}%{due}")
    lines += ["", "三、存在不足和下月打算", "（请本人补充）"]
    return "\n".join(lines)


# -- quarterly branch review ----------------------------------------------------------------------


def quarterly_review(
    session: Session, branch: Organisation, year: int, quarter: int, on: date | None = None
) -> str:
    """季度讲评: each member's logs and progress, the lagging named, requests handled."""
    _check_year(year)
    if quarter not in (1, 2, 3, 4):
        raise ValidationError("quarter", "季度应为 1 到 4")
    start = date(year, 3 * quarter - 2, 1)
    end = _month_end(year, 3 * quarter)
    on = min(on or local_date(), end)
    commitments = _commitments(session, branch.id, start, end)
    prog = progress.progress_of(session, commitments, on)
    logs = _logs(session, branch.id, start, end)
    s, e = _bounds(start, end)
    reqs = list(
        session.scalars(
            select(Request).where(
                Request.org_id == branch.id, Request.created_at >= s, Request.created_at <= e
            )
        )
    )
    resolved = sum(1 for r in reqs if r.resolved_at is not None)
    lines = [f"{branch.name} {year}年第{quarter}季度 践诺讲评", ""]
    done = sum(1 for c in commitments if prog[c.id].state in DONE_STATES)
    lines.append(
        f"本季度公开承诺 {len(commitments)} 项，已完成 {done} 项；践诺记录 {len(logs)} 次；"
        f"收到群众诉求 {len(reqs)} 件，已办结 {resolved} 件。"
    )
    lines += ["", "一、支部承诺"]
    for c in commitments:
        if c.owner_kind == OwnerKind.BRANCH.value:
            lines.append(f"- {c.title}：{prog[c.id].label}，{prog[c.id].percent}%")
    lines += ["", "二、党员践诺"]
    per_member: dict[int, int] = {}
    for entry in logs:
        if entry.member_id:
            per_member[entry.member_id] = per_member.get(entry.member_id, 0) + 1
    lagging = []
    for m in session.scalars(
        select(Member)
        .where(Member.org_id == branch.id, Member.active.is_(True))
        .order_by(Member.name, Member.id)
    ):
        mine = [c for c in commitments if c.member_id == m.id]
        if not mine:
            continue
        worst = [prog[c.id] for c in mine if prog[c.id].state in (State.BEHIND, State.OVERDUE)]
        mark = "（需加油）" if worst else ""
        lines.append(
            f"- {m.name}：践诺 {per_member.get(m.id, 0)} 次，承诺 {len(mine)} 项"
            f"，平均进度 {sum(prog[c.id].percent for c in mine) // len(mine)}%{mark}"
        )
        if worst:
            lagging.append(m.name)
    lines += ["", "三、讲评意见"]
    lines.append("进度落后的党员：" + ("、".join(lagging) if lagging else "无") + "。")
    lines.append("（请支部书记补充）")
    return "\n".join(lines)


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
            sum(1 for p in self.progress.values() if p.state in DONE_STATES),
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
    commitments = _commitments(session, branch.id, start, end)
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
    s, e = _bounds(start, end)
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
        _logs(session, branch.id, start, end),
        ratings,
        {int(k): int(v) for k, v in pts.items()},
        member_grades,
        grade,
    )


def year_end_data(
    session: Session, org: Organisation, year: int, on: date | None = None
) -> list[BranchYear]:
    _check_year(year)
    on = min(on or local_date(), date(year, 12, 31))
    return [_branch_year(session, b, year, on) for b in _branches(session, org)]


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
    noms = points.star_nominations(
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
