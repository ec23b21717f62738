"""`flask cycle close --year 2026` with the clock in January 2027, through the documented
command, the public pages and the bot: the wall and the bot list show 2027 only, 2026 stays
under 往年 with the figures it had, a carried-over commitment is a draft, a second close
changes nothing, and a January log goes to 2027 (or is kept and explained)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from flask import Flask
from sqlalchemy import func, select

from models import Commitment, FulfilmentLog, Note, TimelineEntry, YearRecord
from services.org import bindcodes
from tests import factories

from .conftest import Wx

JAN5 = date(2027, 1, 5)


def _percents(html: str) -> list[str]:
    return re.findall(r'aria-valuenow="(\d+)"', html)


def _counts(app: Flask) -> tuple[int, ...]:
    with app.extensions["db"].session() as s:
        return tuple(
            s.scalar(select(func.count()).select_from(m))
            for m in (Commitment, YearRecord, TimelineEntry, FulfilmentLog)
        )


def test_closing_2026_in_january(oa_app: Flask, wx: Wx, monkeypatch: pytest.MonkeyPatch) -> None:
    db = oa_app.extensions["db"]
    with db.session() as s:
        orgs = factories.tree(s)
        member = factories.member(s, orgs["branch"], "王建国")
        old = factories.published(s, member, "每月给村东生产路树木浇水一次")
        for month in (2, 5, 9):
            s.add(
                FulfilmentLog(
                    commitment_id=old.id, member_id=member.id, quantity=1,
                    happened_on=date(2026, month, 3), channel="import",
                )
            )  # fmt: skip
        code = bindcodes.issue(s, member).code
        old_id, public_code, branch_code = old.id, member.public_code, orgs["branch"].code
    openid = "o-member-wang"
    assert "绑定成功" in wx.say(openid, f"绑定 {code}")

    # January 2027: the bot, the pages and the command all see the new year.
    monkeypatch.setattr("handlers.bot.inbound.now_utc", lambda: datetime(2027, 1, 5, 2, tzinfo=UTC))
    monkeypatch.setattr("handlers.pages._today", lambda: JAN5)
    monkeypatch.setattr("handlers.cli.cycle.local_date", lambda: JAN5)
    page = oa_app.test_client()
    wall_before = page.get(f"/o/{branch_code}/wall").get_data(as_text=True)
    card_before = page.get(f"/m/{public_code}").get_data(as_text=True)
    assert "每月给村东生产路树木浇水一次" in wall_before and "往年" not in wall_before
    figures_before = _percents(card_before)
    assert figures_before == ["25"]  # 3 of 12 months
    assert "1. 每月给村东生产路树木浇水一次" in wx.say(openid, "我的承诺")

    runner = oa_app.test_cli_runner()
    out = runner.invoke(args=["cycle", "close", "--year", "2026"])
    assert out.exit_code == 0, out.output
    assert "冻结承诺 1 条" in out.output and "转入 2027 年度的草稿 1 条" in out.output
    counts = _counts(oa_app)
    again = runner.invoke(args=["cycle", "close", "--year", "2026"])
    assert again.exit_code == 0 and "已经归档过，这次没有改动任何数据" in again.output
    assert _counts(oa_app) == counts

    # The current wall and card: 2026 is gone, a 往年 link leads to it.
    wall = page.get(f"/o/{branch_code}/wall").get_data(as_text=True)
    assert "每月给村东生产路树木浇水一次" not in wall
    assert f'href="/o/{branch_code}/wall?year=2026"' in wall
    card = page.get(f"/m/{public_code}").get_data(as_text=True)
    assert "每月给村东生产路树木浇水一次" not in card and f"/m/{public_code}?year=2026" in card
    # 往年: the same figures as before the close.
    past_wall = page.get(f"/o/{branch_code}/wall?year=2026").get_data(as_text=True)
    past_card = page.get(f"/m/{public_code}?year=2026").get_data(as_text=True)
    assert "每月给村东生产路树木浇水一次" in past_wall and "2026 年度" in past_wall
    assert _percents(past_card) == figures_before and "2026 年度的承诺" in past_card

    # The carried-over commitment waits for the member to submit it.
    with db.session() as s:
        draft = s.scalars(select(Commitment).where(Commitment.carried_from_id == old_id)).one()
        assert (draft.status, draft.cycle_year, draft.title) == (
            "draft",
            2027,
            "每月给村东生产路树木浇水一次",
        )

    # A January log with no 2027 commitment is kept and explained.
    assert "还没有已公开的承诺" in wx.say(openid, "我的承诺")
    reply = wx.say(openid, "践诺 1 浇水 2次")
    assert "2026 年度的承诺已经总结归档" in reply and "2027 年度" in reply
    with db.session() as s:
        assert (
            s.scalar(select(Note.reason).order_by(Note.id.desc()))
            == "2026 年度已归档，本年度还没有承诺"
        )
        new = factories.published(
            s, member, "每月为联系户老人测量血压一次",
            start_date=date(2027, 1, 1), end_date=date(2027, 12, 31),
        )  # fmt: skip
        new_id = new.id

    # With a 2027 commitment published, the bot's list and the log are 2027's.
    listing = wx.say(openid, "我的承诺")
    assert "1. 每月为联系户老人测量血压一次" in listing and "生产路" not in listing
    assert "已记录践诺：每月为联系户老人测量血压一次" in wx.say(openid, "践诺 1 量血压 1次")
    with db.session() as s:
        entry = s.scalars(select(FulfilmentLog).order_by(FulfilmentLog.id.desc())).first()
        assert entry is not None and (entry.commitment_id, entry.happened_on) == (new_id, JAN5)
    assert _percents(page.get(f"/m/{public_code}?year=2026").get_data(as_text=True)) == ["25"]
