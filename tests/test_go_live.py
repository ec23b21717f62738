"""Going live from an empty database, through the documented commands and pages only (issue 13,
Must show 1; README "上线：从空数据库开始"). No `flask demo load` anywhere.

`flask setup township` → the login link opened in the console → an organisation tree of 3
branches with 党小组 uploaded as .xlsx on /staff/orgs → a roster of 30 (`flask roster import`) →
households with 联户 links (`flask households import`) → members bind by code (`flask roster
bind-codes`, then `绑定 <code>` to the official account through `flask bot say`) → a commitment
drafted in the mini-program API, reviewed by the group leader and the secretary (API) and filed by
the township (console), public on the wall → a resident's `反映` reaches the branch.
"""

from __future__ import annotations

import io
import re

from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from openpyxl import Workbook
from sqlalchemy import func, select

from models import Account, Member, MemberHousehold, Organisation, OrgEvent, Request, RoleGrant
from services.org import auth

BRANCHES = [("东村党支部", "农村"), ("西村党支部", "农村"), ("镇直机关党支部", "机关")]
GROUPS = ["第一党小组", "第二党小组"]
SURNAMES = "王李张刘陈杨赵黄周吴"
COMMITMENT = {
    "title": "每月给村东生产路树木浇水一次",
    "description": "每月至少浇水一次",
    "beneficiary": "村东生产路",
}


