"""Roster (花名册) and household (户) files: their columns, reading .xlsx / .csv into rows,
the problems a file can have, and the blank templates to download. Also the lookups that
the member import (``roster``) and the household import (``households``) share.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Organisation, OrgKind
from services.errors import DomainError

LANDLINE_RE = re.compile(r"^[0-9][0-9\-]{5,19}$")
LIST_SPLIT_RE = re.compile(r"[、,，;；/\s]+")
MAX_ROWS = 20_000
# The template's example rows: their first column (姓名 / 户编号) starts with 示例 and they are
# skipped on import. Their phone numbers start with 100: mainland mobiles start with 13-19 and
# 10xxx are carriers' service codes (10000, 10086, 10010), never an 11-digit subscriber number,
# so an example can never match a real person, and the mobile rule refuses it if the 示例 mark
# is removed but the number kept.
SAMPLE_MARK = "示例"


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool
    example: str
    note: str


MEMBER_COLUMNS: tuple[Column, ...] = (
    Column("name", "姓名", True, "示例李德明", "必填，最多 50 个字；以“示例”开头的行不会导入"),
    Column(
        "phone", "手机号", True, "10000000001", "必填，11 位手机号；同一手机号重复导入会更新该党员"
    ),
    Column(
        "branch",
        "所属支部",
        True,
        "branch-1",
        "必填，填支部编码（如 branch-1）或支部全称（如 东村党支部）",
    ),
    Column("group", "党小组", False, "第一党小组", "选填；本支部没有这个党小组时会自动创建"),
    Column(
        "duties",
        "职务",
        False,
        "党小组长",
        "选填；多个用顿号分隔。填“支部书记”“党小组长”会自动授予审核权限",
    ),
    Column(
        "speciality", "特长", False, "种粮能手", "选填，最多 200 个字，如 退休电工、会修铝合金门窗"
    ),
    Column("gender", "性别", False, "男", "选填，男 或 女"),
    Column("birth_year", "出生年份", False, "1968", "选填，四位年份，如 1968"),
    Column("exempt", "免于承诺", False, "否", "选填，是 或 否；填“是”时必须填写免诺原因"),
    Column("exempt_reason", "免诺原因", False, "", "免于承诺时必填，如 年满80周岁、长期卧病"),
)
HOUSEHOLD_COLUMNS: tuple[Column, ...] = (
    Column(
        "code",
        "户编号",
        True,
        "示例DC001",
        "必填，全镇唯一，最多 32 个字符；同一户编号重复导入会更新该户；以“示例”开头的行不会导入",
    ),
    Column("address", "地址", True, "东村1号", "必填，最多 200 个字"),
    Column("head_name", "户主", False, "王秀兰", "选填，最多 50 个字"),
    Column("phone", "联系电话", False, "10000000002", "选填，手机号或座机号"),
    Column("size", "人口数", False, "4", "选填，1 到 30 之间的整数，默认 1"),
    Column("branch", "所属支部", True, "branch-1", "必填，填支部编码或支部全称"),
    Column(
        "members",
        "联系党员手机号",
        False,
        "10000000001、10000000003",
        "选填，联户党员的手机号，多个用顿号或逗号分隔；党员须已在花名册中且属于本支部。"
        "填写后以本表为准（本户原有而表中没有的联户关系会被解除）",
    ),
)
# Other spellings people use for the same columns.
ALIASES = {
    "手机": "手机号",
    "手机号码": "手机号",
    "联系方式": "手机号",
    "支部": "所属支部",
    "所在支部": "所属支部",
    "党组织": "所属支部",
    "所属党小组": "党小组",
    "出生年": "出生年份",
    "是否免于承诺": "免于承诺",
    "免于承诺原因": "免诺原因",
    "编号": "户编号",
    "住址": "地址",
    "家庭住址": "地址",
    "户主姓名": "户主",
    "电话": "联系电话",
    "家庭人口": "人口数",
    "人口": "人口数",
    "联户党员手机号": "联系党员手机号",
    "联系党员": "联系党员手机号",
}


@dataclass(frozen=True)
class Problem:
    row: int  # spreadsheet row number (the header is row 1)
    column: str
    message: str

    def __str__(self) -> str:
        where = f"第 {self.row} 行" if self.row else "文件"
        return (
            f"{where}【{self.column}】{self.message}" if self.column else f"{where}：{self.message}"
        )


class ImportFailed(DomainError):
    """The file has problems; nothing was imported."""

    code = "import_failed"
    status = 400

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__(f"文件中有 {len(self.problems)} 处问题，未导入任何数据；请改正后重新导入")

    @property
    def fields(self) -> dict[str, str]:
        return {f"{p.row}:{p.column}": p.message for p in self.problems}


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    groups_created: list[str] = field(default_factory=list)
    grants_created: int = 0
    samples_skipped: list[int] = field(default_factory=list)  # row numbers of 示例 rows

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged

    def as_dict(self) -> dict[str, int]:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged}


# -- reading files --------------------------------------------------------------------------


def _text(value: Any) -> str:
    """A cell as text, as written: 13907310001.0 → '13907310001', dates → ISO, trimmed."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def plain(text: str) -> str:
    """A copy for matching (headers, codes, yes/no): full-width → plain. Never stored."""
    return unicodedata.normalize("NFKC", text).strip()


