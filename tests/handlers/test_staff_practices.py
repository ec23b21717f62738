"""联户走访与主题党日 and 承诺模板 in the console (/staff/practices…): the month's coverage per
member and branch (against direct SQL), a party day created and marked — 12 of 15 present and 1
on leave is 86% (12/14) —, the quarter's survey opened (pushed once) with per-member results,
and the pledge catalogue with the branch type's templates first."""

from __future__ import annotations

import re
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, text

from infra.clock import local_date
from models import Account, GroupRobot, HouseholdVisit, OutboundMessage, PartyDayAttendance
from services.practices import survey
from tests import factories as f
from tests.handlers.staff_login import staff_login


def _db(app: Flask):  # type: ignore[no-untyped-def]
    return app.extensions["db"].session()


def _branch(app: Flask) -> dict:
    """东村 (a 卫生院-type branch for the catalogue) with 15 members, the secretary among them,
    three linked households of which two were visited this month, and two residents."""
    with _db(app) as s:
        t = f.tree(s)
        branch = t["branch"]
        branch.org_type = "卫生院"
        members = [f.member(s, branch, f"党员{i:02d}") for i in range(15)]
        f.grant(s, "secretary", branch, member=members[0])
        secretary = f.account(s, member=members[0], name="党员00")
        houses = [f.household(s, branch, linked=[members[1]]) for _ in range(2)]
        houses.append(f.household(s, branch, linked=[members[2]]))
        today = local_date()
        for h in houses[:2]:
            s.add(HouseholdVisit(member_id=members[1].id, household_id=h.id, org_id=branch.id,
                                 visited_on=today, note="了解用水情况"))  # fmt: skip
        s.add(HouseholdVisit(member_id=members[2].id, household_id=houses[2].id,
                             org_id=branch.id, visited_on=today.replace(day=1) - timedelta(days=5),
                             note="上月走访"))  # fmt: skip
        residents = [f.account(s, household=h, name=f"住户{i}") for i, h in enumerate(houses)]
        s.add(GroupRobot(org_id=branch.id, name="东村党员群", webhook_env="ROBOT_EAST"))
        s.commit()
        return {
            "branch": branch.id,
            "secretary": secretary.id,
            "members": [m.id for m in members],
            "residents": [a.id for a in residents],
        }


