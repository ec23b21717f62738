"""组织架构 in the console (/staff/orgs) and `flask setup` / `flask orgs` through the real CLI."""

from __future__ import annotations

import io
import re

from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from openpyxl import load_workbook
from sqlalchemy import select

from models import Account, Member, Organisation, OrgEvent, RoleGrant
from tests import factories as f
from tests.services.test_orgs import xlsx


def _setup(runner: FlaskCliRunner, client: FlaskClient) -> None:
    out = runner.invoke(args=["setup", "township", "--name", "青山镇"])
    assert out.exit_code == 0, out.output
    link = re.search(r"(/staff/login\?t=\S+)", out.output)
    assert link and client.get(link.group(1)).status_code == 303


def _csrf(client: FlaskClient) -> str:
    html = client.get("/staff/orgs").get_data(as_text=True)
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found
    return found.group(1)


def _org(app: Flask, name: str) -> Organisation:
    with app.extensions["db"].session() as s:
        org = s.scalar(select(Organisation).where(Organisation.name == name))
        assert org is not None
        s.expunge(org)
        return org


def _add(client: FlaskClient, token: str, parent: int, name: str, form: str, org_type: str = ""):
    return client.post(
        "/staff/orgs/add",
        data={
            "csrf_token": token,
            "parent": parent,
            "name": name,
            "form": form,
            "org_type": org_type,
        },
    )


def test_console_add_rename_move_close_and_roles(app, client, runner):
    _setup(runner, client)
    token = _csrf(client)
    township = _org(app, "青山镇")
    assert _add(client, token, township.id, "东村党支部", "党支部", "农村").status_code == 303
    assert _add(client, token, township.id, "西村党支部", "党支部", "社区").status_code == 303
    east = _org(app, "东村党支部")
    west = _org(app, "西村党支部")
    assert _add(client, token, east.id, "第一党小组", "党小组").status_code == 303
    refused = _add(client, token, township.id, "南村党支部", "党支部", "")
    assert refused.status_code == 400 and "支部类型请选择" in refused.get_data(as_text=True)
    group = _org(app, "第一党小组")

    r = client.post(
        f"/staff/orgs/{west.id}/edit",
        data={"csrf_token": token, "name": "西村社区党支部", "form": "党总支", "org_type": "农村"},
    )
    assert r.status_code == 303
    r = client.post(f"/staff/orgs/{group.id}/move", data={"csrf_token": token, "parent": west.id})
    assert r.status_code == 303
    assert _org(app, "第一党小组").path == f"{township.path}{west.id}/{group.id}/"

    with app.extensions["db"].session() as s:
        f.member(s, s.get_one(Organisation, west.id), "李明", phone="13907319001")
        s.commit()
    r = client.post(
        "/staff/roles/grant",
        data={
            "csrf_token": token,
            "phone": "139 0731 9001",
            "role": "deputy_secretary",
            "org": west.id,
        },
    )
    assert r.status_code == 303
    page = client.get("/staff/orgs").get_data(as_text=True)
    assert "副书记" in page and "李明任副书记" in page and "街镇管理员（初始）" in page
    with app.extensions["db"].session() as s:
        grant = s.scalar(select(RoleGrant).where(RoleGrant.role == "deputy_secretary"))
        assert grant is not None
        grant_id = grant.id
    r = client.post(f"/staff/roles/{grant_id}/revoke", data={"csrf_token": token, "reason": "调动"})
    assert r.status_code == 303
    assert "李明不再任副书记：调动" in client.get("/staff/orgs").get_data(as_text=True)

    # a branch with members is not closed; an empty one is, and stays listed
    r = client.post(f"/staff/orgs/{west.id}/close", data={"csrf_token": token})
    assert r.status_code == 409 and "还有 1 名党员" in r.get_data(as_text=True)
    assert (
        client.post(f"/staff/orgs/{group.id}/close", data={"csrf_token": token}).status_code == 303
    )
    assert "第一党小组（已撤销）" in client.get("/staff/orgs").get_data(as_text=True)
    with app.extensions["db"].session() as s:
        actions = [e.action for e in s.scalars(select(OrgEvent).order_by(OrgEvent.id))]
    assert actions.count("created") == 4  # township, two branches, one group
    for action in ("renamed", "retyped", "moved", "role_granted", "role_revoked", "closed"):
        assert action in actions


