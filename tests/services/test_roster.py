"""Roster and household import: row-by-row validation, all-or-nothing, idempotent upsert."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from models import (
    Household,
    Member,
    MemberHousehold,
    Organisation,
    RoleGrant,
)
from services.org import roster
from services.org.roster import ImportFailed
from tests import factories as f

HEADERS = [
    "姓名",
    "手机号",
    "所属支部",
    "党小组",
    "职务",
    "特长",
    "性别",
    "出生年份",
    "免于承诺",
    "免诺原因",
]


@pytest.fixture
def branches(session):
    t = f.tree(session)
    t["branch"].code = "branch-1"
    west = f.org(session, "branch", "西村党支部", t["township"], code="branch-2")
    session.commit()
    return {**t, "west": west}


def roster_rows(n: int) -> list[list[str]]:
    rows = []
    for i in range(n):
        branch = "branch-1" if i % 2 else "西村党支部"
        group = f"第{i % 3 + 1}党小组"
        duty = "党小组长" if i < 6 else ""
        rows.append(
            [
                f"党员{i:04d}",
                f"1380000{i:04d}",
                branch,
                group,
                duty,
                "种植",
                "男" if i % 2 else "女",
                str(1950 + i % 50),
                "否",
                "",
            ]
        )
    return rows


def write_csv(
    path: Path, headers: list[str], rows: list[list[str]], encoding: str = "utf-8"
) -> Path:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(headers)
    w.writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def write_xlsx(path: Path, headers: list[str], rows: list[list[object]]) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.append(headers)
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def test_thousand_rows_with_three_bad_rows_import_nothing_then_fixed_then_idempotent(
    session, branches, tmp_path
):
    rows = roster_rows(1000)
    good = [list(r) for r in rows]
    rows[56][1] = "1380000abc"  # spreadsheet row 58
    rows[299][2] = "北村党支部"  # row 301
    rows[800][7] = "19xx"  # row 802
    bad = write_csv(tmp_path / "bad.csv", HEADERS, rows)
    with pytest.raises(ImportFailed) as err:
        roster.import_members(session, bad)
    session.rollback()
    problems = err.value.problems
    assert [(p.row, p.column) for p in problems] == [
        (58, "手机号"),
        (301, "所属支部"),
        (802, "出生年份"),
    ]
    assert "1 开头的 11 位数字" in problems[0].message
    assert "找不到支部“北村党支部”" in problems[1].message
    assert "四位年份" in problems[2].message
    assert session.scalar(select(func.count(Member.id))) == 0
    assert (
        session.scalar(select(func.count(Organisation.id)).where(Organisation.kind == "group")) == 2
    )

    fixed = write_csv(tmp_path / "fixed.csv", HEADERS, good)
    result = roster.import_members(session, fixed)
    session.commit()
    assert (result.created, result.updated, result.unchanged) == (1000, 0, 0)
    assert session.scalar(select(func.count(Member.id))) == 1000
    # 第1党小组 and 第2党小组 are new under 东村 (the tree has 第一/第二); all three under 西村.
    assert len(result.groups_created) == 6
    assert (
        session.scalar(select(func.count(RoleGrant.id)).where(RoleGrant.role == "group_leader"))
        == 6
    )

    def snapshot():
        return session.execute(
            select(
                Member.phone,
                Member.name,
                Member.org_id,
                Member.group_id,
                Member.public_code,
                Member.birth_year,
            ).order_by(Member.phone)
        ).all()

    before = snapshot()
    orgs_before = session.scalar(select(func.count(Organisation.id)))
    again = roster.import_members(session, fixed)
    session.commit()
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1000)
    assert snapshot() == before
    assert session.scalar(select(func.count(Organisation.id))) == orgs_before
    assert session.scalar(select(func.count(RoleGrant.id))) == 6


def test_xlsx_numbers_and_gbk_csv(session, branches, tmp_path):
    path = write_xlsx(
        tmp_path / "r.xlsx",
        HEADERS,
        [
            [
                "李德明",
                13907310001,
                "branch-1",
                "第一党小组",
                "党小组长",
                "种粮能手",
                "男",
                1968,
                "否",
                None,
            ],
            [
                "韩金发",
                13907310002.0,
                "东村党支部",
                None,
                None,
                None,
                "男",
                "1944年",
                "是",
                "年满80周岁",
            ],
        ],
    )
    result = roster.import_members(session, path)
    session.commit()
    assert result.created == 2
    han = session.scalar(select(Member).where(Member.phone == "13907310002"))
    assert (han.exempt, han.exempt_reason, han.birth_year) == (True, "年满80周岁", 1944)
    gbk = write_csv(
        tmp_path / "gbk.csv",
        HEADERS,
        [["王建国", "139 0731 0003", "branch-2", "", "支部书记", "", "", "", "", ""]],
        encoding="gbk",
    )
    assert roster.import_members(session, gbk).created == 1
    session.commit()
    wang = session.scalar(select(Member).where(Member.phone == "13907310003"))
    assert wang.name == "王建国"
    assert session.scalar(
        select(RoleGrant.id).where(
            RoleGrant.member_id == wang.id,
            RoleGrant.role == "secretary",
            RoleGrant.org_id == branches["west"].id,
        )
    )
    bom = tmp_path / "bom.csv"
    write_csv(
        bom,
        HEADERS,
        [["王建国", "13907310003", "branch-2", "", "支部书记", "水利", "", "", "", ""]],
        encoding="utf-8-sig",
    )
    res = roster.import_members(session, bom)
    assert (res.created, res.updated, res.unchanged) == (0, 1, 0)


def test_row_problems_name_row_and_column(session, branches, tmp_path):
    rows = [
        ["", "13900000001", "branch-1", "", "", "", "", "", "", ""],
        ["甲", "13900000002", "branch-1", "", "党小组长", "", "未知", "", "是", ""],
        ["乙", "13900000002", "branch-1", "", "", "", "", "", "", ""],
    ]
    with pytest.raises(ImportFailed) as err:
        roster.import_members(session, write_csv(tmp_path / "x.csv", HEADERS, rows))
    got = [(p.row, p.column) for p in err.value.problems]
    assert got == [(2, "姓名"), (3, "党小组"), (3, "性别"), (3, "免诺原因"), (4, "手机号")]
    assert "与第 3 行重复" in err.value.problems[-1].message
    assert str(err.value.problems[0]).startswith("第 2 行【姓名】")


def test_missing_required_column(session, branches, tmp_path):
    path = write_csv(tmp_path / "x.csv", ["姓名", "所属支部"], [["甲", "branch-1"]])
    with pytest.raises(ImportFailed) as err:
        roster.import_members(session, path)
    assert [(p.row, p.column) for p in err.value.problems] == [(1, "手机号")]


def test_households_with_links(session, branches, tmp_path):
    a = f.member(session, branches["branch"], "甲", phone="13900000011")
    b = f.member(session, branches["branch"], "乙", phone="13900000012")
    outsider = f.member(session, branches["west"], "丙", phone="13900000013")
    session.commit()
    headers = ["户编号", "地址", "户主", "联系电话", "人口数", "所属支部", "联系党员手机号"]
    rows = [
        [
            f"DC{i:03d}",
            f"东村{i}号",
            "王秀兰",
            "0731-8888888",
            "4",
            "branch-1",
            "13900000011、13900000012" if i % 2 else "13900000011",
        ]
        for i in range(1, 131)
    ]
    path = write_csv(tmp_path / "h.csv", headers, rows)
    result = roster.import_households(session, path)
    session.commit()
    assert result.created == 130
    assert session.scalar(select(func.count(MemberHousehold.id))) == 130 + 65
    again = roster.import_households(session, path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 130)
    # Dropping a member from a household's list unlinks them; other fields update.
    rows[0][6] = "13900000012"
    rows[1][4] = "5"
    res = roster.import_households(session, write_csv(tmp_path / "h2.csv", headers, rows))
    session.commit()
    assert (res.created, res.updated, res.unchanged) == (0, 2, 128)
    h1 = session.scalar(select(Household).where(Household.code == "DC001"))
    assert list(
        session.scalars(
            select(MemberHousehold.member_id).where(MemberHousehold.household_id == h1.id)
        )
    ) == [b.id]
    bad = [["DC900", "东村900号", "", "", "四", "branch-1", f"{outsider.phone},13911112222"]]
    with pytest.raises(ImportFailed) as err:
        roster.import_households(session, write_csv(tmp_path / "h3.csv", headers, bad))
    got = [(p.row, p.column) for p in err.value.problems]
    assert got == [(2, "人口数"), (2, "联系党员手机号"), (2, "联系党员手机号")]
    assert "不属于东村党支部" in err.value.problems[1].message
    assert "找不到手机号为 13911112222" in err.value.problems[2].message
    assert a.id  # still linked elsewhere


def test_template_round_trips(session, branches, tmp_path):
    for kind in ("members", "households"):
        data = roster.template(kind)
        wb = load_workbook(io.BytesIO(data))
        assert wb.sheetnames[1] == "填写说明"
        path = tmp_path / f"{kind}.xlsx"
        path.write_bytes(data)
        fn = roster.import_members if kind == "members" else roster.import_households
        result = fn(session, path)  # the example row is marked 示例 and skipped
        assert (result.total, result.samples_skipped) == (0, [2])
    session.rollback()


def test_unsupported_file(session, branches, tmp_path):
    path = tmp_path / "x.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(ImportFailed) as err:
        roster.import_members(session, path)
    assert ".xlsx" in err.value.problems[0].message