def test_coverage_party_day_and_survey_from_the_console(app: Flask, client: FlaskClient) -> None:
    b = _branch(app)
    token = staff_login(app, client, b["secretary"])
    page = client.get("/staff/practices").get_data(as_text=True)
    start = local_date().replace(day=1)
    with _db(app) as s:  # the branch's coverage straight from the tables
        linked = s.scalar(text(
            "SELECT count(DISTINCT mh.household_id) FROM member_household mh "
            "JOIN member m ON m.id = mh.member_id WHERE m.org_id = :b AND m.active"
        ), {"b": b["branch"]})  # fmt: skip
        visited = s.scalar(text(
            "SELECT count(DISTINCT household_id) FROM household_visit "
            "WHERE org_id = :b AND visited_on >= :start"
        ), {"b": b["branch"], "start": start})  # fmt: skip
    assert (linked, visited) == (3, 2)
    row = re.search(r"东村党支部</a></td>\s*<td>(\d+)</td><td>(\d+)</td>\s*<td>(\d+)%</td>", page)
    assert row and row.groups() == (str(linked), str(visited), str(round(100 * visited / linked)))
    assert "<td>党员01</td><td>2</td><td>2</td><td>100%</td>" in page
    assert "<td>党员02</td><td>1</td><td>0</td><td>0%</td>" in page
    assert "本月还没有走访的党员：党员02" in page
    last = (start - timedelta(days=1)).strftime("%Y-%m")
    earlier = client.get("/staff/practices", query_string={"month": last}).get_data(as_text=True)
    assert "<td>党员02</td><td>1</td><td>1</td><td>100%</td>" in earlier
    assert "没有安排主题党日" in earlier and "安排主题党日</button>" not in earlier
    bad = client.get("/staff/practices", query_string={"month": "2026-13"})
    assert bad.status_code == 400 and "月份格式" in bad.get_data(as_text=True)

    resp = client.post("/staff/practices/party-days", data={
        "csrf_token": token, "org": b["branch"], "held_on": local_date().isoformat(),
        "topic": "践诺擂台：亮承诺、比践诺",
    })  # fmt: skip
    assert resp.status_code == 303
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    day_id = int(re.search(r"/staff/practices/party-days/(\d+)/attendance", page).group(1))
    marks = ["present"] * 12 + ["leave", "absent"]
    for member_id, status in zip(b["members"], marks, strict=False):
        resp = client.post(f"/staff/practices/party-days/{day_id}/attendance", data={
            "csrf_token": token, "member": member_id, "status": status,
            "note": "外出务工" if status == "leave" else "",
        })  # fmt: skip
        assert resp.status_code == 303
    page = client.get("/staff/practices").get_data(as_text=True)
    assert "到会 12 人，请假 1 人，缺席 2 人；到会率 86%（12/14）" in page
    with _db(app) as s:
        assert s.scalar(select(func.count()).select_from(PartyDayAttendance)) == 14
    bad = client.post(f"/staff/practices/party-days/{day_id}/attendance",
                      data={"csrf_token": token, "member": b["members"][14], "status": "迟到"})  # fmt: skip
    assert bad.status_code == 400 and "到会" in bad.get_data(as_text=True)
    again = client.post("/staff/practices/party-days", data={
        "csrf_token": token, "org": b["branch"], "held_on": local_date().isoformat(),
        "topic": "再来一次",
    })  # fmt: skip
    assert again.status_code == 409 and "已经安排过了" in again.get_data(as_text=True)

    for _ in range(2):  # opening twice pushes once
        resp = client.post(
            "/staff/practices/surveys", data={"csrf_token": token, "org": b["branch"]}
        )
        assert resp.status_code == 303
    with _db(app) as s:
        keys = list(s.scalars(select(OutboundMessage.idempotency_key)))
        assert len([k for k in keys if k.startswith("survey:")]) == 1 + len(b["residents"])
        opened = survey.for_quarter(s, b["branch"], f"{start.year}Q{(start.month - 1) // 3 + 1}")
        rubric = app.config["SETTINGS"].practices.survey_rubric
        for rid, rating in zip(b["residents"], ("满意", "满意", "不满意"), strict=True):
            resident = f.as_actor(s, s.get(Account, rid))
            survey.answer(s, resident, opened, {b["members"][1]: rating}, "", rubric)
        s.commit()
    page = client.get("/staff/practices").get_data(as_text=True)
    assert "收到 3 份评价" in page
    assert "<td>党员01</td><td>2</td><td>0</td><td>1</td><td>67</td>" in page


def test_the_catalogue_puts_the_branch_type_and_speciality_first(
    app: Flask, client: FlaskClient
) -> None:
    b = _branch(app)
    staff_login(app, client, b["secretary"])
    page = client.get("/staff/practices/templates", query_string={"type": "卫生院"})
    types = re.findall(r"<tr[^>]*><td>([^<]+)</td><td>", page.get_data(as_text=True))
    first_other = next(i for i, t in enumerate(types) if t != "卫生院")
    assert first_other > 5 and "卫生院" not in types[first_other:]
    assert "65岁以上老人" in page.get_data(as_text=True)
    assert f'<option value="{b["members"][3]}">党员03</option>' in page.get_data(as_text=True)
    with _db(app) as s:
        from models import Member

        m = s.get(Member, b["members"][3])
        m.speciality = "教育"
        s.commit()
    html = client.get(
        "/staff/practices/templates", query_string={"member": b["members"][3]}
    ).get_data(as_text=True)
    assert "为党员 党员03 推荐（支部类型：卫生院；特长：教育）" in html
    assert html.index("<td>卫生院</td>") < html.index("<td>学校</td>")
    bad = client.get("/staff/practices/templates", query_string={"type": "火星"})
    assert bad.status_code == 400 and "支部类型只能是" in bad.get_data(as_text=True)
