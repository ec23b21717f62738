"""Must show 1: a member logs two visits by the official account (signed, encrypted callback)
and one in the mini-program (API, with a photo and a location); the monthly summary shows the
member's and the branch's 走访覆盖率, matched against direct SQL; the resident linked to a
household sees the visits to their home and nobody else's."""

from __future__ import annotations

import io
import json
from typing import Any

from flask import Flask
from sqlalchemy import select, text

from infra.clock import local_date
from models import GroupRobot, HouseholdVisit, OutboundMessage
from scheduler import pushes
from tests import factories as f
from tests.handlers.api.conftest import png_bytes, token_for
from tests.wechat.conftest import Wx

BASE = "http://jn.test"


def _world(app: Flask) -> dict[str, Any]:
    with app.extensions["db"].session() as s:
        t = f.tree(s)
        branch, township = t["branch"], t["township"]
        wang = f.member(s, branch, "王建国")
        li = f.member(s, branch, "李秀英")
        homes = [
            f.household(s, branch, [wang], code=f"DC{i:03d}", head_name=name)
            for i, name in enumerate(("张建华", "刘德明", "陈桂兰", "赵大山"), 1)
        ]
        lis = f.household(s, branch, [li], code="DC005", head_name="孙小红")
        acc = f.account(s, wang, oa_openid="o-wang", mp_openid="mp-wang")
        resident = f.account(s, household=homes[0], oa_openid="o-zhang", mp_openid="mp-zhang")
        neighbour = f.account(s, household=homes[1], mp_openid="mp-liu")
        s.add(GroupRobot(org_id=branch.id, name="东村党员群", webhook_env="R_BRANCH"))
        s.add(GroupRobot(org_id=township.id, name="镇党建群", webhook_env="R_TOWN"))
        s.flush()
        return {
            "branch": branch.id,
            "wang": wang.id,
            "homes": [h.id for h in homes],
            "li_home": lis.id,
            "account": acc,
            "resident": resident,
            "neighbour": neighbour,
        }


def _sql_coverage(app: Flask, member_id: int, branch_id: int) -> tuple[int, int, int, int]:
    today = local_date()
    start, end = today.replace(day=1), today
    with app.extensions["db"].engine.connect() as c:
        params = {"m": member_id, "b": branch_id, "s": start, "e": end}
        linked = c.execute(
            text("SELECT COUNT(*) FROM member_household WHERE member_id = :m"), params
        ).scalar_one()
        visited = c.execute(
            text(
                "SELECT COUNT(DISTINCT v.household_id) FROM household_visit v "
                "JOIN member_household mh ON mh.household_id = v.household_id "
                "AND mh.member_id = v.member_id "
                "WHERE v.member_id = :m AND v.visited_on BETWEEN :s AND :e"
            ),
            params,
        ).scalar_one()
        b_linked = c.execute(
            text(
                "SELECT COUNT(DISTINCT mh.household_id) FROM member_household mh "
                "JOIN member m ON m.id = mh.member_id WHERE m.org_id = :b AND m.active"
            ),
            params,
        ).scalar_one()
        b_visited = c.execute(
            text(
                "SELECT COUNT(DISTINCT v.household_id) FROM household_visit v "
                "WHERE v.visited_on BETWEEN :s AND :e AND v.household_id IN ("
                "SELECT mh.household_id FROM member_household mh "
                "JOIN member m ON m.id = mh.member_id WHERE m.org_id = :b AND m.active)"
            ),
            params,
        ).scalar_one()
    return linked, visited, b_linked, b_visited


def _summary_texts(app: Flask) -> dict[str, str]:
    with app.extensions["db"].session() as s:
        pushes.monthly_summary(s, local_date().strftime("%Y-%m"), BASE)
        rows = s.scalars(select(OutboundMessage).order_by(OutboundMessage.id)).all()
        out: dict[str, str] = {}
        for r in rows:
            content = json.loads(r.payload)["markdown"]["content"]
            robot = s.get_one(GroupRobot, r.robot_id)
            out[robot.webhook_env] = out.get(robot.webhook_env, "") + content
        return out


