"""`flask demo extras`: on top of `flask demo load`, the demo township shows 联户走访, 主题党日,
a 三评 survey, the 文明存折 honour list, 议事 votes and pledge templates by 支部类型 — read back
through the real pages and API; a second run changes nothing."""

from __future__ import annotations

import hashlib
import re

import pytest
from sqlalchemy import func, select

from models import (
    Account,
    AgendaItem,
    Base,
    CivicBook,
    Member,
    Organisation,
    OutboundMessage,
    RoleGrant,
)
from services.org import auth

CJK = "\u4e00-\u9fff"
PHONE = r"1[3-9]\d{9}"  # an unmasked mobile number


def _counts_and_digest(app) -> tuple[dict[str, int], str]:
    digest = hashlib.sha256()
    counts: dict[str, int] = {}
    with app.extensions["db"].session() as s:
        for table in Base.metadata.sorted_tables:
            rows = s.execute(select(table).order_by(*table.primary_key.columns)).all()
            counts[table.name] = len(rows)
            digest.update(repr(rows).encode())
    return counts, digest.hexdigest()


def _text(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", "", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _staff_login(app, client, account_id: int) -> None:
    res = app.test_cli_runner().invoke(args=["staff", "link", "--account", str(account_id)])
    assert res.exit_code == 0, res.output
    url = re.search(r"(/staff/login\?t=\S+)", res.output).group(1)
    assert client.get(url).status_code == 303


@pytest.mark.demo_township
def test_extras_twice_then_the_pages_show_them(app, client, runner):
    res = runner.invoke(args=["demo", "load"])
    assert res.exit_code == 0, res.output
    assert "演示乡镇已就绪" in res.output
    res = runner.invoke(args=["demo", "extras"])
    assert res.exit_code == 0, res.output
    assert "演示补充数据已就绪" in res.output and "走访记录" in res.output
    first_counts, first_digest = _counts_and_digest(app)
    res = runner.invoke(args=["demo", "extras"])
    assert res.exit_code == 0, res.output
    assert _counts_and_digest(app) == (first_counts, first_digest)
    res = runner.invoke(args=["demo", "extras", "--if-empty"])
    assert res.exit_code == 0 and "跳过" in res.output
    # What the extras hold; no notice about the demo's past is ever sent.
    for table in (
        "household_visit",
        "party_day",
        "party_day_attendance",
        "survey_response",
        "civic_entry",
        "civic_redemption",
        "agenda_item",
        "agenda_vote",
    ):
        assert first_counts[table] > 0, table
    assert first_counts["outbound_message"] == 0

    with app.extensions["db"].session() as s:
        branches = {
            o.code: (o.id, o.name, o.org_type)
            for o in s.scalars(select(Organisation).where(Organisation.kind == "branch"))
        }
        holders = set(s.scalars(select(CivicBook.holder_name)))
        residents = set(s.scalars(select(Account.name).where(Account.household_id.is_not(None))))
        decided, open_item = (
            s.scalar(select(AgendaItem.number).where(AgendaItem.source_msg_id == key))
            for key in ("demo-ys1", "demo-ys2")
        )
        admin_id = s.scalar(select(RoleGrant.account_id).where(RoleGrant.role == "township_admin"))
        members = {
            code: s.scalar(
                select(Account)
                .join(Member, Member.id == Account.member_id)
                .where(Member.org_id == branches[code][0])
                .order_by(Member.id)
            )
            for code in ("branch-1", "branch-3")
        }
        for account in members.values():
            s.expunge(account)
    assert {code: t for code, (_i, _n, t) in branches.items()} == {
        "branch-1": "农村",
        "branch-2": "农村",
        "branch-3": "社区",
    }

    # The branch's public board: this month's 走访覆盖率 is a real number.
    board = _text(client.get("/o/branch-1/board").get_data(as_text=True))
    found = re.search(r"本月联户走访覆盖率 (\d+)%（(\d+)/(\d+) 户）", board)
    assert found and int(found.group(1)) > 0 and int(found.group(2)) > 0, board[:500]

    # The township's console: every branch's coverage this month and last month's 到会率.
    _staff_login(app, client, admin_id)
    page = _text(client.get("/staff/practices").get_data(as_text=True))
    for _id, name, _t in branches.values():
        row = re.search(rf"{name} (\d+) (\d+) (\d+)% (\d+)", page)
        assert row and int(row.group(3)) > 0, (name, page[:800])
    last = _text(client.get("/staff/practices?month=" + _last_month()).get_data(as_text=True))
    assert re.search(r"到会 \d+ 人，请假 1 人，缺席 1 人；到会率 9\d%", last), last[:1500]
    assert "收到 4 份评价" in page

    # The civic honour list: names, masked as the services mask them.
    village = client.get("/civic/o/branch-1")
    assert village.status_code == 200
    html = village.get_data(as_text=True)
    names = re.findall(r'<span class="rank-name">([^<]+)</span>', html)
    assert len(names) >= 3
    assert all(re.fullmatch(rf"[{CJK}]\*+", n) for n in names), names
    for full in holders | residents:
        assert full not in html, full
    assert "洗衣粉一袋" in html and "剩 29 件" in html  # one exchanged at the counter
    assert not re.search(PHONE, html)

    # The agenda items: the households' votes, one decided into a branch commitment.
    item = _text(client.get(f"/civic/agenda/{decided}").get_data(as_text=True))
    assert not re.search(PHONE, item)
    assert "6 户表决：同意 4，反对 1，弃权 1" in item
    assert "转为支部承诺" in item and "加装太阳能路灯4盏" in item and "已完成 0/4 盏" in item
    assert "王秀兰" not in item and "王**" in item
    other = _text(client.get(f"/civic/agenda/{open_item}").get_data(as_text=True))
    assert "5 户表决：同意 4，反对 1，弃权 0" in other and "已列入议事会" in other

    # Pledge templates for a member come in their branch type's order.
    for code, kind in (("branch-1", "农村"), ("branch-3", "社区")):
        issued = auth.issue_token(app.config["SECRET_KEY"], members[code], 1)
        resp = client.get(
            "/api/v1/pledge-templates?per_page=100",
            headers={"Authorization": f"Bearer {issued.token}"},
        )
        assert resp.status_code == 200, resp.get_data(as_text=True)
        body = resp.get_json()
        assert body["org_type"] == kind
        types = [row["org_type"] for row in body["items"]]
        own = types.count(kind)
        assert own > 0 and types[:own] == [kind] * own, types


def _last_month() -> str:
    from infra.clock import local_date

    today = local_date()
    month = today.year * 12 + today.month - 2
    return f"{month // 12:04d}-{month % 12 + 1:02d}"


def test_extras_need_the_demo_township(app, runner):
    res = runner.invoke(args=["demo", "extras", "--if-empty"])
    assert res.exit_code == 0 and "没有演示乡镇" in res.output
    res = runner.invoke(args=["demo", "extras"])
    assert res.exit_code != 0 and "请先运行 flask demo load" in res.output
    with app.extensions["db"].session() as s:
        assert s.scalar(select(func.count(OutboundMessage.id))) == 0
        assert s.scalar(select(func.count(Organisation.id))) == 0
