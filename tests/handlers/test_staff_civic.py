"""议事 and 文明存折 in the console (/staff/civic/…): a secretary gathers a raised item for a
meeting, records notes and a show of hands and decides it into a branch commitment shown on the
item's public page; bad input changes nothing; counters, goods, restock, awards under the
monthly cap, the honour list (masked) and the month's exchange report as .xlsx."""

from __future__ import annotations

from io import BytesIO

from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import func, select

from models import (
    AgendaEvent,
    AgendaItem,
    AgendaMeeting,
    CivicCounter,
    CivicEntry,
    CivicGood,
    Commitment,
    OutboundMessage,
    StaffAudit,
)
from services.civic import agenda, exchange
from tests import factories as f
from tests.handlers.staff_login import staff_login


def _db(app: Flask):  # type: ignore[no-untyped-def]
    return app.extensions["db"].session()


def _village(app: Flask) -> dict[str, int]:
    """东村 with its secretary (an account), a resident's household, and 西村 next door."""
    with _db(app) as s:
        t = f.tree(s)
        west = f.org(s, "branch", "西村党支部", t["township"])
        li = f.member(s, t["branch"], "李书记")
        f.grant(s, "secretary", t["branch"], member=li)
        secretary = f.account(s, member=li, name="李书记")
        house = f.household(s, t["branch"], code="DC001", head_name="王小二")
        resident = f.account(s, household=house, name="王小二")
        s.commit()
        return {
            "branch": t["branch"].id,
            "west": west.id,
            "secretary": secretary.id,
            "resident": resident.id,
        }


def _raise(app: Flask, resident_id: int, text: str) -> tuple[int, str]:
    from models import Account

    with _db(app) as s:
        account = s.get(Account, resident_id)
        item = agenda.raise_item(s, f.as_actor(s, account), account, text, channel="mp")
        s.commit()
        return item.id, item.number


def _audits(app: Flask) -> int:
    with _db(app) as s:
        return int(s.scalar(select(func.count()).select_from(StaffAudit)) or 0)


def test_an_item_goes_to_a_meeting_and_is_decided_into_a_commitment_from_the_console(
    app: Flask, client: FlaskClient
) -> None:
    v = _village(app)
    token = staff_login(app, client, v["secretary"])
    item_id, number = _raise(app, v["resident"], "村口太黑，建议加装路灯")
    page = client.get("/staff/civic/agenda").get_data(as_text=True)
    assert number in page and "村口太黑" in page and "已提出" in page
    assert "/staff/civic/agenda" in page  # 议事 is in the secretary's menu
    audits = _audits(app)

    resp = client.post("/staff/civic/agenda/meetings", data={
        "csrf_token": token, "org": v["branch"], "items": [number],
        "held_at": "2026-12-05T19:30", "place": "四邻议事亭", "attendees": "联户党员、户主代表",
    })  # fmt: skip
    assert resp.status_code == 303
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert f"已召集议事会：四邻议事亭，列入 {number}" in page and "已列入议事会" in page
    with _db(app) as s:
        meeting_id = s.scalar(select(AgendaMeeting.id).where(AgendaMeeting.org_id == v["branch"]))
        assert meeting_id is not None
    assert client.post(f"/staff/civic/agenda/meetings/{meeting_id}/notes", data={
        "csrf_token": token, "notes": "大家同意在村口和小学门口各加两盏",
    }).status_code == 303  # fmt: skip
    resp = client.post(f"/staff/civic/agenda/{item_id}/hands",
                       data={"csrf_token": token, "hands_for": "23", "hands_against": "2"})  # fmt: skip
    assert resp.status_code == 303
    page = client.get("/staff/civic/agenda").get_data(as_text=True)
    assert "举手：同意 23，反对 2" in page and "大家同意在村口" in page

    resp = client.post(f"/staff/civic/agenda/{item_id}/decide", data={
        "csrf_token": token, "decision": "同意加装路灯 4 盏", "outcome": "commitment",
        "commitment_title": "年底前在村口加装路灯4盏", "target_quantity": "4", "unit": "盏",
        "end_date": "2026-12-31",
    })  # fmt: skip
    assert resp.status_code == 303, resp.get_data(as_text=True)[:500]
    assert "已议决" in client.get(resp.headers["Location"]).get_data(as_text=True)
    with _db(app) as s:
        item = s.get(AgendaItem, item_id)
        assert item is not None and item.status == "decided" and item.commitment_id
        c = s.get(Commitment, item.commitment_id)
        assert c is not None and c.org_id == v["branch"] and "源自议事" in c.description
        actions = list(s.scalars(select(AgendaEvent.action).where(AgendaEvent.item_id == item_id)))
        assert actions == ["raised", "scheduled", "hands", "decided"]
        keys = set(s.scalars(select(OutboundMessage.idempotency_key)))
        # the raiser heard of the meeting and of the decision (through the outbox)
        assert {f"agenda:{item_id}:scheduled", f"agenda:{item_id}:decided"} <= {
            k.split("|")[0] for k in keys
        }, keys

    assert _audits(app) - audits == 4  # one audit row per console POST
    public = client.get(f"/civic/agenda/{number}").get_data(as_text=True)
    assert "同意加装路灯 4 盏" in public and "四邻议事亭" in public