def test_visits_by_bot_and_mini_program_feed_the_monthly_coverage(oa_app: Flask, wx: Wx) -> None:
    w = _world(oa_app)
    reply = wx.say("o-wang", "走访 DC001 问了低保申请进度，屋内卫生整洁")
    assert "已记录走访：DC001" in reply and "本月已走访联系户 1/4 户" in reply
    reply = wx.say("o-wang", "走访 刘德明 调解了与邻居的宅基地纠纷")
    assert "已记录走访：DC002" in reply and "2/4" in reply
    # not a linked household: refused, nothing written
    assert "没有“孙小红”" in wx.say("o-wang", "走访 孙小红 看望")
    # a sentence that starts with the word is not the command: the bot's plain-word path has it
    assert "联系户" not in wx.say("o-wang", "走访了三户困难户")

    api = oa_app.test_client()
    headers = token_for(oa_app, w["account"])
    up = api.post(
        "/api/v1/uploads",
        data={"file": (io.BytesIO(png_bytes()), "visit.png")},
        headers=headers,
        content_type="multipart/form-data",
    )
    assert up.status_code == 201, up.get_json()
    resp = api.post(
        "/api/v1/visits",
        json={
            "household_id": w["homes"][2],
            "note": "帮陈桂兰老人申请了居家养老服务",
            "photo_id": up.get_json()["id"],
            "latitude": 28.1,
            "longitude": 112.9,
            "location_label": "东村3组",
        },
        headers=headers,
    )
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json()["photo_url"] and resp.get_json()["location_label"] == "东村3组"
    picker = api.get("/api/v1/me/households", headers=headers).get_json()
    assert [h["visited_this_month"] for h in picker["items"]] == [True, True, True, False]
    assert (picker["linked"], picker["visited"], picker["percent"]) == (4, 3, 75)
    # a household linked to someone else cannot be visited from the mini-program either
    other = api.post(
        "/api/v1/visits", json={"household_id": w["li_home"], "note": "看望"}, headers=headers
    )
    assert other.status_code == 403
    with oa_app.extensions["db"].session() as s:
        assert len(s.scalars(select(HouseholdVisit)).all()) == 3

    linked, visited, b_linked, b_visited = _sql_coverage(oa_app, w["wang"], w["branch"])
    assert (linked, visited, b_linked, b_visited) == (4, 3, 5, 3)
    texts = _summary_texts(oa_app)
    branch_text, town_text = texts["R_BRANCH"], texts["R_TOWN"]
    pct = round(100 * b_visited / b_linked)
    assert f"走访 {b_visited}/{b_linked} 户，覆盖率 {pct}%" in branch_text
    # the member's own coverage (bot and API agree with SQL)
    assert f"本月已走访联系户 {visited}/{linked} 户" in wx.say("o-wang", "走访记录")
    # who visited nobody is named in their own branch's group only
    assert "本月未走访联系户**：李秀英" in branch_text
    assert "李秀英" not in town_text
    assert f"走访覆盖率 {pct}%（{b_visited}/{b_linked} 户）" in town_text
    # the branch's public board shows the branch's coverage, never who visited nobody
    with oa_app.extensions["db"].session() as s:
        code = s.get_one(f.Organisation, w["branch"]).code
    board = oa_app.test_client().get(f"/o/{code}/board").get_data(as_text=True)
    assert f"本月联户走访覆盖率 {pct}%（{b_visited}/{b_linked} 户）" in board
    assert "未走访" not in board


def test_a_linked_resident_sees_the_visits_to_their_home_only(oa_app: Flask, wx: Wx) -> None:
    w = _world(oa_app)
    wx.say("o-wang", "走访 DC001 问了低保申请进度")
    wx.say("o-wang", "走访 DC002 调解了宅基地纠纷")
    api = oa_app.test_client()
    mine = api.get("/api/v1/visits", headers=token_for(oa_app, w["resident"])).get_json()
    assert [v["note"] for v in mine["items"]] == ["问了低保申请进度"]
    assert mine["items"][0]["member_name"] == "王建国"
    assert mine["items"][0]["head_name"] != "张建华"  # masked
    # another household's visits are refused, by id and by the bot
    other = api.get(
        f"/api/v1/visits?household_id={w['homes'][1]}", headers=token_for(oa_app, w["resident"])
    )
    assert other.status_code == 403
    reply = wx.say("o-zhang", "走访记录")
    assert "问了低保申请进度" in reply and "宅基地" not in reply
    # the neighbour sees their own home's visit, not the first one
    theirs = api.get("/api/v1/visits", headers=token_for(oa_app, w["neighbour"])).get_json()
    assert [v["note"] for v in theirs["items"]] == ["调解了宅基地纠纷"]
    # residents only read: they cannot log a visit
    refused = api.post(
        "/api/v1/visits",
        json={"household_id": w["homes"][0], "note": "自己记一条"},
        headers=token_for(oa_app, w["resident"]),
    )
    assert refused.status_code == 400
