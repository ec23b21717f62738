"""Roster (花名册) import: members from .xlsx / .csv, and the face of the roster package.

The rule: every row is validated first; a file with any bad row imports nothing and the
caller gets every problem (row number, column header, what to fix). A good file is
applied as an upsert — members keyed by phone number, households by 户编号 — so that
importing the same file again changes nothing. Duties 支部书记 / 党小组长 grant the matching
roles; party groups named in the file are created under their branch when missing.

Reading files, the columns and the templates live in ``roster_files``; households and their
links to members in ``households``. The names callers use are re-exported here.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from infra.clock import local_date
from models import Member, Organisation, OrgKind, Role, RoleGrant
from services import privacy
from services.actors import SYSTEM
from services.errors import DomainError
from services.org import org_events, roles
from services.org.households import import_households
from services.org.phones import MOBILE_RE as PHONE_RE
from services.org.phones import normalise_phone
from services.org.roster_files import (
    HOUSEHOLD_COLUMNS,
    LIST_SPLIT_RE,
    MEMBER_COLUMNS,
    Branches,
    Column,
    ImportFailed,
    ImportResult,
    Problem,
    check_length,
    chunks,
    plain,
    read_rows,
    split_samples,
    template,
    to_records,
)

__all__ = [
    "HOUSEHOLD_COLUMNS",
    "MEMBER_COLUMNS",
    "Change",
    "Column",
    "ImportFailed",
    "ImportResult",
    "NeedsConfirmation",
    "Problem",
    "import_households",
    "import_members",
    "new_public_code",
    "normalise_phone",
    "read_rows",
    "template",
]

PUBLIC_CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
YES = {"是", "y", "yes", "1", "√", "✓", "true", "免", "免于承诺"}
NO = {"", "否", "n", "no", "0", "false", "×"}
DUTY_SECRETARY = "支部书记"
DUTY_GROUP_LEADER = "党小组长"


@dataclass(frozen=True)
class Change:
    """An import would change who an existing person is or what they do (name, duties)."""

    row: int
    phone: str  # masked: 139****0001
    column: str
    before: str
    after: str

    def __str__(self) -> str:
        return (
            f"第 {self.row} 行（{self.phone}）【{self.column}】"
            f"“{self.before or '（空）'}” → “{self.after or '（空）'}”"
        )


class NeedsConfirmation(DomainError):
    """The file would rename people or change their duties; nothing was written."""

    code = "confirmation_required"
    status = 409

    def __init__(self, changes: list[Change], fingerprint: str) -> None:
        self.changes = list(changes)
        self.fingerprint = fingerprint
        people = len({c.phone for c in self.changes})
        super().__init__(
            f"本次导入会修改 {people} 名已有党员的姓名或职务（共 {len(self.changes)} 处），"
            "尚未写入；请逐条核对，确认无误后再确认导入"
        )


def new_public_code(session: Session) -> str:
    """An unused 8-character code for a member's public card URL."""
    for _ in range(50):
        code = "".join(secrets.choice(PUBLIC_CODE_ALPHABET) for _ in range(8))
        if session.scalar(select(Member.id).where(Member.public_code == code)) is None:
            return code
    raise RuntimeError("could not find a free public code")


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
    number: int, rec: dict[str, str], branches: Branches, problems: list[Problem]
) -> _MemberRow | None:
    before = len(problems)
    h = {c.key: c.header for c in MEMBER_COLUMNS}
    name = rec.get("name", "")
    if not name:
        problems.append(Problem(number, h["name"], "必填：请填写党员姓名"))
    check_length(problems, number, h["name"], name, 50)
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
    group = check_length(problems, number, h["group"], rec.get("group", ""), 100)
    duties_list = [d for d in LIST_SPLIT_RE.split(plain(rec.get("duties", ""))) if d]
    duties = check_length(problems, number, h["duties"], "、".join(duties_list), 100)
    if DUTY_GROUP_LEADER in duties_list and not group:
        problems.append(Problem(number, h["group"], "职务是党小组长时必须填写所在党小组"))
    speciality = check_length(problems, number, h["speciality"], rec.get("speciality", ""), 200)
    gender_text = plain(rec.get("gender", ""))
    gender: str | None = None
    if gender_text in ("男", "女"):
        gender = gender_text
    elif gender_text:
        problems.append(Problem(number, h["gender"], f"“{gender_text}”无法识别：请填 男 或 女"))
    birth_year: int | None = None
    by_text = plain(rec.get("birth_year", ""))
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
    exempt_text = plain(rec.get("exempt", "")).lower()
    exempt = False
    if exempt_text in YES:
        exempt = True
    elif exempt_text not in NO:
        problems.append(
            Problem(number, h["exempt"], f"“{rec.get('exempt')}”无法识别：请填 是 或 否")
        )
    reason = check_length(problems, number, h["exempt_reason"], rec.get("exempt_reason", ""), 200)
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


