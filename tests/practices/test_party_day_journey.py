"""Must show 2: a party day with 12 of 15 signed in (mini-program, 签到 in the official account,
the day's QR scanned, marked by the secretary) and 1 on leave shows 到会率 86% (12/14) in the
monthly summary; a member's report, drafted from their month's logs, is edited, saved, survives
a restart of the application and prints."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask
from sqlalchemy import select

from app import create_app
from infra.clock import local_date
from models import GroupRobot, OutboundMessage
from scheduler import pushes
from tests import factories as f
from tests.fakes.wechat_api import FakeWechat
from tests.handlers.api.conftest import token_for
from tests.wechat.conftest import Wx, commitment_fields, oa_config


def _branch_of_fifteen(app: Flask) -> dict[str, object]:
    with app.extensions["db"].session() as s:
        t = f.tree(s)
        branch = t["branch"]
        secretary = f.member(s, branch, "赵书记")
        f.grant(s, "secretary", branch, member=secretary)
        members = [secretary] + [f.member(s, branch, f"党员{i:02d}") for i in range(1, 15)]
        accounts = [
            f.account(s, m, oa_openid=f"o-pd-{m.id}", mp_openid=f"mp-pd-{m.id}") for m in members
        ]
        f.published(s, members[1], "每月给村东生产路树木浇水一次", **commitment_fields())
        s.add(GroupRobot(org_id=branch.id, name="东村党员群", webhook_env="R_BRANCH"))
        s.flush()
        return {"branch": branch.id, "members": [m.id for m in members], "accounts": accounts}


def test_attendance_rate_in_the_summary_and_the_saved_report(
    oa_app: Flask, wx: Wx, db_url: str, tmp_path: Path, fake_wechat: FakeWechat
) -> None:
    w = _branch_of_fifteen(oa_app)
    accounts, members = w["accounts"], w["members"]
    api = oa_app.test_client()
    sec = token_for(oa_app, accounts[0])  # type: ignore[index]
    today = local_date()
    created = api.post(
        f"/api/v1/orgs/{w['branch']}/party-days",
        json={"held_on": today.isoformat(), "topic": "践诺擂台：晒承诺、比践诺"},
        headers=sec,
    )
    assert created.status_code == 201, created.get_json()
    day = created.get_json()
    qr_url = urlsplit(day["sign_in_qr_url"])  # the secretary shows the day's QR in the meeting
    qr_page = api.get(f"{qr_url.path}?{qr_url.query}")
    assert qr_page.status_code == 200 and "主题党日签到二维码" in qr_page.get_data(as_text=True)
    scenes = [
        c.json["action_info"]["scene"]["scene_str"]
        for c in fake_wechat.calls_to("/cgi-bin/qrcode/create")
    ]
    assert scenes == [f"partyday:{day['id']}"]  # scanning it signs in (the SCAN event below)
    again = api.post(
        f"/api/v1/orgs/{w['branch']}/party-days",
        json={"held_on": today.isoformat(), "topic": "再来一次"},
        headers=sec,
    )
    assert again.status_code == 409
    # a plain member cannot set the party day nor mark others
    plain = token_for(oa_app, accounts[1])  # type: ignore[index]
    assert (
        api.post(
            f"/api/v1/party-days/{day['id']}/attendance",
            json={"member_id": members[2], "status": "present"},  # type: ignore[index]
            headers=plain,
        ).status_code
        == 403
    )

    for acc in accounts[1:6]:  # type: ignore[index]
        r = api.post(f"/api/v1/party-days/{day['id']}/sign-in", headers=token_for(oa_app, acc))
        assert r.status_code == 200, r.get_json()
        assert r.get_json()["my_status"] == "present"
        assert r.get_json()["roll"] == []  # only the secretary sees the roll
    assert "签到成功" in wx.say(accounts[6].oa_openid, "签到")  # type: ignore[index]
    assert "签到成功" in wx.event(accounts[7].oa_openid, "SCAN", f"partyday:{day['id']}")  # type: ignore[index]
    for mid in members[8:13]:  # type: ignore[index]
        r = api.post(
            f"/api/v1/party-days/{day['id']}/attendance",
            json={"member_id": mid, "status": "present"},
            headers=sec,
        )
        assert r.status_code == 200
    leave = api.post(
        f"/api/v1/party-days/{day['id']}/attendance",
        json={"member_id": members[13], "status": "leave", "note": "外出务工"},  # type: ignore[index]
        headers=sec,
    ).get_json()
    assert leave["rate"] == {"expected": 15, "present": 12, "leave": 1, "absent": 2, "percent": 86}
    assert [r["status_label"] for r in leave["roll"]].count("未签到") == 2

    with oa_app.extensions["db"].session() as s:
        pushes.monthly_summary(s, today.strftime("%Y-%m"), "http://jn.test")
        content = "".join(
            json.loads(m.payload)["markdown"]["content"] for m in s.scalars(select(OutboundMessage))
        )
    assert "应到 15 人，到会 12 人，请假 1 人，到会率 86%" in content

    # the member's report: drafted from the month's logs, edited, saved
    author = token_for(oa_app, accounts[1])  # type: ignore[index]
    assert "已记录践诺" in wx.say(accounts[1].oa_openid, "践诺 1 浇水")  # type: ignore[index]
    draft = api.get(f"/api/v1/party-days/{day['id']}/report", headers=author).get_json()
    assert draft["saved"] is False and "主题党日 践诺情况汇报" in draft["text"]
    assert "给村东生产路树木浇水" in draft["text"]  # from the month's log
    edited = draft["text"].replace("（请本人补充）", "下月继续坚持浇水，并带动两户群众参与。")
    saved = api.put(f"/api/v1/party-days/{day['id']}/report", json={"text": edited}, headers=author)
    assert saved.status_code == 200 and saved.get_json()["saved"] is True
    print_path = urlsplit(saved.get_json()["print_url"])

    # a restart: a new application on the same database
    oa_app.extensions["db"].dispose()
    fresh = create_app(oa_config(db_url, tmp_path, fake_wechat.base_url))
    fresh.config["TESTING"] = True
    try:
        again_body = (
            fresh.test_client()
            .get(f"/api/v1/party-days/{day['id']}/report", headers=token_for(fresh, accounts[1]))  # type: ignore[index]
            .get_json()
        )
        assert again_body["saved"] is True and again_body["text"] == edited
        page = fresh.test_client().get(f"{print_path.path}?{print_path.query}")
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        assert "带动两户群众参与" in html and "window.print()" in html
        # the secretary prints every member's report, one per page (saved or drafted)
        sec_day = (
            fresh.test_client()
            .get(
                f"/api/v1/party-days/{day['id']}",
                headers=token_for(fresh, accounts[0]),  # type: ignore[index]
            )
            .get_json()
        )
        everyone = urlsplit(sec_day["reports_print_url"])
        sheet = fresh.test_client().get(f"{everyone.path}?{everyone.query}").get_data(as_text=True)
        assert sheet.count('<article class="report">') == 15 and "带动两户群众参与" in sheet
        assert "page-break-after: always" in sheet
        # the CLI's party-day report prints the saved text too
        printed = fresh.test_cli_runner().invoke(
            args=[
                "report",
                "party-day",
                "--member",
                str(members[1]),
                "--month",
                today.strftime("%Y-%m"),
            ]  # type: ignore[index]
        )
        assert printed.exit_code == 0 and "带动两户群众参与" in printed.output
        # a forged or missing token prints nothing
        assert fresh.test_client().get(print_path.path).status_code == 403
        # another member cannot read the report through the API
        other = fresh.test_client().get(
            f"/api/v1/party-days/{day['id']}/report?member_id={members[1]}",  # type: ignore[index]
            headers=token_for(fresh, accounts[2]),  # type: ignore[index]
        )
        assert other.status_code == 403
    finally:
        fresh.extensions["db"].dispose()


def test_sign_in_only_on_the_day_and_only_in_ones_branch(oa_app: Flask, wx: Wx) -> None:
    w = _branch_of_fifteen(oa_app)
    accounts = w["accounts"]
    api = oa_app.test_client()
    sec = token_for(oa_app, accounts[0])  # type: ignore[index]
    later = local_date().replace(day=28) if local_date().day < 28 else local_date().replace(day=1)
    day = api.post(
        f"/api/v1/orgs/{w['branch']}/party-days",
        json={"held_on": later.isoformat(), "topic": "学习党章"},
        headers=sec,
    ).get_json()
    r = api.post(f"/api/v1/party-days/{day['id']}/sign-in", headers=token_for(oa_app, accounts[1]))  # type: ignore[index]
    assert r.status_code == 400 and "当天" in r.get_json()["error"]["message"]
    assert "今天没有本支部的主题党日" in wx.say(accounts[2].oa_openid, "签到")  # type: ignore[index]
    with oa_app.extensions["db"].session() as s:
        outsider_branch = f.org(s, "branch", "西村党支部")
        outsider = f.member(s, outsider_branch, "外支部")
        out_acc = f.account(s, outsider, mp_openid="mp-out")
    r = api.post(f"/api/v1/party-days/{day['id']}/sign-in", headers=token_for(oa_app, out_acc))
    assert r.status_code == 403


def test_the_party_day_reminder_names_the_scheduled_day(oa_app: Flask) -> None:
    w = _branch_of_fifteen(oa_app)
    api = oa_app.test_client()
    today = local_date()
    api.post(
        f"/api/v1/orgs/{w['branch']}/party-days",
        json={"held_on": today.isoformat(), "topic": "学习党章"},
        headers=token_for(oa_app, w["accounts"][0]),  # type: ignore[index]
    )
    with oa_app.extensions["db"].session() as s:
        pushes.party_day_reminder(s, today.strftime("%Y-%m"), today, "http://jn.test")
        content = "".join(
            json.loads(m.payload)["markdown"]["content"] for m in s.scalars(select(OutboundMessage))
        )
    assert f"**本月主题党日**：{today.month}月{today.day}日，学习党章" in content
    assert content.index("本月主题党日") < content.index("[查看进度榜]")


def test_a_member_asks_for_leave_by_the_official_account(oa_app: Flask, wx: Wx) -> None:
    w = _branch_of_fifteen(oa_app)
    accounts = w["accounts"]
    openid = accounts[3].oa_openid  # type: ignore[index]
    assert "还没有安排主题党日" in wx.say(openid, "请假 外出务工")
    api = oa_app.test_client()
    today = local_date()
    day = api.post(
        f"/api/v1/orgs/{w['branch']}/party-days",
        json={"held_on": today.isoformat(), "topic": "学习党章"},
        headers=token_for(oa_app, accounts[0]),  # type: ignore[index]
    ).get_json()
    assert "请写明请假原因" in wx.say(openid, "请假")
    reply = wx.say(openid, "请假，外出务工三天")
    assert "已请假" in reply and "外出务工三天" in reply
    roll = api.get(
        f"/api/v1/party-days/{day['id']}", headers=token_for(oa_app, accounts[0])
    ).get_json()  # type: ignore[index]
    line = next(r for r in roll["roll"] if r["member_id"] == w["members"][3])  # type: ignore[index]
    assert (line["status"], line["via"], line["note"]) == ("leave", "self", "外出务工三天")
    assert roll["rate"]["leave"] == 1 and roll["rate"]["expected"] == 15
    assert "签到成功" in wx.say(accounts[4].oa_openid, "签到")  # type: ignore[index]
    assert "已经签到" in wx.say(accounts[4].oa_openid, "请假 临时有事")  # type: ignore[index]
