"""The roster template's example row touches nobody, and an import that would rename a member
or change their duties lists those changes and writes nothing until confirmed (issue 11
item 9). On the demo township, where 13907310001 is 王建国."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from models import Member, Organisation, RoleGrant
from services.org import phones, roster
from tests.services.test_roster import HEADERS, write_csv

pytestmark = pytest.mark.demo_township


def _wang(session) -> Member:
    return session.scalar(select(Member).where(Member.name == "王建国"))


def _state(session, member_id: int):
    session.expire_all()
    m = session.get(Member, member_id)
    grants = sorted(
        (g.role, g.org_id)
        for g in session.scalars(select(RoleGrant).where(RoleGrant.member_id == member_id))
    )
    return m.name, m.duties, m.group_id, grants


@pytest.mark.parametrize("kind", ["members", "households"])
def test_template_examples_are_marked_and_use_numbers_no_one_has(session, kind):
    ws = load_workbook(io.BytesIO(roster.template(kind))).worksheets[0]
    header = [str(c.value).rstrip("*") for c in ws[1]]
    example = dict(zip(header, [c.value for c in ws[2]], strict=True))
    assert str(example["姓名" if kind == "members" else "户编号"]).startswith("示例")
    numbers = [
        n
        for col in ("手机号", "联系电话", "联系党员手机号")
        for n in re.split(r"[、,]", str(example.get(col) or ""))
        if n
    ]
    assert numbers
    for n in numbers:
        assert n.startswith("100") and not phones.MOBILE_RE.match(n)
        assert session.scalar(select(Member.id).where(Member.phone == n)) is None


def test_unedited_template_changes_nobody(session, tmp_path):
    wang = _wang(session)
    before = _state(session, wang.id)
    path = tmp_path / "template.xlsx"
    path.write_bytes(roster.template("members"))
    result = roster.import_members(session, path)
    session.commit()
    assert (result.created, result.updated, result.unchanged) == (0, 0, 0)
    assert result.samples_skipped == [2]
    assert _state(session, wang.id) == before


def _rename_file(tmp_path, branch_code: str):
    row = ["李德明", "13907310001", branch_code, "第一党小组", "党小组长", "", "", "", "否", ""]
    return write_csv(tmp_path / "rename.csv", HEADERS, [row])


def test_rename_and_new_duties_need_confirmation(session, tmp_path):
    wang = _wang(session)
    branch_code = session.get(Organisation, wang.org_id).code
    before = _state(session, wang.id)
    path = _rename_file(tmp_path, branch_code)

    with pytest.raises(roster.NeedsConfirmation) as err:
        roster.import_members(session, path)
    session.rollback()
    changes = err.value.changes
    assert [(c.row, c.column, c.before, c.after) for c in changes] == [
        (2, "姓名", "王建国", "李德明"),
        (2, "职务", before[1] or "", "党小组长"),
    ]
    assert changes[0].phone == "139****0001"
    assert "1 名已有党员" in err.value.message
    assert _state(session, wang.id) == before  # nothing written

    with pytest.raises(roster.NeedsConfirmation):  # a confirmation of other changes
        roster.import_members(session, path, confirm="0" * 20)
    session.rollback()
    assert _state(session, wang.id) == before

    result = roster.import_members(session, path, confirm=err.value.fingerprint)
    session.commit()
    assert result.updated == 1
    assert _state(session, wang.id)[:2] == ("李德明", "党小组长")


def test_same_names_and_duties_need_no_confirmation(session, tmp_path):
    wang = _wang(session)
    code = session.get(Organisation, wang.org_id).code
    row = ["王建国", wang.phone, code, "", wang.duties or "", "退休电工", "", "", "否", ""]
    result = roster.import_members(session, write_csv(tmp_path / "same.csv", HEADERS, [row]))
    assert result.updated == 1  # the speciality changed; no confirmation asked
