"""`flask report …` and `flask points …` on the demo township."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from models import Member, Organisation


@pytest.mark.demo_township
def test_report_and_points_commands(app, runner, tmp_path):
    with app.extensions["db"].session() as s:
        township = s.scalar(select(Organisation).where(Organisation.kind == "township"))
        branch = s.scalar(
            select(Organisation).where(Organisation.kind == "branch").order_by(Organisation.id)
        )
        member = s.scalar(select(Member).order_by(Member.id))
    out = tmp_path / "ye.xlsx"
    res = runner.invoke(
        args=["report", "year-end", "--org", str(township.id), "--year", "2026", "--out", str(out)]
    )
    assert res.exit_code == 0, res.output
    assert "汇总" in load_workbook(io.BytesIO(out.read_bytes())).sheetnames
    res = runner.invoke(
        args=[
            "report",
            "year-end",
            "--org",
            str(township.id),
            "--year",
            "2026",
            "--csv",
            "--out",
            str(tmp_path / "ye.csv"),
        ]
    )
    assert res.exit_code == 0 and "合计" in (tmp_path / "ye.csv").read_text(encoding="utf-8-sig")
    res = runner.invoke(args=["report", "year-end", "--org", "99999", "--year", "2026"])
    assert res.exit_code != 0 and "找不到编号为 99999 的组织" in res.output
    res = runner.invoke(
        args=["report", "party-day", "--member", str(member.id), "--month", "2026-03"]
    )
    assert res.exit_code == 0 and "2026年3月主题党日" in res.output
    res = runner.invoke(
        args=["report", "quarterly", "--org", str(branch.id), "--year", "2026", "--quarter", "1"]
    )
    assert res.exit_code == 0 and "第1季度" in res.output
    res = runner.invoke(
        args=["report", "half-year", "--org", str(township.id), "--year", "2026", "--half", "1"]
    )
    assert res.exit_code == 0 and "销号" in res.output
    res = runner.invoke(args=["report", "link", "--org", str(township.id), "--year", "2026"])
    assert res.exit_code == 0 and "/year-end.xlsx?year=2026&t=" in res.output
    res = runner.invoke(args=["points", "sync"])
    assert res.exit_code == 0 and "新增积分记录" in res.output
    again = runner.invoke(args=["points", "sync"])
    assert "新增积分记录 0 条" in again.output
    res = runner.invoke(args=["points", "ranking", "--org", str(township.id)])
    assert res.exit_code == 0 and "1." in res.output
    res = runner.invoke(args=["points", "stars", "--org", str(township.id), "--year", "2026"])
    assert res.exit_code == 0 and "闪亮之星" in res.output
