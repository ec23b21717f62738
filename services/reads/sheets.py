"""The one export writer: every cell of a workbook or CSV we hand out goes through here.

Text that people wrote (log notes, commitment titles, residents' comments, grade comments)
must never become a live formula in Excel or WPS: a text cell starting with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return is prefixed with an apostrophe, as OWASP advises for
CSV injection. Numbers, dates and empty cells are written as they are (numbers stay numbers);
percentages are fractions with a percent number format, dates real dates.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
NEUTRALISER = "'"
DATE_FORMAT = "yyyy-mm-dd"
PERCENT_FORMAT = "0%"


@dataclass(frozen=True)
class Percent:
    """A share (0.8 = 80 %): a number with a percent format in .xlsx, "80%" in CSV."""

    value: float

    def text(self) -> str:
        return f"{round(self.value * 100)}%"


def safe_text(text: str) -> str:
    """User text as inert text: '=1+1' → "'=1+1"; anything else unchanged."""
    return NEUTRALISER + text if text.startswith(FORMULA_STARTS) else text


def cell_value(value: object) -> object:
    """What a cell holds: numbers and dates as they are, text neutralised."""
    if value is None or isinstance(value, bool | int | float | date | datetime):
        return value
    if isinstance(value, Percent):
        return value.value
    return safe_text(str(value))


def csv_value(value: object) -> str:
    """The same cell in a CSV: percentages as "80%", dates ISO, text neutralised."""
    if value is None:
        return ""
    if isinstance(value, Percent):
        return value.text()
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool | int | float):
        return str(value)
    return safe_text(str(value))


def append(ws: Any, values: Sequence[object]) -> None:
    """Append one row to an openpyxl worksheet through the one writer."""
    ws.append([cell_value(v) for v in values])
    for cell, value in zip(ws[ws.max_row], values, strict=False):
        if isinstance(value, Percent):
            cell.number_format = PERCENT_FORMAT
        elif isinstance(value, date):
            cell.number_format = DATE_FORMAT


def write_csv(out: Any, rows: Iterable[Sequence[object]]) -> None:
    """Write rows to a text stream as CSV through the one writer."""
    w = csv.writer(out)
    for row in rows:
        w.writerow([csv_value(v) for v in row])
