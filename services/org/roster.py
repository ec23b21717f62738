"""Roster (花名册) and household (户) import from .xlsx / .csv, and the blank templates.

The rule: every row is validated first; a file with any bad row imports nothing and the
caller gets every problem (row number, column header, what to fix). A good file is
applied as an upsert — members keyed by phone number, households by 户编号 — so that
importing the same file again changes nothing. Duties 支部书记 / 党小组长 grant the matching
roles; party groups named in the file are created under their branch when missing.
"""

from __future__ import annotations

import csv
import io
import re
import secrets
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

from infra.clock import local_date
from models import (
    Household,
    Member,
    MemberHousehold,
    Organisation,
    OrgKind,
    Role,
    RoleGrant,
)
from services.errors import DomainError

PUBLIC_CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
PHONE_RE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE_RE = re.compile(r"^[0-9][0-9\-]{5,19}$")
LIST_SPLIT_RE = re.compile(r"[、,，;；/\s]+")
YES = {"是", "y", "yes", "1", "√", "✓", "true", "免", "免于承诺"}
NO = {"", "否", "n", "no", "0", "false", "×"}
DUTY_SECRETARY = "支部书记"
DUTY_GROUP_LEADER = "党小组长"
MAX_ROWS = 20_000


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool
    example: str
    note: str


