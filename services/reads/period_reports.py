"""Quarterly (季度讲评) and half-year (半年销号) workbooks for a branch or a township: the
same figures as the group pushes (``services.reads.summaries``, ``services.reads.checkoff``),
one row per branch, written through the one export writer (``services.reads.sheets``)."""

from __future__ import annotations

import io

from openpyxl import Workbook
from sqlalchemy.orm import Session

from models import Organisation, OrgKind
from services.reads import checkoff, summaries
from services.reads.periods import Period
from services.reads.sheets import Percent, append
from services.reads.summaries import BranchSummary

HEADER = [
    "组织",
    "党员人数",
    "作出承诺人数",
    "践诺记录（条）",
    "完成率",
    "上期完成率",
    "群众诉求（件）",
    "响应率",
    "办结率",
    "解决率",
    "满意率",
]


def _pct(value: int | None) -> Percent | None:
    return None if value is None else Percent(value / 100)


def _row(s: BranchSummary) -> list[object]:
    r = s.rates
    return [
        s.name,
        s.members,
        s.members_committed,
        s.logs,
        _pct(s.completion),
        _pct(s.previous_completion),
        r.received,
        _pct(r.response),
        _pct(r.completion),
        _pct(r.solution),
        _pct(r.satisfaction),
    ]


def _figures_rows(session: Session, org: Organisation, period: Period) -> list[list[object]]:
    figures = summaries.compute(session, period)
    if org.kind == OrgKind.TOWNSHIP.value and org.id in figures.townships:
        t = figures.townships[org.id]
        return [_row(b) for b in t.branches] + [_row(t)]
    if org.id in figures.branches:
        return [_row(figures.branches[org.id])]
    return []


def _book(title: str, sheets: list[tuple[str, list[str], list[list[object]]]]) -> bytes:
    wb = Workbook()
    first = True
    for name, header, rows in sheets:
        ws = wb.active if first else wb.create_sheet()
        first = False
        ws.title = name[:31]
        append(ws, [title])
        append(ws, header)
        for row in rows:
            append(ws, row)
        for col in ws.columns:
            ws.column_dimensions[col[0].column_letter].width = 14
        ws.column_dimensions["A"].width = 24
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def quarterly_workbook(session: Session, org: Organisation, code: str) -> bytes:
    """季度讲评 figures of ``org`` (a branch, or a township with every branch) for ``2026Q3``."""
    period = summaries.quarter(code)
    rows = _figures_rows(session, org, period)
    return _book(f"{org.name} {period.label}践诺讲评", [("季度讲评", HEADER, rows)])


def half_year_workbook(session: Session, org: Organisation, code: str, threshold: int) -> bytes:
    """半年销号 of ``org`` for ``2026H1``: the figures, and for a township the check-off."""
    period = summaries.half_year(code)
    sheets = [("半年情况", HEADER, _figures_rows(session, org, period))]
    if org.kind == OrgKind.TOWNSHIP.value:
        c = checkoff.half_year(session, org, period, threshold)
        sheets.append(
            (
                "半年销号",
                ["支部", "承诺（项）", "销号（项）", "完成率", f"低于 {threshold}%"],
                [
                    [
                        r.branch,
                        r.commitments,
                        r.completed,
                        _pct(r.completion),
                        "是" if r.slow else "",
                    ]
                    for r in c.rows
                ],
            )
        )
    return _book(f"{org.name} {period.label}承诺销号情况（销号线 {threshold}%）", sheets)