def _header(value: Any) -> str:
    text = re.sub(r"[\s*＊:：]+", "", plain(_text(value)))
    text = re.sub(r"[(（].*?[)）]", "", text)  # "手机号（必填）" → "手机号"
    return ALIASES.get(text, text)


def read_rows(path: str | Path, data: bytes | None = None) -> list[tuple[int, list[str]]]:
    """All non-empty rows of the first sheet (or the CSV), with their row numbers."""
    path = Path(path)
    raw = data if data is not None else path.read_bytes()
    suffix = path.suffix.lower()
    rows: list[tuple[int, list[str]]] = []
    if suffix in (".xlsx", ".xlsm"):
        try:
            wb = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
        except Exception as exc:
            raise ImportFailed(
                [
                    Problem(
                        0,
                        "",
                        f"无法读取 Excel 文件（{type(exc).__name__}），"
                        "请用 Excel 或 WPS 另存为 .xlsx 后重试",
                    )
                ]
            ) from exc
        sheet = wb.worksheets[0]
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = [_text(v) for v in values]
            if any(cells):
                rows.append((number, cells))
            if len(rows) > MAX_ROWS + 1:
                break
        wb.close()
    elif suffix in (".csv", ".txt"):
        text = _decode(raw)
        for number, cells in enumerate(csv.reader(io.StringIO(text)), start=1):
            values = [_text(c) for c in cells]
            if any(values):
                rows.append((number, values))
    else:
        raise ImportFailed(
            [Problem(0, "", "只支持 .xlsx 或 .csv 文件（旧版 .xls 请先另存为 .xlsx）")]
        )
    if len(rows) > MAX_ROWS + 1:
        raise ImportFailed([Problem(0, "", f"一次最多导入 {MAX_ROWS} 行，请分批导入")])
    return rows


def _decode(raw: bytes) -> str:
    """UTF-8 (with or without BOM), else GBK/GB18030 as Excel on Chinese Windows saves it."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportFailed([Problem(0, "", "无法识别文件编码，请在 Excel 中另存为“CSV UTF-8”或 .xlsx")])


def to_records(
    rows: list[tuple[int, list[str]]], columns: Sequence[Column], problems: list[Problem]
) -> list[tuple[int, dict[str, str]]]:
    if not rows:
        problems.append(Problem(0, "", "文件是空的：第 1 行应为表头，从第 2 行起每行一条"))
        return []
    header_row, header_cells = rows[0]
    headers = [_header(h) for h in header_cells]
    by_header = {c.header: c for c in columns}
    index: dict[str, int] = {}
    for i, h in enumerate(headers):
        if h in by_header and by_header[h].key not in index:
            index[by_header[h].key] = i
    for c in columns:
        if c.required and c.key not in index:
            problems.append(
                Problem(header_row, c.header, f"缺少“{c.header}”列：请使用导入模板，表头在第 1 行")
            )
    if problems:
        return []
    out = []
    for number, cells in rows[1:]:
        record = {key: (cells[i] if i < len(cells) else "") for key, i in index.items()}
        out.append((number, record))
    if not out:
        problems.append(Problem(0, "", "文件里只有表头，没有数据行"))
    return out


def split_samples(
    records: list[tuple[int, dict[str, str]]], key: str
) -> tuple[list[tuple[int, dict[str, str]]], list[int]]:
    """The records to import, and the row numbers of the template's 示例 rows (skipped)."""
    kept, skipped = [], []
    for number, rec in records:
        if plain(rec.get(key, "")).startswith(SAMPLE_MARK):
            skipped.append(number)
        else:
            kept.append((number, rec))
    return kept, skipped