def test_console_import_reports_every_problem_and_writes_nothing(app, client, runner):
    _setup(runner, client)
    token = _csrf(client)
    bad = xlsx([["东村党支部", "党支部", "", "农业", ""], ["第一党小组", "党小组", "", "", ""]])
    r = client.post(
        "/staff/orgs/import",
        data={"csrf_token": token, "file": (io.BytesIO(bad), "组织.xlsx")},
        content_type="multipart/form-data",
    )
    html = r.get_data(as_text=True)
    assert r.status_code == 400 and "文件中有 2 处问题，未导入任何数据" in html
    assert "<td>2</td><td>支部类型</td>" in html and "<td>3</td><td>上级组织</td>" in html
    with app.extensions["db"].session() as s:
        assert s.scalar(select(Organisation).where(Organisation.name == "东村党支部")) is None
    template = client.get("/staff/orgs/template.xlsx")
    assert template.status_code == 200
    ws = load_workbook(io.BytesIO(template.data)).worksheets[0]
    assert ws["A1"].value == "组织名称*"


def test_orgs_pages_need_login_and_csrf(app, client, runner):
    assert client.get("/staff/orgs").status_code == 302
    _setup(runner, client)
    r = client.post("/staff/orgs/add", data={"parent": 1, "name": "东村党支部", "form": "党支部"})
    assert r.status_code == 400
    with app.extensions["db"].session() as s:
        assert s.scalar(select(Organisation).where(Organisation.name == "东村党支部")) is None


def test_cli_orgs_template_import_list(runner, tmp_path):
    assert runner.invoke(args=["orgs", "import", str(tmp_path)]).exit_code != 0
    path = tmp_path / "o.xlsx"
    path.write_bytes(xlsx([["东村党支部", "党支部", "", "农村", "dc"]]))
    out = runner.invoke(args=["orgs", "import", str(path)])
    assert out.exit_code == 1 and "请先运行 flask setup township" in out.output
    assert runner.invoke(args=["setup", "township", "--name", "青山镇"]).exit_code == 0
    template = tmp_path / "t.xlsx"
    out = runner.invoke(args=["orgs", "template", "--out", str(template)])
    assert out.exit_code == 0 and load_workbook(template).worksheets[0]["B1"].value == "组织形式*"
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(xlsx([["第一党小组", "党小组", "北村", "", ""]]))
    out = runner.invoke(args=["orgs", "import", str(bad)])
    assert out.exit_code == 1
    assert "第 2 行【上级组织】找不到上级组织“北村”" in out.output
    out = runner.invoke(args=["orgs", "import", str(path)])
    assert out.exit_code == 0 and "新增 1，更新 0，未变 0" in out.output
    out = runner.invoke(args=["orgs", "import", str(path)])
    assert "新增 0，更新 0，未变 1" in out.output
    listing = runner.invoke(args=["orgs", "list"]).output
    assert "township\t乡镇\t青山镇" in listing and "  dc\t党支部（农村）\t东村党支部" in listing


def test_cli_setup_admin_hands_over_to_a_roster_person(app, runner, tmp_path):
    assert runner.invoke(args=["setup", "township", "--name", "青山镇"]).exit_code == 0
    out = runner.invoke(args=["setup", "admin", "--phone", "13907310001"])
    assert out.exit_code == 1 and "花名册中没有手机号为 13907310001 的党员" in out.output
    path = tmp_path / "o.xlsx"
    path.write_bytes(xlsx([["东村党支部", "党支部", "", "农村", "dc"]]))
    assert runner.invoke(args=["orgs", "import", str(path)]).exit_code == 0
    with app.extensions["db"].session() as s:
        f.member(
            s,
            s.scalar(select(Organisation).where(Organisation.code == "dc")),
            "王组织",
            phone="13907310001",
        )
        s.commit()
    out = runner.invoke(args=["setup", "admin", "--phone", "13907310001"])
    assert out.exit_code == 0 and "已授予王组织街镇管理员" in out.output
    assert "还没有绑定微信：初始管理员账号暂时保留" in out.output
    with app.extensions["db"].session() as s:
        member = s.scalar(select(Member).where(Member.phone == "13907310001"))
        f.account(s, member, oa_openid="oa-wang")
        s.commit()
    out = runner.invoke(args=["setup", "admin", "--phone", "13907310001"])
    assert out.exit_code == 0 and "王组织已是街镇管理员" in out.output
    assert "初始管理员账号已停用" in out.output and "/staff/login?t=" in out.output
    with app.extensions["db"].session() as s:
        setup_account = s.scalar(select(Account).where(Account.name == "街镇管理员（初始）"))
        assert setup_account is not None
        held = s.scalar(select(RoleGrant).where(RoleGrant.account_id == setup_account.id))
        assert held is None
    again = runner.invoke(args=["setup", "township", "--name", "青山镇"])
    assert "未做任何修改" in again.output


def test_home_page_of_a_township_without_branches_guides_without_commands(client, runner):
    assert runner.invoke(args=["setup", "township", "--name", "青山镇"]).exit_code == 0
    html = client.get("/").get_data(as_text=True)
    assert "青山镇 践诺总览" in html and "平台正在筹备中" in html
    assert "flask" not in html and "/staff/" in html