def test_bad_or_foreign_input_on_the_agenda_page_changes_nothing(
    app: Flask, client: FlaskClient
) -> None:
    v = _village(app)
    token = staff_login(app, client, v["secretary"])
    item_id, number = _raise(app, v["resident"], "建议修缮村史馆")
    resp = client.post("/staff/civic/agenda/meetings", data={
        "csrf_token": token, "org": v["branch"], "items": [number],
        "held_at": "2026-12-05T19:30", "place": "",
    })  # fmt: skip
    assert resp.status_code == 400 and "议事地点" in resp.get_data(as_text=True)
    resp = client.post("/staff/civic/agenda/meetings", data={
        "csrf_token": token, "org": v["branch"], "items": [number], "held_at": "下周五",
        "place": "屋场会",
    })  # fmt: skip
    assert resp.status_code == 400 and "议事时间" in resp.get_data(as_text=True)
    resp = client.post(f"/staff/civic/agenda/{item_id}/decide", data={
        "csrf_token": token, "decision": "同意", "outcome": "rule",
    })  # fmt: skip
    assert resp.status_code == 409 and "请先列入议事会" in resp.get_data(as_text=True)
    resp = client.post(f"/staff/civic/agenda/{item_id}/hands",
                       data={"csrf_token": token, "hands_for": "多数", "hands_against": "0"})  # fmt: skip
    assert resp.status_code == 400 and "同意人数" in resp.get_data(as_text=True)
    assert client.get("/staff/civic/agenda", query_string={"org": v["west"]}).status_code == 403
    with _db(app) as s:
        item = s.get(AgendaItem, item_id)
        assert item is not None and item.status == "raised" and item.meeting_id is None
        assert s.scalar(select(func.count()).select_from(AgendaMeeting)) == 0


def test_counters_goods_awards_and_the_exchange_report_from_the_console(
    app: Flask, client: FlaskClient
) -> None:
    v = _village(app)
    token = staff_login(app, client, v["secretary"])
    resp = client.post("/staff/civic/points/counters", data={
        "csrf_token": token, "org": v["branch"], "name": "便民服务中心", "days": "",
    })  # fmt: skip
    assert resp.status_code == 303
    with _db(app) as s:
        counter_id = s.scalar(select(CivicCounter.id).where(CivicCounter.org_id == v["branch"]))
    resp = client.post(f"/staff/civic/points/counters/{counter_id}/goods", data={
        "csrf_token": token, "name": "洗衣粉一袋", "price": "20", "stock": "2",
    })  # fmt: skip
    assert resp.status_code == 303
    with _db(app) as s:
        good_id = s.scalar(select(CivicGood.id).where(CivicGood.counter_id == counter_id))
    resp = client.post(f"/staff/civic/points/goods/{good_id}/restock",
                       data={"csrf_token": token, "org": v["branch"], "added": "3"})  # fmt: skip
    assert "现有库存 5" in client.get(resp.headers["Location"]).get_data(as_text=True)
    bad = client.post(f"/staff/civic/points/counters/{counter_id}/goods", data={
        "csrf_token": token, "name": "香皂", "price": "0", "stock": "2",
    })  # fmt: skip
    assert bad.status_code == 400 and "兑换所需积分" in bad.get_data(as_text=True)

    award = {"csrf_token": token, "org": v["branch"], "household_code": "DC001",
             "rule": "rescue", "reason": "暴雨夜组织邻里抢收稻谷"}  # fmt: skip
    for _ in range(5):  # 抢险救灾: 10 points, 50 a month per awarder
        assert client.post("/staff/civic/points/awards", data=award).status_code == 303
    over = client.post("/staff/civic/points/awards", data=award)
    assert over.status_code in (403, 409) and "每月" in over.get_data(as_text=True)
    with _db(app) as s:
        points = s.scalar(select(func.sum(CivicEntry.points)).where(CivicEntry.kind == "award"))
        assert points == 50

    from models import Account

    with _db(app) as s:  # the resident exchanges at the counter
        scan = exchange.issue_token(s, app.config["SETTINGS"].civic, s.get(Account, v["resident"]))
        secretary = s.get(Account, v["secretary"])
        exchange.redeem(s, f.as_actor(s, secretary), scan.token, good_id)
        s.commit()
    page = client.get("/staff/civic/points").get_data(as_text=True)
    assert "王** · 50 分" in page and "王小二" not in page  # the honour list is masked
    awards = page.split("记分记录")[1].split("积分光荣榜")[0]
    assert awards.count("<td>王**</td><td>抢险救灾</td><td>+10</td><td>暴雨夜组织邻里抢收稻谷") == 5
    assert "洗衣粉一袋</td><td>1</td><td>20</td><td>4" in page
    sheet = client.get("/staff/civic/points/report.xlsx", query_string={"org": v["branch"]})
    assert sheet.status_code == 200
    rows = list(load_workbook(BytesIO(sheet.data)).active.iter_rows(values_only=True))
    assert rows[0][0] == "村（社区）" and rows[1][1:] == ("便民服务中心", "洗衣粉一袋", 1, 20, 4)