# -- shared by the member and household imports -----------------------------------------


class Branches:
    def __init__(self, session: Session) -> None:
        self.by_code: dict[str, Organisation] = {}
        self.by_name: dict[str, list[Organisation]] = {}
        self.closed: set[str] = set()  # codes and names of 已撤销 branches: named, never matched
        for org in session.scalars(
            select(Organisation).where(Organisation.kind == OrgKind.BRANCH.value)
        ):
            if org.closed_at is not None:
                self.closed.update((org.code.lower(), org.name))
                continue
            self.by_code[org.code.lower()] = org
            self.by_name.setdefault(org.name, []).append(org)

    def find(self, text: str) -> tuple[Organisation | None, str]:
        if not text:
            return None, "必填：请填写支部编码（如 branch-1）或支部全称"
        org = self.by_code.get(plain(text).lower())
        if org is not None:
            return org, ""
        named = self.by_name.get(text, []) or self.by_name.get(plain(text), [])
        if len(named) == 1:
            return named[0], ""
        if len(named) > 1:
            return None, f"有 {len(named)} 个支部都叫“{text}”，请改填支部编码"
        if text in self.closed or plain(text).lower() in self.closed:
            return None, f"支部“{text}”已撤销：请填现在所属的支部"
        return (
            None,
            f"找不到支部“{text}”：请填写已有支部的编码或全称（用 flask roster branches 查看）",
        )


def check_length(problems: list[Problem], row: int, column: str, value: str, limit: int) -> str:
    if len(value) > limit:
        problems.append(Problem(row, column, f"内容太长（{len(value)} 个字），最多 {limit} 个字"))
    return value


def chunks(items: Sequence[str], size: int = 500) -> Iterable[Sequence[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


# -- templates ------------------------------------------------------------------------------

TEMPLATE_TITLES = {
    "members": ("党员花名册", MEMBER_COLUMNS),
    "households": ("户信息", HOUSEHOLD_COLUMNS),
}


def template(kind: str) -> bytes:
    """A downloadable .xlsx: headers (required ones marked *), an example row, a notes sheet."""
    title, columns = TEMPLATE_TITLES[kind]
    return build_template(title, columns)


def build_template(title: str, columns: Sequence[Column], examples: int = 1) -> bytes:
    """Any import's template; column examples split on ``|`` give ``examples`` rows."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = title
    ws.append([c.header + ("*" if c.required else "") for c in columns])
    for i in range(examples):
        ws.append([(c.example.split("|") + [""] * examples)[i] for c in columns])
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="FFF2CC")
    for cell in ws[1]:
        cell.font = bold
        cell.fill = fill
    for row in ws.iter_rows(min_row=2, max_row=1 + examples):
        for cell in row:
            cell.number_format = "@"  # phones and codes stay text
    for i, c in enumerate(columns):
        ws.column_dimensions[chr(ord("A") + i)].width = max(12, len(c.header) * 3 + 4)
    notes = wb.create_sheet("填写说明")
    notes.append(["列名", "是否必填", "填写说明"])
    for cell in notes[1]:
        cell.font = bold
    for c in columns:
        notes.append([c.header, "必填" if c.required else "选填", c.note])
    notes.append([])
    notes.append(
        [
            "说明",
            "",
            "第 1 行是表头，不要改动；第 2 行是示例（以“示例”开头，导入时自动跳过；"
            "示例中 100 开头的号码不是真实号码），请在下面另起一行填写真实数据。",
        ]
    )
    notes.append(
        ["说明", "", "只要有一行有错，整个文件都不会导入；系统会列出每个错误的行号和列名。"]
    )
    notes.append(
        [
            "说明",
            "",
            "同一个文件可以反复导入：已有的记录会按本表更新，没有变化的不会改动；"
            "会修改已有党员姓名或职务的，系统先列出这些修改，确认后才写入。",
        ]
    )
    notes.column_dimensions["A"].width = 16
    notes.column_dimensions["B"].width = 10
    notes.column_dimensions["C"].width = 90
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
