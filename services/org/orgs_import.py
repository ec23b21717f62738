"""组织架构 import: branches (党支部 / 党总支, with their type) and 党小组 from .xlsx / .csv.

The same rule as the roster: every row is validated first and a file with any bad row imports
nothing (row, column, what to fix). A good file is applied as an upsert — an organisation is the
one with the row's 编码, else the open one of that name under the same parent — so importing the
same file again changes nothing. A row may name as 上级组织 a row above it in the same file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import BRANCH_FORMS, ORG_TYPES, Organisation, OrgKind
from services.actors import Actor
from services.org import orgs
from services.org.roster_files import (
    Column,
    ImportFailed,
    ImportResult,
    Problem,
    build_template,
    plain,
    read_rows,
    split_samples,
    to_records,
)

GROUP_FORM = "党小组"
FORMS = (*BRANCH_FORMS, GROUP_FORM)
ORG_COLUMNS: tuple[Column, ...] = (
    Column(
        "name",
        "组织名称",
        True,
        "示例东村党总支|示例东村第一党支部|示例第一党小组",
        "必填，全称，最多 100 个字；以“示例”开头的行不会导入",
    ),
    Column(
        "form",
        "组织形式",
        True,
        "党总支|党支部|党小组",
        "必填：" + "、".join(FORMS),
    ),
    Column(
        "parent",
        "上级组织",
        False,
        "|示例东村党总支|示例东村第一党支部",
        "党支部、党总支不填表示直属乡镇（也可填所属党总支）；党小组必填所属党支部。"
        "填编码或全称，可以是本表上面几行新建的组织",
    ),
    Column(
        "org_type",
        "支部类型",
        False,
        "农村|农村|",
        "党支部、党总支必填：" + "、".join(ORG_TYPES) + "；党小组不填",
    ),
    Column(
        "code",
        "编码",
        False,
        "||",
        "选填，字母、数字和 - _，如 branch-1；不填自动编号。填了编码的行按编码更新",
    ),
)
TITLE = "组织架构"


def template() -> bytes:
    return build_template(TITLE, ORG_COLUMNS, examples=3)


@dataclass
class _Row:
    row: int
    name: str
    form: str
    parent_key: str
    org_type: str
    code: str
    existing: Organisation | None = None  # the organisation this row updates


class _Known:
    """Organisations by code and by full name: the township's open ones, then the file's rows."""

    def __init__(self, session: Session, township: Organisation) -> None:
        self.township = township
        self.by_code: dict[str, Organisation | _Row] = {}
        self.by_name: dict[str, list[Organisation | _Row]] = {}
        self.orgs = list(
            session.scalars(
                select(Organisation).where(
                    Organisation.path.like(f"{township.path}%"), Organisation.closed_at.is_(None)
                )
            )
        )
        for org in self.orgs:
            self.add(org, org.code, org.name)

    def add_row(self, row: _Row, parent: Organisation | _Row) -> None:
        """A row of the file: it stands for the organisation it updates from now on."""
        parent_org = parent if isinstance(parent, Organisation) else parent.existing
        found = self.by_code.get(row.code.lower()) if row.code else None
        existing = found if isinstance(found, Organisation) else None
        if existing is None and parent_org is not None:
            existing = next(
                (
                    o
                    for o in self.orgs
                    if o.parent_id == parent_org.id
                    and o.name == row.name
                    and _form_of(o) == row.form
                ),
                None,
            )
        row.existing = existing
        if existing is not None:
            self.by_code.pop(existing.code.lower(), None)
            self.by_name[existing.name] = [
                i for i in self.by_name.get(existing.name, []) if i is not existing
            ]
        self.add(row, row.code, row.name)

    def add(self, item: Organisation | _Row, code: str, name: str) -> None:
        if code:
            self.by_code[code.lower()] = item
        self.by_name.setdefault(name, []).append(item)

    def find(self, text: str) -> tuple[Organisation | _Row | None, str]:
        found = self.by_code.get(plain(text).lower())
        if found is not None:
            return found, ""
        named = self.by_name.get(text, []) or self.by_name.get(plain(text), [])
        if len(named) == 1:
            return named[0], ""
        if len(named) > 1:
            return None, f"有 {len(named)} 个组织都叫“{text}”，请改填编码"
        return None, f"找不到上级组织“{text}”：请填已有组织或本表上面几行的编码或全称"


def _form_of(item: Organisation | _Row) -> str:
    if isinstance(item, _Row):
        return item.form
    if item.kind == OrgKind.TOWNSHIP.value:
        return "乡镇"
    return item.form if item.kind == OrgKind.BRANCH.value else GROUP_FORM


def import_orgs(
    session: Session, actor: Actor, township: Organisation, path: str | Path, data: bytes | None
) -> ImportResult:
    """Validate the whole file, then create or update its organisations (all or nothing)."""
    problems: list[Problem] = []
    records = to_records(read_rows(path, data), ORG_COLUMNS, problems)
    records, samples = split_samples(records, "name")
    h = {c.key: c.header for c in ORG_COLUMNS}
    known = _Known(session, township)
    rows: list[_Row] = []
    seen: dict[tuple[int, str], int] = {}
    for number, rec in records:
        before = len(problems)
        name = rec.get("name", "").strip()
        if not name:
            problems.append(Problem(number, h["name"], "必填：请填写组织全称"))
        elif len(name) > 100:
            problems.append(
                Problem(number, h["name"], f"内容太长（{len(name)} 个字），最多 100 个字")
            )
        form = plain(rec.get("form", ""))
        if form not in FORMS:
            fix = "必填" if not form else f"“{form}”无法识别"
            problems.append(Problem(number, h["form"], f"{fix}：请填 " + "、".join(FORMS)))
        org_type = plain(rec.get("org_type", ""))
        if form in BRANCH_FORMS and org_type not in ORG_TYPES:
            fix = "党支部、党总支必须填写支部类型" if not org_type else f"“{org_type}”无法识别"
            problems.append(Problem(number, h["org_type"], f"{fix}：请填 " + "、".join(ORG_TYPES)))
        if form == GROUP_FORM and org_type:
            problems.append(Problem(number, h["org_type"], "党小组不填支部类型，请删去"))
        code = plain(rec.get("code", ""))
        if code and not orgs.CODE_RE.match(code):
            problems.append(
                Problem(
                    number,
                    h["code"],
                    f"“{code}”不是有效编码：只能用字母、数字和 - _，最多 32 个字符",
                )
            )
        parent_key = rec.get("parent", "").strip()
        parent: Organisation | _Row | None = township
        if parent_key:
            parent, why = known.find(parent_key)
            if parent is None:
                problems.append(Problem(number, h["parent"], why))
        elif form == GROUP_FORM:
            problems.append(Problem(number, h["parent"], "党小组必须填写所属党支部"))
            parent = None
        if parent is not None and form in FORMS:
            pform = _form_of(parent)
            ok = (
                pform in ("党支部", "党总支") if form == GROUP_FORM else pform in ("乡镇", "党总支")
            )
            if not ok:
                want = "党支部" if form == GROUP_FORM else "乡镇或党总支"
                problems.append(
                    Problem(number, h["parent"], f"{form}的上级应为{want}，“{parent_key}”是{pform}")
                )
        if len(problems) > before or parent is None:
            continue
        key = (id(parent), name)
        if key in seen:
            problems.append(
                Problem(number, h["name"], f"与第 {seen[key]} 行重复：同一上级下的组织一行一个")
            )
            continue
        seen[key] = number
        row = _Row(number, name, form, parent_key, org_type, code)
        rows.append(row)
        known.add_row(row, parent)
    if problems:
        raise ImportFailed(sorted(problems, key=lambda p: p.row))
    result = _apply(session, actor, township, rows)
    result.samples_skipped = samples
    return result


def _apply(
    session: Session, actor: Actor, township: Organisation, rows: list[_Row]
) -> ImportResult:
    result = ImportResult()
    made: dict[str, Organisation] = {}  # codes and names of rows already applied

    def resolve(key: str) -> Organisation:
        if not key:
            return township
        if key.lower() in made:
            return made[key.lower()]
        if key in made:
            return made[key]
        found, _ = _Known(session, township).find(key)
        assert isinstance(found, Organisation)
        return found

    for r in rows:
        parent = resolve(r.parent_key)
        kind = OrgKind.GROUP.value if r.form == GROUP_FORM else OrgKind.BRANCH.value
        org = None
        if r.code:
            org = session.scalar(select(Organisation).where(Organisation.code == r.code))
        if org is None:
            org = session.scalar(
                select(Organisation).where(
                    Organisation.parent_id == parent.id,
                    Organisation.name == r.name,
                    Organisation.kind == kind,
                    Organisation.closed_at.is_(None),
                )
            )
        if org is None:
            org = orgs.add(
                session,
                actor,
                parent,
                r.name,
                kind=kind,
                form=r.form if kind == OrgKind.BRANCH.value else "",
                org_type=r.org_type,
                code=r.code,
            )
            result.created += 1
        else:
            changed = orgs.edit(
                session,
                actor,
                org,
                name=r.name,
                **(
                    {"form": r.form, "org_type": r.org_type} if kind == OrgKind.BRANCH.value else {}
                ),
            )
            if org.parent_id != parent.id:
                orgs.move(session, actor, org, parent)
                changed.append("parent")
            if changed:
                result.updated += 1
            else:
                result.unchanged += 1
        made[org.code.lower()] = org
        made[r.name] = org
    session.flush()
    return result
