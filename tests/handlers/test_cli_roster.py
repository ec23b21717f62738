"""`flask roster …` and `flask households …` through the real CLI."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from models import Account, BindCode, Member, Organisation
from tests import factories as f
from tests.services.test_roster import HEADERS, roster_rows, write_csv


def _branches(database):
    with database.session() as s:
        t = f.tree(s)
        t["branch"].code = "branch-1"
        f.org(s, "branch", "西村党支部", t["township"], code="branch-2")


def _count(database) -> int:
    with database.session() as s:
        return s.scalar(select(func.count(Member.id)))


def test_import_thousand_rows_three_bad_then_fixed_then_again(runner, database, tmp_path):
    _branches(database)
    rows = roster_rows(1000)
    good = [list(r) for r in rows]
    rows[9][1] = "12345"  # row 11
    rows[499][0] = ""  # row 501
    rows[999][8] = "也许"  # row 1001
    bad = write_csv(tmp_path / "bad.csv", HEADERS, rows)
    result = runner.invoke(args=["roster", "import", str(bad)])
    assert result.exit_code == 1
    assert "文件中有 3 处问题，未导入任何数据" in result.output
    lines = [line.strip() for line in result.output.splitlines() if line.strip().startswith("第 ")]
    assert [line.split("】")[0] for line in lines] == [
        "第 11 行【手机号",
        "第 501 行【姓名",
        "第 1001 行【免于承诺",
    ]
    assert _count(database) == 0

    fixed = write_csv(tmp_path / "fixed.csv", HEADERS, good)
    result = runner.invoke(args=["roster", "import", str(fixed)])
    assert result.exit_code == 0, result.output
    assert "新增 1000，更新 0，未变 0" in result.output
    assert _count(database) == 1000
    result = runner.invoke(args=["roster", "import", str(fixed)])
    assert result.exit_code == 0, result.output
    assert "新增 0，更新 0，未变 1000" in result.output
    assert "新建党小组" not in result.output


def test_templates_are_written(runner, tmp_path):
    out = tmp_path / "花名册.xlsx"
    result = runner.invoke(args=["roster", "template", "--out", str(out)])
    assert result.exit_code == 0, result.output
    wb = load_workbook(out)
    assert [c.value for c in wb.worksheets[0][1]][:3] == ["姓名*", "手机号*", "所属支部*"]
    hh = tmp_path / "户.xlsx"
    assert runner.invoke(args=["households", "template", "--out", str(hh)]).exit_code == 0
    assert load_workbook(hh).worksheets[0]["A1"].value == "户编号*"


def test_households_import_and_branches(runner, database, tmp_path):
    _branches(database)
    listing = runner.invoke(args=["roster", "branches"])
    assert "branch-1" in listing.output and "西村党支部" in listing.output
    path = write_csv(
        tmp_path / "h.csv", ["户编号", "地址", "所属支部"], [["DC001", "东村1号", "branch-1"]]
    )
    result = runner.invoke(args=["households", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "新增 1" in result.output


def test_bind_codes_table_and_qr_images(runner, database, tmp_path: Path):
    _branches(database)
    with database.session() as s:
        from models import Organisation

        branch = s.scalar(select(Organisation).where(Organisation.code == "branch-1"))
        f.member(s, branch, "张建国", phone="13900000021")
        bound = f.member(s, branch, "李秀英", phone="13900000022")
        f.account(s, member=bound)
    qr = tmp_path / "qr"
    result = runner.invoke(args=["roster", "bind-codes", "--org", "branch-1", "--qr-dir", str(qr)])
    assert result.exit_code == 0, result.output
    assert "张建国\t" in result.output and "李秀英" not in result.output
    with database.session() as s:
        code = s.scalar(select(BindCode.code))
        assert s.scalar(select(func.count(Account.id))) == 1
    assert f"张建国\t{code}" in result.output
    pngs = list(qr.glob("*.png"))
    assert len(pngs) == 1 and code in pngs[0].name
    import zxingcpp
    from PIL import Image

    decoded = zxingcpp.read_barcodes(Image.open(pngs[0]))
    assert [d.text for d in decoded] == [f"绑定 {code}"]
    missing = runner.invoke(args=["roster", "bind-codes", "--org", "nowhere"])
    assert missing.exit_code != 0
    assert "找不到组织" in missing.output


@pytest.mark.demo_township
def test_import_that_renames_lists_changes_and_needs_yes(runner, database, tmp_path):
    with database.session() as s:
        wang = s.scalar(select(Member).where(Member.name == "王建国"))
        wang_id, code = wang.id, s.get(Organisation, wang.org_id).code
    row = ["李德明", "139 0731 0001", code, "第一党小组", "党小组长", "", "", "", "否", ""]
    path = write_csv(tmp_path / "rename.csv", HEADERS, [row])

    res = runner.invoke(args=["roster", "import", str(path)])
    assert res.exit_code == 1
    assert "【姓名】“王建国” → “李德明”" in res.output
    assert "【职务】" in res.output and "--yes" in res.output
    with database.session() as s:
        assert s.get(Member, wang_id).name == "王建国"

    res = runner.invoke(args=["roster", "import", str(path), "--yes"])
    assert res.exit_code == 0, res.output
    assert "更新 1" in res.output
    with database.session() as s:
        assert s.get(Member, wang_id).name == "李德明"


@pytest.mark.demo_township
def test_unedited_template_is_skipped_with_a_note(runner, database, tmp_path):
    out = tmp_path / "t.xlsx"
    assert runner.invoke(args=["roster", "template", "--out", str(out)]).exit_code == 0
    res = runner.invoke(args=["roster", "import", str(out)])
    assert res.exit_code == 0, res.output
    assert "已跳过模板示例行（第 2 行" in res.output
    assert "新增 0，更新 0，未变 0" in res.output


def test_household_bind_codes_in_demo_mode_say_text_only(runner, database, tmp_path: Path):
    _branches(database)
    with database.session() as s:
        branch = s.scalar(select(Organisation).where(Organisation.code == "branch-1"))
        f.household(s, branch, code="DC-009", address="东村9号")
    qr = tmp_path / "qr"
    result = runner.invoke(
        args=["households", "bind-codes", "--org", "branch-1", "--qr-dir", str(qr)]
    )
    assert result.exit_code == 0, result.output
    with database.session() as s:
        code = s.scalar(select(f.Household.bind_code))
    assert f"DC-009\t东村9号\t{code}" in result.output
    assert "只编码了文字" in result.output
    assert "只编码了文字" in (qr / "README.txt").read_text(encoding="utf-8")
    import zxingcpp
    from PIL import Image

    png = next(qr.glob("DC-009-*.png"))
    assert [d.text for d in zxingcpp.read_barcodes(Image.open(png))] == [f"绑定 {code}"]
    reissued = runner.invoke(args=["households", "bind-codes", "--org", "branch-1", "--reissue"])
    with database.session() as s:
        assert s.scalar(select(f.Household.bind_code)) != code
    assert reissued.exit_code == 0
    empty = runner.invoke(args=["households", "bind-codes", "--org", "branch-2"])
    assert "还没有户信息" in empty.output