MEMBER_COLUMNS: tuple[Column, ...] = (
    Column("name", "姓名", True, "李德明", "必填，最多 50 个字"),
    Column(
        "phone", "手机号", True, "13907310001", "必填，11 位手机号；同一手机号重复导入会更新该党员"
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
        "DC001",
        "必填，全镇唯一，最多 32 个字符；同一户编号重复导入会更新该户",
    ),
    Column("address", "地址", True, "东村1号", "必填，最多 200 个字"),
    Column("head_name", "户主", False, "王秀兰", "选填，最多 50 个字"),
    Column("phone", "联系电话", False, "13707310001", "选填，手机号或座机号"),
    Column("size", "人口数", False, "4", "选填，1 到 30 之间的整数，默认 1"),
    Column("branch", "所属支部", True, "branch-1", "必填，填支部编码或支部全称"),
    Column(
        "members",
        "联系党员手机号",
        False,
        "13907310001、13907310002",
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

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged

    def as_dict(self) -> dict[str, int]:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged}


# -- reading files --------------------------------------------------------------------------


def _text(value: Any) -> str:
    """A cell as text: 13907310001.0 → '13907310001', dates → ISO, full-width → plain."""
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
    return unicodedata.normalize("NFKC", str(value)).strip()


def _header(value: Any) -> str:
    text = re.sub(r"[\s*＊:：]+", "", _text(value))
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


def _records(
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


# -- shared lookups -------------------------------------------------------------------------


class _Branches:
    def __init__(self, session: Session) -> None:
        self.by_code: dict[str, Organisation] = {}
        self.by_name: dict[str, list[Organisation]] = {}
        for org in session.scalars(
            select(Organisation).where(Organisation.kind == OrgKind.BRANCH.value)
        ):
            self.by_code[org.code.lower()] = org
            self.by_name.setdefault(org.name, []).append(org)

    def find(self, text: str) -> tuple[Organisation | None, str]:
        if not text:
            return None, "必填：请填写支部编码（如 branch-1）或支部全称"
        org = self.by_code.get(text.lower())
        if org is not None:
            return org, ""
        named = self.by_name.get(text, [])
        if len(named) == 1:
            return named[0], ""
        if len(named) > 1:
            return None, f"有 {len(named)} 个支部都叫“{text}”，请改填支部编码"
        return (
            None,
            f"找不到支部“{text}”：请填写已有支部的编码或全称（用 flask roster branches 查看）",
        )


def normalise_phone(text: str) -> str:
    digits = re.sub(r"[\s\-()（）]", "", text)
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits


def new_public_code(session: Session) -> str:
    """An unused 8-character code for a member's public card URL."""
    for _ in range(50):
        code = "".join(secrets.choice(PUBLIC_CODE_ALPHABET) for _ in range(8))
        if session.scalar(select(Member.id).where(Member.public_code == code)) is None:
            return code
    raise RuntimeError("could not find a free public code")


def _limit(problems: list[Problem], row: int, column: str, value: str, limit: int) -> str:
    if len(value) > limit:
        problems.append(Problem(row, column, f"内容太长（{len(value)} 个字），最多 {limit} 个字"))
    return value


# -- members --------------------------------------------------------------------------------


@dataclass
class _MemberRow:
    row: int
    name: str
    phone: str
    branch: Organisation
    group: str
    duties: str
    speciality: str
    gender: str | None
    birth_year: int | None
    exempt: bool
    exempt_reason: str


def _parse_member(
    number: int, rec: dict[str, str], branches: _Branches, problems: list[Problem]
) -> _MemberRow | None:
    before = len(problems)
    h = {c.key: c.header for c in MEMBER_COLUMNS}
    name = rec.get("name", "")
    if not name:
        problems.append(Problem(number, h["name"], "必填：请填写党员姓名"))
    _limit(problems, number, h["name"], name, 50)
    phone = normalise_phone(rec.get("phone", ""))
    if not phone:
        problems.append(Problem(number, h["phone"], "必填：请填写 11 位手机号"))
    elif not PHONE_RE.match(phone):
        problems.append(
            Problem(
                number, h["phone"], f"“{rec.get('phone')}”不是有效的手机号：应为 1 开头的 11 位数字"
            )
        )
    branch, why = branches.find(rec.get("branch", ""))
    if branch is None:
        problems.append(Problem(number, h["branch"], why))
    group = _limit(problems, number, h["group"], rec.get("group", ""), 100)
    duties_list = [d for d in LIST_SPLIT_RE.split(rec.get("duties", "")) if d]
    duties = _limit(problems, number, h["duties"], "、".join(duties_list), 100)
    if DUTY_GROUP_LEADER in duties_list and not group:
        problems.append(Problem(number, h["group"], "职务是党小组长时必须填写所在党小组"))
    speciality = _limit(problems, number, h["speciality"], rec.get("speciality", ""), 200)
    gender_text = rec.get("gender", "")
    gender: str | None = None
    if gender_text in ("男", "女"):
        gender = gender_text
    elif gender_text:
        problems.append(Problem(number, h["gender"], f"“{gender_text}”无法识别：请填 男 或 女"))
    birth_year: int | None = None
    by_text = rec.get("birth_year", "")
    if by_text:
        m = re.match(r"^(\d{4})(?:年|[-/.]\d{1,2}.*)?$", by_text)
        year = int(m.group(1)) if m else 0
        if not 1900 <= year <= local_date().year:
            problems.append(
                Problem(
                    number, h["birth_year"], f"“{by_text}”不是有效的出生年份：请填四位年份，如 1968"
                )
            )
        else:
            birth_year = year
    exempt_text = rec.get("exempt", "").lower()
    exempt = False
    if exempt_text in YES:
        exempt = True
    elif exempt_text not in NO:
        problems.append(
            Problem(number, h["exempt"], f"“{rec.get('exempt')}”无法识别：请填 是 或 否")
        )
    reason = _limit(problems, number, h["exempt_reason"], rec.get("exempt_reason", ""), 200)
    if exempt and not reason:
        problems.append(
            Problem(number, h["exempt_reason"], "免于承诺时必须写明原因，如 年满80周岁")
        )
    if not exempt:
        reason = ""
    if len(problems) > before or branch is None:
        return None
    return _MemberRow(
        number, name, phone, branch, group, duties, speciality, gender, birth_year, exempt, reason
    )


def import_members(session: Session, path: str | Path, data: bytes | None = None) -> ImportResult:
    """Validate the whole roster file, then upsert it. Raises ImportFailed with every problem."""
    problems: list[Problem] = []
    records = _records(read_rows(path, data), MEMBER_COLUMNS, problems)
    branches = _Branches(session)
    parsed: list[_MemberRow] = []
    first_row: dict[str, int] = {}
    for number, rec in records:
        row = _parse_member(number, rec, branches, problems)
        phone = normalise_phone(rec.get("phone", ""))
        if phone and PHONE_RE.match(phone):
            if phone in first_row:
                problems.append(
                    Problem(
                        number, "手机号", f"手机号 {phone} 与第 {first_row[phone]} 行重复：一人一行"
                    )
                )
                continue
            first_row[phone] = number
        if row is not None:
            parsed.append(row)
    if problems:
        raise ImportFailed(sorted(problems, key=lambda p: p.row))
    return _apply_members(session, parsed)


def _groups_of(session: Session) -> dict[tuple[int, str], Organisation]:
    rows = session.scalars(select(Organisation).where(Organisation.kind == OrgKind.GROUP.value))
    return {(g.parent_id or 0, g.name): g for g in rows}


def _chunks(items: Sequence[str], size: int = 500) -> Iterable[Sequence[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _apply_members(session: Session, rows: list[_MemberRow]) -> ImportResult:
    result = ImportResult()
    groups = _groups_of(session)
    existing: dict[str, Member] = {}
    for chunk in _chunks([r.phone for r in rows]):
        for m in session.scalars(select(Member).where(Member.phone.in_(chunk))):
            existing[m.phone] = m
    grants = {
        (g.member_id, g.role, g.org_id)
        for g in session.scalars(select(RoleGrant).where(RoleGrant.member_id.is_not(None)))
    }
    for r in rows:
        group: Organisation | None = None
        if r.group:
            group = groups.get((r.branch.id, r.group))
            if group is None:
                group = Organisation(
                    kind=OrgKind.GROUP.value,
                    name=r.group,
                    parent_id=r.branch.id,
                    code=f"{r.branch.code[:20]}-g{secrets.token_hex(3)}",
                )
                session.add(group)
                session.flush()
                group.path = f"{r.branch.path}{group.id}/"
                groups[(r.branch.id, r.group)] = group
                result.groups_created.append(f"{r.branch.name}{r.group}")
        values: dict[str, Any] = {
            "name": r.name,
            "org_id": r.branch.id,
            "group_id": group.id if group else None,
            "duties": r.duties,
            "speciality": r.speciality,
            "gender": r.gender,
            "birth_year": r.birth_year,
            "exempt": r.exempt,
            "exempt_reason": r.exempt_reason,
            "active": True,
        }
        member = existing.get(r.phone)
        created = member is None
        changed = False
        if member is None:
            member = Member(phone=r.phone, public_code=new_public_code(session), **values)
            session.add(member)
            session.flush()
            existing[r.phone] = member
        else:
            for key, value in values.items():
                if getattr(member, key) != value:
                    setattr(member, key, value)
                    changed = True
        wanted: list[tuple[str, Organisation]] = []
        duties = set(r.duties.split("、")) if r.duties else set()
        if DUTY_SECRETARY in duties:
            wanted.append((Role.SECRETARY.value, r.branch))
        if DUTY_GROUP_LEADER in duties and group is not None:
            wanted.append((Role.GROUP_LEADER.value, group))
        for role, org in wanted:
            if (member.id, role, org.id) not in grants:
                session.add(RoleGrant(member_id=member.id, role=role, org_id=org.id))
                grants.add((member.id, role, org.id))
                result.grants_created += 1
                changed = True
        if created:
            result.created += 1
        elif changed:
            result.updated += 1
        else:
            result.unchanged += 1
    session.flush()
    return result


# -- households -----------------------------------------------------------------------------


@dataclass
class _HouseholdRow:
    row: int
    code: str
    address: str
    head_name: str
    phone: str
    size: int
    branch: Organisation
    member_ids: list[int] | None  # None: the column is absent or empty → links untouched


def import_households(
    session: Session, path: str | Path, data: bytes | None = None
) -> ImportResult:
    """Validate the whole household file, then upsert it (links to members included)."""
    problems: list[Problem] = []
    records = _records(read_rows(path, data), HOUSEHOLD_COLUMNS, problems)
    branches = _Branches(session)
    h = {c.key: c.header for c in HOUSEHOLD_COLUMNS}
    phones: set[str] = set()
    for _, rec in records:
        phones.update(normalise_phone(p) for p in LIST_SPLIT_RE.split(rec.get("members", "")) if p)
    members: dict[str, Member] = {}
    for chunk in _chunks(sorted(phones)):
        for m in session.scalars(select(Member).where(Member.phone.in_(chunk))):
            members[m.phone] = m
    parsed: list[_HouseholdRow] = []
    first_row: dict[str, int] = {}
    for number, rec in records:
        before = len(problems)
        code = rec.get("code", "")
        if not code:
            problems.append(Problem(number, h["code"], "必填：请填写户编号"))
        elif not re.match(r"^[0-9A-Za-z\-_\u4e00-\u9fff]{1,32}$", code):
            problems.append(
                Problem(
                    number, h["code"], "户编号只能由字母、数字、汉字、- 和 _ 组成，最多 32 个字符"
                )
            )
        elif code in first_row:
            problems.append(
                Problem(number, h["code"], f"户编号 {code} 与第 {first_row[code]} 行重复")
            )
        else:
            first_row[code] = number
        address = rec.get("address", "")
        if not address:
            problems.append(Problem(number, h["address"], "必填：请填写住址，如 东村12号"))
        _limit(problems, number, h["address"], address, 200)
        head = _limit(problems, number, h["head_name"], rec.get("head_name", ""), 50)
        phone = normalise_phone(rec.get("phone", ""))
        if phone and not (PHONE_RE.match(phone) or LANDLINE_RE.match(phone)):
            problems.append(Problem(number, h["phone"], f"“{rec.get('phone')}”不是有效的电话号码"))
        size = 1
        size_text = rec.get("size", "").removesuffix("人").removesuffix("口")
        if size_text:
            if size_text.isdigit() and 1 <= int(size_text) <= 30:
                size = int(size_text)
            else:
                problems.append(
                    Problem(
                        number, h["size"], f"“{rec.get('size')}”不对：人口数应为 1 到 30 的整数"
                    )
                )
        branch, why = branches.find(rec.get("branch", ""))
        if branch is None:
            problems.append(Problem(number, h["branch"], why))
        member_ids: list[int] | None = None
        linked = [p for p in LIST_SPLIT_RE.split(rec.get("members", "")) if p]
        if linked:
            member_ids = []
            for raw in linked:
                p = normalise_phone(raw)
                linked_member = members.get(p)
                if linked_member is None:
                    problems.append(
                        Problem(
                            number,
                            h["members"],
                            f"找不到手机号为 {raw} 的党员：请先导入党员花名册或核对手机号",
                        )
                    )
                elif branch is not None and linked_member.org_id != branch.id:
                    problems.append(
                        Problem(
                            number,
                            h["members"],
                            f"党员{linked_member.name}（{raw}）不属于{branch.name}，联户党员须是本支部党员",
                        )
                    )
                elif linked_member.id not in member_ids:
                    member_ids.append(linked_member.id)
        if len(problems) == before and branch is not None:
            parsed.append(
                _HouseholdRow(number, code, address, head, phone, size, branch, member_ids)
            )
    if problems:
        raise ImportFailed(sorted(problems, key=lambda p: p.row))
    return _apply_households(session, parsed)


def _apply_households(session: Session, rows: list[_HouseholdRow]) -> ImportResult:
    result = ImportResult()
    existing: dict[str, Household] = {}
    for chunk in _chunks([r.code for r in rows]):
        for hh in session.scalars(select(Household).where(Household.code.in_(chunk))):
            existing[hh.code] = hh
    for r in rows:
        values = {
            "address": r.address,
            "head_name": r.head_name,
            "phone": r.phone,
            "size": r.size,
            "org_id": r.branch.id,
        }
        found = existing.get(r.code)
        created = found is None
        changed = False
        if found is None:
            hh = Household(code=r.code, **values)
            session.add(hh)
            session.flush()
            existing[r.code] = hh
        else:
            hh = found
            for key, value in values.items():
                if getattr(hh, key) != value:
                    setattr(hh, key, value)
                    changed = True
        if r.member_ids is not None:
            links = {
                link.member_id: link
                for link in session.scalars(
                    select(MemberHousehold).where(MemberHousehold.household_id == hh.id)
                )
            }
            for mid in r.member_ids:
                if mid not in links:
                    session.add(MemberHousehold(member_id=mid, household_id=hh.id))
                    changed = True
            for mid, link in links.items():
                if mid not in r.member_ids:
                    session.delete(link)
                    changed = True
        if created:
            result.created += 1
        elif changed:
            result.updated += 1
        else:
            result.unchanged += 1
    session.flush()
    return result


# -- templates ------------------------------------------------------------------------------

TEMPLATE_TITLES = {
    "members": ("党员花名册", MEMBER_COLUMNS),
    "households": ("户信息", HOUSEHOLD_COLUMNS),
}


def template(kind: str) -> bytes:
    """A downloadable .xlsx: headers (required ones marked *), an example row, a notes sheet."""
    title, columns = TEMPLATE_TITLES[kind]
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = title
    ws.append([c.header + ("*" if c.required else "") for c in columns])
    ws.append([c.example for c in columns])
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="FFF2CC")
    for cell in ws[1]:
        cell.font = bold
        cell.fill = fill
    for cell in ws[2]:
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
        ["说明", "", "第 1 行是表头，不要改动；第 2 行是示例，导入前请删除或改成真实数据。"]
    )
    notes.append(
        ["说明", "", "只要有一行有错，整个文件都不会导入；系统会列出每个错误的行号和列名。"]
    )
    notes.append(
        ["说明", "", "同一个文件可以反复导入：已有的记录会按本表更新，没有变化的不会改动。"]
    )
    notes.column_dimensions["A"].width = 16
    notes.column_dimensions["B"].width = 10
    notes.column_dimensions["C"].width = 90
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
