"""文明存折 by its real entry points (issue 19): the officer awards through the API (over the
cap: a 409 with the Chinese reason), the resident reads 我的积分 with the bot, shows a code
from the mini-program, the officer scans it at the counter (API); a replayed scan is refused
and changes nothing; the village page's honour list masks names; `flask civic report` counts
the month's exchanges (text and .xlsx)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from openpyxl import load_workbook

from infra.clock import local_date
from services.actors import SYSTEM
from services.civic import exchange
from tests import factories
from tests.handlers.api.conftest import token_for

from .conftest import Wx

RESIDENT = "o-resident-zhang"


@pytest.fixture
def village(oa_app: Flask) -> dict[str, Any]:
    with oa_app.extensions["db"].session() as s:
        orgs = factories.tree(s)
        li = factories.member(s, orgs["branch"], "李书记")
        factories.grant(s, "secretary", orgs["branch"], member=li)
        officer = factories.account(s, member=li, oa_openid="o-secretary")
        house = factories.household(s, orgs["branch"], head_name="张建华", phone="13812345678")
        resident = factories.account(s, household=house, oa_openid=RESIDENT)
        counter = exchange.add_counter(s, SYSTEM, orgs["branch"], "便民服务中心", "村部一楼")
        good = exchange.add_good(s, SYSTEM, counter, "洗衣粉一袋", price=15, stock=3)
        stranger = factories.account(s, oa_openid="o-unbound")
        return {"officer": officer, "resident": resident, "stranger": stranger, "house": house.id, "good": good.id,
                "house_code": house.code,
                "code": orgs["branch"].code}  # fmt: skip


def test_award_read_exchange_replay_and_report(
    oa_app: Flask, wx: Wx, village: dict[str, Any], tmp_path: Path
) -> None:
    client = oa_app.test_client()
    officer = token_for(oa_app, village["officer"])
    resident = token_for(oa_app, village["resident"])

    for reason in ("暴雨夜组织邻居抢收稻谷", "帮助转移独居老人"):
        r = client.post("/api/v1/civic/awards", headers=officer,
                        json={"household_id": village["house"], "rule": "neighbour", "reason": reason})  # fmt: skip
        assert r.status_code == 201, r.get_json()
    r = client.post("/api/v1/civic/awards", headers=officer,  # by the 户编号 (typed or scanned)
                    json={"household_code": village["house_code"].lower(), "rule": "rescue",
                          "reason": "抢修水渠"})  # fmt: skip
    assert r.get_json()["balance"] == 20
    refused = client.post("/api/v1/civic/awards", headers=resident,
                          json={"household_id": village["house"], "rule": "rescue", "reason": "自己记"})  # fmt: skip
    assert refused.status_code == 403 and "抢险救灾" in refused.get_json()["error"]["message"]

    # in the field, with the bot (a resident may not)
    assert "记积分 户编号 规则 事由" in wx.say("o-secretary", "记积分")
    said = wx.say("o-secretary", f"记积分 {village['house_code']} 环境卫生 清理河沟垃圾")
    assert "记 2 分（清理河沟垃圾）" in said and "现有 22 分" in said
    assert "只能由" in wx.say(RESIDENT, f"记积分 {village['house_code']} 环境卫生 自己记")

    mine = wx.say(RESIDENT, "我的积分")
    assert "您家的文明存折：现有 22 分" in mine and "抢修水渠" in mine

    shown = client.post("/api/v1/civic/book/token", headers=resident).get_json()
    token = shown["token"]
    png = client.get(shown["qr_url"].removeprefix("http://jn.test"))
    assert png.status_code == 200 and png.mimetype == "image/png"
    counters = client.get("/api/v1/civic/catalogue", headers=officer).get_json()
    assert counters[0]["name"] == "便民服务中心" and counters[0]["days"] == "每天"
    assert counters[0]["goods"][0] == {"id": village["good"], "name": "洗衣粉一袋", "price": 15,
                                       "stock": 3}  # fmt: skip
    scan = {"token": token, "good_id": village["good"]}
    done = client.post("/api/v1/civic/redeem", headers=officer, json=scan)
    assert done.status_code == 201, done.get_json()
    assert (done.get_json()["balance"], done.get_json()["stock"]) == (7, 2)
    replay = client.post("/api/v1/civic/redeem", headers=officer, json=scan)
    assert replay.status_code == 409 and "已经用过" in replay.get_json()["error"]["message"]
    assert client.get(shown["qr_url"].removeprefix("http://jn.test")).status_code == 404
    book = client.get("/api/v1/civic/book", headers=resident).get_json()
    assert (
        book["bound"]
        and book["balance"] == 7
        and [e["points"] for e in book["entries"]] == [-15, 2, 10, 5, 5]
    )

    token = client.post("/api/v1/civic/book/token", headers=resident).get_json()["token"]
    poor = client.post("/api/v1/civic/redeem", headers=officer,
                       json={"token": token, "good_id": village["good"]})  # fmt: skip
    assert poor.status_code == 409 and "积分不够" in poor.get_json()["error"]["message"]

    # an unbound resident reads an empty book and lists; showing a code is refused in Chinese
    unbound = token_for(oa_app, village["stranger"])
    assert client.get("/api/v1/civic/book", headers=unbound).get_json() == {
        "bound": False, "balance": 0, "per": "household", "entries": []}  # fmt: skip
    assert client.get("/api/v1/civic/agenda", headers=unbound).get_json() == []
    assert client.get("/api/v1/civic/catalogue", headers=unbound).get_json() == []
    no_code = client.post("/api/v1/civic/book/token", headers=unbound)
    assert no_code.status_code == 409 and "连心卡" in no_code.get_json()["error"]["message"]

    html = client.get(f"/civic/o/{village['code']}").get_data(as_text=True)
    assert "张**" in html and "累计 22 分" in html and "张建华" not in html
    assert "洗衣粉一袋 —— 15 分（剩 2 件）" in html and "13812345678" not in html

    runner = oa_app.test_cli_runner()
    month = local_date().strftime("%Y-%m")
    out = runner.invoke(args=["civic", "report", "--month", month])
    assert out.exit_code == 0, out.output
    assert "便民服务中心 · 洗衣粉一袋：兑换 1 次，扣减 15 分，剩余库存 2" in out.output
    path = tmp_path / "exchange.xlsx"
    out = runner.invoke(args=["civic", "report", "--month", month, "--xlsx", str(path)])
    assert out.exit_code == 0, out.output
    rows = list(load_workbook(path).active.values)
    assert rows[0][:4] == ("村（社区）", "兑换点", "物品", "兑换次数")
    assert rows[1][2:] == ("洗衣粉一袋", 1, 15, 2)
    out = runner.invoke(args=["civic", "restock", "--good", str(village["good"]), "--added", "5"])
    assert out.exit_code == 0 and "现有库存 7" in out.output
    out = runner.invoke(args=["civic", "restock", "--good", str(village["good"]), "--added", "0"])
    assert out.exit_code != 0 and "补充数量" in out.output
    bad = runner.invoke(args=["civic", "report", "--month", "2026-13"])
    assert bad.exit_code != 0 and "月份格式" in bad.output