def xlsx(headers: list[str], rows: list[list[str]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(headers)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def phone(n: int) -> str:
    return f"1390731{n:04d}"


def roster_rows() -> list[list[str]]:
    """10 members per branch: the first is 支部书记, the next two lead the two 党小组."""
    rows = []
    for b, (branch, _) in enumerate(BRANCHES):
        for i in range(10):
            n = b * 10 + i + 1
            duties = "支部书记" if i == 0 else ("党小组长" if i in (1, 2) else "")
            group = GROUPS[0] if i in (0, 1) or (i > 2 and i % 2) else GROUPS[1]
            rows.append([f"{SURNAMES[i]}{branch[:2]}{i + 1}", phone(n), branch, group, duties])
    return rows


def say(runner: FlaskCliRunner, openid: str, text: str) -> str:
    result = runner.invoke(args=["bot", "say", "--openid", openid, text])
    assert result.exit_code == 0, result.output
    return result.output


def csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, html[:500]
    return found.group(1)


def token(app: Flask, account_id: int) -> dict[str, str]:
    """The mini-program's token for a bound account (what `POST /api/v1/auth/login` returns after
    jscode2session; that login itself is covered in tests/handlers/api/test_auth.py)."""
    with app.extensions["db"].session() as s:
        issued = auth.issue_token(app.config["SECRET_KEY"], s.get_one(Account, account_id), 1)
    return {"Authorization": f"Bearer {issued.token}"}


def test_from_an_empty_database_to_a_public_commitment(
    app: Flask, client: FlaskClient, runner: FlaskCliRunner, tmp_path
) -> None:
    db = app.extensions["db"]
    with db.session() as s:
        assert s.scalar(select(func.count(Organisation.id))) == 0

    # the public home page of an empty database: a guide, never a command
    home = client.get("/").get_data(as_text=True)
    assert "平台正在筹备中" in home and "flask" not in home

    # 1. the township and its first administrator; a second run changes nothing
    out = runner.invoke(args=["setup", "township", "--name", "青山镇"])
    assert out.exit_code == 0, out.output
    assert "已创建乡镇“青山镇”" in out.output
    again = runner.invoke(args=["setup", "township", "--name", "青山镇"])
    assert "乡镇“青山镇”已存在，未做任何修改" in again.output
    link = re.search(r"(/staff/login\?t=\S+)", out.output)
    assert link
    assert client.get(link.group(1)).status_code == 303
    console = client.get("/staff/").get_data(as_text=True)
    assert "上线步骤" in console and "<b>组织架构</b>（下一步）" in console
    assert app.test_client().get(link.group(1)).status_code == 403  # one-time

    # 2. the organisation tree: 3 branches with two 党小组 each, uploaded on /staff/orgs
    page = client.get("/staff/orgs")
    assert page.status_code == 200
    tree = [[name, "党支部", "", kind, ""] for name, kind in BRANCHES] + [
        [g, "党小组", name, "", ""] for name, _ in BRANCHES for g in GROUPS
    ]
    upload = client.post(
        "/staff/orgs/import",
        data={
            "csrf_token": csrf(page.get_data(as_text=True)),
            "file": (
                io.BytesIO(xlsx(["组织名称", "组织形式", "上级组织", "支部类型"], tree)),
                "组织.xlsx",
            ),
        },
        content_type="multipart/form-data",
    )
    assert upload.status_code == 200, upload.get_data(as_text=True)[:2000]
    assert "导入完成（组织）：新增 9，更新 0，未变 0" in upload.get_data(as_text=True)
    listing = runner.invoke(args=["orgs", "list"]).output
    assert "党支部（机关）\t镇直机关党支部" in listing

    # 3. the roster of 30: branches and groups are the imported ones
    (tmp_path / "roster.xlsx").write_bytes(
        xlsx(["姓名", "手机号", "所属支部", "党小组", "职务"], roster_rows())
    )
    out = runner.invoke(args=["roster", "import", str(tmp_path / "roster.xlsx")])
    assert out.exit_code == 0, out.output
    assert "新增 30，更新 0，未变 0" in out.output and "新建党小组" not in out.output
    with db.session() as s:
        assert (
            s.scalar(select(func.count(RoleGrant.id)).where(RoleGrant.member_id.is_not(None))) == 9
        )
        notes = s.scalars(select(OrgEvent.note).where(OrgEvent.action == "role_granted")).all()
        assert sum(n.endswith("（花名册导入）") for n in notes) == 9  # who granted what

    # 4. households with their 联户 members (the 东村 members 4…9 serve one household each)
    east_members = [r for r in roster_rows() if r[2] == "东村党支部"]
    households = [
        [f"DC{i:03d}", f"东村{i}号", f"户主{i}", "", "3", "东村党支部", east_members[i + 2][1]]
        for i in range(1, 7)
    ]
    (tmp_path / "households.xlsx").write_bytes(
        xlsx(
            ["户编号", "地址", "户主", "联系电话", "人口数", "所属支部", "联系党员手机号"],
            households,
        )
    )
    out = runner.invoke(args=["households", "import", str(tmp_path / "households.xlsx")])
    assert out.exit_code == 0, out.output
    assert "新增 6" in out.output
    with db.session() as s:
        assert s.scalar(select(func.count(MemberHousehold.id))) == 6
        east = s.scalar(select(Organisation).where(Organisation.name == "东村党支部"))
        assert east is not None
        east_code, east_id = east.code, east.id

    # 5. the author (linked to DC001), the leader of 第一党小组 and the secretary bind by code
    author_row, leader_row, secretary_row = east_members[3], east_members[1], east_members[0]
    assert author_row[3] == leader_row[3] == GROUPS[0]
    out = runner.invoke(args=["roster", "bind-codes", "--org", east_code])
    assert out.exit_code == 0, out.output
    codes = dict(line.split("\t") for line in out.output.splitlines() if "\t" in line)
    accounts: dict[str, int] = {}
    for who, row in (("author", author_row), ("leader", leader_row), ("secretary", secretary_row)):
        reply = say(runner, f"oa-{who}", f"绑定 {codes[row[0]]}")
        assert "绑定成功" in reply and row[0] in reply
        with db.session() as s:
            account = s.scalar(select(Account).where(Account.oa_openid == f"oa-{who}"))
            assert account is not None and account.member_id is not None
            accounts[who] = account.id

    # 6. the commitment: drafted and submitted by the author, approved by the group leader and
    # the secretary (mini-program API), filed by the township in the console, then public
    author = token(app, accounts["author"])
    draft = client.post("/api/v1/commitments", json=COMMITMENT, headers=author)
    assert draft.status_code == 201, draft.get_json()
    cid = draft.get_json()["id"]
    submitted = client.post(f"/api/v1/commitments/{cid}/submit", headers=author)
    assert submitted.get_json()["status"] == "pending_group"
    for who, status in (("leader", "pending_branch"), ("secretary", "pending_township")):
        r = client.post(
            f"/api/v1/commitments/{cid}/review",
            json={"decision": "approve"},
            headers=token(app, accounts[who]),
        )
        assert r.get_json()["status"] == status, r.get_json()
    console = client.get("/staff/").get_data(as_text=True)
    assert COMMITMENT["title"] in console
    filed = client.post(
        f"/staff/commitments/{cid}/review",
        data={"csrf_token": csrf(console), "decision": "approve"},
    )
    assert filed.status_code == 303
    assert client.get(f"/api/v1/commitments/{cid}").get_json()["status"] == "published"
    wall = client.get(f"/o/{east_code}/wall").get_data(as_text=True)
    assert COMMITMENT["title"] in wall and author_row[0] in wall
    # every step done: the guides are gone
    assert "上线步骤" not in client.get("/staff/").get_data(as_text=True)
    assert "平台正在筹备中" not in client.get("/").get_data(as_text=True)

    # 7. a resident's 反映 reaches the branch (mini-program API, choosing the village)
    with db.session() as s:
        resident_id = auth.account_for_openid(s, "mp-resident").id
        s.commit()
    r = client.post(
        "/api/v1/requests",
        json={"kind": "problem", "text": "村东路灯坏了", "branch_id": east_id},
        headers=token(app, resident_id),
    )
    assert r.status_code == 201, r.get_json()
    with db.session() as s:
        req = s.scalar(select(Request).order_by(Request.id.desc()))
        assert req is not None and req.org_id == east_id and req.status == "assigned"

    # 8. a resident binds by 户码 (the 连心卡 code) and their 反映 goes to the 联户党员 (the author)
    with db.session() as s:
        author_id = s.scalar(select(Member.id).where(Member.phone == author_row[1]))
        linked = s.scalar(
            select(MemberHousehold.member_id).where(MemberHousehold.member_id == author_id)
        )
        assert linked is not None  # the households import linked DC001 to the author
    out = runner.invoke(args=["households", "bind-codes", "--org", east_code])
    assert out.exit_code == 0, out.output
    codes = dict(
        (cols[0], cols[2])
        for cols in (line.split("\t") for line in out.output.splitlines())
        if len(cols) == 3 and cols[0].startswith("DC")
    )
    assert "DC001" in codes
    assert "绑定" in say(runner, "oa-resident", f"绑定 {codes['DC001']}")
    reply = say(runner, "oa-resident", "反映 村口路灯坏了，晚上看不见")
    assert "已收到" in reply
    with db.session() as s:
        req = s.scalar(select(Request).order_by(Request.id.desc()))
        assert req is not None and req.text == "村口路灯坏了，晚上看不见"
        assert req.assignee_member_id == author_id and req.org_id == east_id


def test_pages_carry_the_name_of_the_township_set_up(app, runner) -> None:
    """The header shows the township `flask setup township` created, not the configured default."""
    assert runner.invoke(args=["setup", "township", "--name", "青山镇"]).exit_code == 0
    html = app.test_client().get("/").get_data(as_text=True)
    assert 'class="township">青山镇<' in html and "示范镇" not in html
