"""The console's 议事, 文明存折, 联户走访与主题党日 and 承诺模板 pages in a real headless Chromium
at 1366×768 on the demo township: a secretary gathers a raised item for a meeting, sets up a
兑换点 and the month's party day from the forms; each page fits the screen and is saved to
tests/artifacts/."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from models import Account, AgendaItem, CivicCounter, Member, PartyDay, RoleGrant
from services.civic import agenda
from tests import factories as f
from tests.browser.test_console_browser import browser, console, page, shot  # noqa: F401

pytestmark = pytest.mark.browser


def _secretary(c: Any) -> tuple[int, int, int]:
    """A demo secretary's account, branch and member."""
    with c.db() as s:
        row = s.execute(
            select(Account.id, RoleGrant.org_id, Account.member_id)
            .join(RoleGrant, RoleGrant.member_id == Account.member_id)
            .where(RoleGrant.role == "secretary", Account.oa_openid.is_not(None))
            .order_by(RoleGrant.org_id)
        ).first()
        return int(row[0]), int(row[1]), int(row[2])


def test_a_secretary_runs_agenda_points_and_party_day_pages(console, page):  # noqa: F811
    account_id, branch_id, member_id = _secretary(console)
    with console.db() as s:
        member = s.get(Member, member_id)
        item = agenda.raise_item(s, f.as_actor(s, member), None, "村口太黑，建议加装路灯",
                                 channel="mp")  # fmt: skip
        s.commit()
        item_id, number = item.id, item.number
    page.goto(console.link(account_id))
    page.get_by_role("link", name="议事").click()
    assert number in page.inner_text("main")
    page.locator(f"input[name=items][value={number}]").check()
    page.fill("input[name=held_at]", "2026-12-05T19:30")
    page.fill("input[name=place]", "四邻议事亭")
    page.fill("input[name=attendees]", "联户党员、户主代表")
    page.get_by_role("button", name="召集议事会").click()
    assert f"已召集议事会：四邻议事亭，列入 {number}" in page.inner_text("main")
    shot(page, "civic-agenda")
    with console.db() as s:
        assert s.get(AgendaItem, item_id).status == "scheduled"

    page.get_by_role("link", name="文明存折").click()
    page.fill("input[placeholder^=兑换点]", "便民服务中心")
    page.fill("input[name=days]", "5,20")
    page.get_by_role("button", name="设立兑换点").click()
    assert "已设立兑换点 便民服务中心" in page.inner_text("main")
    shot(page, "civic-points")
    with console.db() as s:
        assert s.scalar(select(CivicCounter.days).where(CivicCounter.org_id == branch_id)) == "5,20"

    page.get_by_role("link", name="走访与党日").click()
    assert "联户走访覆盖率" in page.inner_text("main")
    with console.db() as s:
        planned = s.scalar(select(PartyDay.id).where(PartyDay.org_id == branch_id))
    if planned is None:  # the demo may already hold this month's party day
        page.fill("input[name=topic]", "践诺擂台：亮承诺、比践诺")
        page.get_by_role("button", name="安排主题党日").click()
        assert "已安排主题党日" in page.inner_text("main")
    assert "到会" in page.inner_text("main")
    shot(page, "practices")

    page.get_by_role("link", name="承诺模板").click()
    page.select_option("select[name=type]", "卫生院")
    page.get_by_role("button", name="筛选").click()
    assert page.locator("table.templates tbody tr td").first.inner_text() == "卫生院"
    shot(page, "practices-templates")
    assert "flask " not in page.inner_text("body")