def import_members(
    session: Session,
    path: str | Path,
    data: bytes | None = None,
    *,
    confirm: bool | str = False,
    progress: Callable[[int, int], None] | None = None,
) -> ImportResult:
    """Validate the whole roster file, then upsert it. Raises ImportFailed with every problem.

    Rows of the template's examples (姓名 starting with 示例) are skipped. A file that would
    rename an existing member or change their duties raises NeedsConfirmation listing those
    changes, before anything is written, unless ``confirm`` is True or the fingerprint of
    exactly those changes (from the NeedsConfirmation the caller showed).
    ``progress(done, total)`` is called after each row is checked (for a progress bar)."""
    problems: list[Problem] = []
    records = to_records(read_rows(path, data), MEMBER_COLUMNS, problems)
    records, samples = split_samples(records, "name")
    branches = Branches(session)
    parsed: list[_MemberRow] = []
    first_row: dict[str, int] = {}
    for done, (number, rec) in enumerate(records, 1):
        if progress is not None:
            progress(done, len(records))
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
    changes = identity_changes(session, parsed)
    if changes and confirm is not True and confirm != fingerprint(changes):
        raise NeedsConfirmation(changes, fingerprint(changes))
    result = _apply_members(session, parsed)
    result.samples_skipped = samples
    return result


def identity_changes(session: Session, rows: list[_MemberRow]) -> list[Change]:
    """Existing members (by phone) whom the rows would rename or give other duties."""
    existing: dict[str, Member] = {}
    for chunk in chunks([r.phone for r in rows]):
        for m in session.scalars(select(Member).where(Member.phone.in_(chunk))):
            existing[m.phone] = m
    changes: list[Change] = []
    for r in rows:
        found = existing.get(r.phone)
        if found is None:
            continue
        phone = privacy.mask_phone(r.phone)
        if found.name != r.name:
            changes.append(Change(r.row, phone, "姓名", found.name, r.name))
        if (found.duties or "") != r.duties:
            changes.append(Change(r.row, phone, "职务", found.duties or "", r.duties))
    return changes


def fingerprint(changes: list[Change]) -> str:
    """Names exactly this list of changes (a confirmation applies to what was shown)."""
    text = "\n".join(f"{c.row}|{c.phone}|{c.column}|{c.before}|{c.after}" for c in changes)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def _groups_of(session: Session) -> dict[tuple[int, str], Organisation]:
    rows = session.scalars(select(Organisation).where(Organisation.kind == OrgKind.GROUP.value))
    return {(g.parent_id or 0, g.name): g for g in rows}


def _apply_members(session: Session, rows: list[_MemberRow]) -> ImportResult:
    result = ImportResult()
    groups = _groups_of(session)
    existing: dict[str, Member] = {}
    for chunk in chunks([r.phone for r in rows]):
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
                label = roles.ROLE_LABELS[role]
                note = f"{member.name}任{label}（花名册导入）"
                org_events.record(
                    session, SYSTEM, org, "role_granted", note, role=role, member_id=member.id
                )
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
