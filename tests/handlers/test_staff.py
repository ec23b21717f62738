"""街镇管理员后台 (/staff): one-time login links, filing, roster upload, outbox, CSRF, privacy."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from infra.clock import now_utc
from models import (
    Account,
    Commitment,
    GroupRobot,
    Member,
    Organisation,
    OutboundMessage,
    StaffLogin,
)

WEBHOOK_KEY = "abcd1234-secret-webhook-key-5678wxyz"

# Every test's database starts as a copy of the demo township (built once per session).
pytestmark = pytest.mark.demo_township


@pytest.fixture
def loaded(app):
    return app


@pytest.fixture
def web(loaded):
    return loaded.test_client()


def _db(app):
    return app.extensions["db"].session_factory()


def _admin_id(app) -> int:
    with _db(app) as s:
        return s.scalar(select(Account.id).where(Account.oa_openid == "demo-oa-admin"))


def _link(app, account_id: int, *extra: str) -> str:
    result = app.test_cli_runner().invoke(
        args=["staff", "link", "--account", str(account_id), *extra]
    )
    assert result.exit_code == 0, result.output
    url = re.search(r"(/staff/login\?t=\S+)", result.output)
    assert url, result.output
    return url.group(1)


def _login(app, web) -> None:
    resp = web.get(_link(app, _admin_id(app)))
    assert resp.status_code == 303
    assert resp.headers["Location"].endswith("/staff/")


def _csrf(web, path: str = "/staff/") -> str:
    html = web.get(path).get_data(as_text=True)
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m, html
    return m.group(1)


def _pending(app) -> list[Commitment]:
    with _db(app) as s:
        return list(
            s.scalars(
                select(Commitment)
                .where(Commitment.status == "pending_township")
                .order_by(Commitment.id)
            )
        )


def test_link_for_a_non_admin_is_refused(loaded):
    with _db(loaded) as s:
        plain = s.scalar(
            select(Account.id)
            .where(Account.oa_openid != "demo-oa-admin", Account.member_id.is_(None))
            .order_by(Account.id)
        )
    result = loaded.test_cli_runner().invoke(args=["staff", "link", "--account", str(plain)])
    assert result.exit_code != 0
    assert "没有后台权限" in result.output
    result = loaded.test_cli_runner().invoke(args=["staff", "link", "--account", "999999"])
    assert result.exit_code != 0
    assert "没有编号为 999999 的账号" in result.output


def test_link_works_once_then_is_rejected(loaded):
    url = _link(loaded, _admin_id(loaded), "--minutes", "5")
    first = loaded.test_client()
    resp = first.get(url)
    assert resp.status_code == 303
    cookie = resp.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    page = first.get("/staff/")
    assert page.status_code == 200
    assert "待街镇备案的承诺" in page.get_data(as_text=True)

    second = loaded.test_client()
    again = second.get(url)
    assert again.status_code == 403
    assert "已经用过" in again.get_data(as_text=True)
    assert second.get("/staff/").status_code == 302
    with _db(loaded) as s:
        assert s.scalar(select(func.count(StaffLogin.id))) == 1

    bad = loaded.test_client().get("/staff/login?t=forged")
    assert bad.status_code == 403
    assert "请向管理员索取登录链接" in bad.get_data(as_text=True)


def test_expired_link_is_refused(loaded, monkeypatch):
    url = _link(loaded, _admin_id(loaded), "--minutes", "1")
    later = now_utc() + timedelta(minutes=2)
    monkeypatch.setattr("services.org.staff.now_utc", lambda: later)
    resp = loaded.test_client().get(url)
    assert resp.status_code == 403
    assert "已过期" in resp.get_data(as_text=True)


@pytest.mark.parametrize(
    "path", ["/staff/", "/staff/roster", "/staff/outbox", "/staff/groups", "/staff/reports"]
)
def test_pages_need_login(loaded, path):
    resp = loaded.test_client().get(path)
    assert resp.status_code == 302
    assert resp.headers["Location"].endswith("/staff/need-login")
    page = loaded.test_client().get("/staff/need-login")
    assert "扫码" in page.get_data(as_text=True)


def test_session_ends_when_the_role_is_taken_away(loaded, web):
    from models import RoleGrant

    _login(loaded, web)
    assert web.get("/staff/").status_code == 200
    with loaded.extensions["db"].session() as s:
        for g in s.scalars(select(RoleGrant).where(RoleGrant.account_id == _admin_id(loaded))):
            s.delete(g)
    resp = web.get("/staff/")
    assert resp.status_code == 302
    assert resp.headers["Location"].endswith("/staff/need-login")


def test_demo_login_and_logout(web):
    resp = web.get("/staff/demo-login")
    assert resp.status_code == 303
    assert web.get("/staff/").status_code == 200
    web.get("/staff/logout")
    assert web.get("/staff/").status_code == 302


def test_filing_approve_through_the_form(loaded, web):
    _login(loaded, web)
    pending = _pending(loaded)
    assert pending
    html = web.get("/staff/").get_data(as_text=True)
    for c in pending:
        assert c.title in html
    ok = web.post(
        f"/staff/commitments/{pending[0].id}/review",
        data={"csrf_token": _csrf(web), "decision": "approve"},
    )
    assert ok.status_code == 303
    assert "已备案" in web.get(ok.headers["Location"]).get_data(as_text=True)
    with _db(loaded) as s:
        assert s.get(Commitment, pending[0].id).status == "published"


def test_filing_reject_needs_a_reason(loaded, web):
    _login(loaded, web)
    c = _pending(loaded)[0]
    token = _csrf(web)
    no_reason = web.post(
        f"/staff/commitments/{c.id}/review",
        data={"csrf_token": token, "decision": "reject", "reason": " "},
    )
    assert no_reason.status_code == 400
    assert "退回时请写明理由" in no_reason.get_data(as_text=True)
    with _db(loaded) as s:
        assert s.get(Commitment, c.id).status == "pending_township"

    rejected = web.post(
        f"/staff/commitments/{c.id}/review",
        data={"csrf_token": token, "decision": "reject", "reason": "目标请写成可量化的次数"},
    )
    assert rejected.status_code == 303
    assert "已退回" in web.get(rejected.headers["Location"]).get_data(as_text=True)
    with _db(loaded) as s:
        back = s.get(Commitment, c.id)
        assert back.status == "draft"
        assert back.last_rejection_reason == "目标请写成可量化的次数"


def test_csrf_missing_or_foreign_is_400_and_nothing_written(loaded, web):
    _login(loaded, web)
    c = _pending(loaded)[0]
    for data in (
        {"decision": "approve"},
        {"decision": "approve", "csrf_token": "forged"},
    ):
        resp = web.post(f"/staff/commitments/{c.id}/review", data=data)
        assert resp.status_code == 400
        assert "安全校验未通过" in resp.get_data(as_text=True)
    # A token from another console session does not fit this one.
    other = loaded.test_client()
    _login(loaded, other)
    foreign = _csrf(other)
    resp = web.post(
        f"/staff/commitments/{c.id}/review", data={"decision": "approve", "csrf_token": foreign}
    )
    assert resp.status_code == 400
    with _db(loaded) as s:
        assert s.get(Commitment, c.id).status == "pending_township"


def _roster_csv(rows: list[list[str]]) -> bytes:
    lines = ["姓名,手机号,所属支部,党小组,职务"] + [",".join(r) for r in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _members(app) -> int:
    with _db(app) as s:
        return s.scalar(select(func.count(Member.id)))


def test_roster_upload_bad_file_imports_nothing_and_lists_problems(loaded, web):
    _login(loaded, web)
    with _db(loaded) as s:
        branch = s.scalar(
            select(Organisation.code).where(Organisation.kind == "branch").order_by(Organisation.id)
        )
    page = web.get("/staff/roster")
    assert page.status_code == 200
    template = web.get("/staff/roster/template/members.xlsx")
    assert template.status_code == 200 and template.data[:2] == b"PK"
    token = _csrf(web, "/staff/roster")
    before = _members(loaded)

    bad = _roster_csv(
        [
            ["赵新一", "13600000001", branch, "", ""],
            ["", "13600000002", branch, "", ""],
            ["钱新三", "12345", branch, "", ""],
        ]
    )
    resp = web.post(
        "/staff/roster/import",
        data={"csrf_token": token, "kind": "members", "file": (io.BytesIO(bad), "roster.csv")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    assert "未导入任何数据" in html
    assert "<td>3</td><td>姓名</td>" in html
    assert "<td>4</td><td>手机号</td>" in html
    assert _members(loaded) == before

    good = _roster_csv(
        [
            ["赵新一", "13600000001", branch, "", ""],
            ["孙新二", "13600000002", branch, "", ""],
        ]
    )
    resp = web.post(
        "/staff/roster/import",
        data={"csrf_token": token, "kind": "members", "file": (io.BytesIO(good), "roster.csv")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert "新增 2，更新 0，未变 0" in resp.get_data(as_text=True)
    assert _members(loaded) == before + 2


def test_roster_upload_that_renames_shows_changes_and_a_confirm_step(loaded, web):
    _login(loaded, web)
    with _db(loaded) as s:
        wang = s.scalar(select(Member).where(Member.name == "王建国"))
        wang_id, code = wang.id, s.get(Organisation, wang.org_id).code
    token = _csrf(web, "/staff/roster")
    data = _roster_csv([["李德明", "13907310001", code, "第一党小组", "党小组长"]])
    resp = web.post(
        "/staff/roster/import",
        data={"csrf_token": token, "kind": "members", "file": (io.BytesIO(data), "r.csv")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 409
    html = resp.get_data(as_text=True)
    assert "<td>姓名</td><td>王建国</td><td>李德明</td>" in html
    assert "<td>139****0001</td>" in html and "确认导入" in html
    with _db(loaded) as s:
        assert s.get(Member, wang_id).name == "王建国"
    form = dict(re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)"', html))
    assert form["confirm"] and form["file_data"]
    resp = web.post("/staff/roster/import", data=form)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert "新增 0，更新 1，未变 0" in resp.get_data(as_text=True)
    with _db(loaded) as s:
        assert s.get(Member, wang_id).name == "李德明"


def test_roster_upload_of_the_unedited_template_changes_nobody(loaded, web):
    _login(loaded, web)
    template = web.get("/staff/roster/template/members.xlsx").data
    token = _csrf(web, "/staff/roster")
    resp = web.post(
        "/staff/roster/import",
        data={"csrf_token": token, "kind": "members", "file": (io.BytesIO(template), "t.xlsx")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert "新增 0，更新 0，未变 0" in html and "已跳过模板示例行（第 2 行" in html
    with _db(loaded) as s:
        assert s.scalar(select(Member.id).where(Member.name == "王建国"))


def test_roster_upload_without_csrf_imports_nothing(loaded, web):
    _login(loaded, web)
    before = _members(loaded)
    resp = web.post(
        "/staff/roster/import",
        data={"kind": "members", "file": (io.BytesIO(_roster_csv([])), "roster.csv")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 400
    assert _members(loaded) == before


def test_failed_outbox_retry_and_no_webhook_key_anywhere(loaded, web, monkeypatch):
    monkeypatch.setenv("STAFF_TEST_WEBHOOK", WEBHOOK_KEY)
    with loaded.extensions["db"].session() as s:
        org = s.scalar(select(Organisation).where(Organisation.kind == "township"))
        robot = GroupRobot(org_id=org.id, name="示范镇党员群", webhook_env="STAFF_TEST_WEBHOOK")
        s.add(robot)
        s.flush()
        msg = OutboundMessage(
            channel="robot",
            robot_id=robot.id,
            payload='{"msgtype": "markdown", "markdown": {"content": "十月践诺月报"}}',
            idempotency_key="staff-test-1",
            status="failed",
            attempts=5,
            last_error="errcode 93000",
        )
        s.add(msg)
        s.flush()
        msg_id = msg.id
    _login(loaded, web)
    dash = web.get("/staff/").get_data(as_text=True)
    assert "发送失败的消息" in dash
    page = web.get("/staff/outbox").get_data(as_text=True)
    assert f"#{msg_id}" in page and "十月践诺月报" in page and "重新发送" in page
    groups = web.get("/staff/groups").get_data(as_text=True)
    assert "示范镇党员群" in groups and "STAFF_TEST_WEBHOOK" in groups

    for path in ("/staff/", "/staff/outbox", "/staff/groups", "/staff/roster", "/staff/reports"):
        html = web.get(path).get_data(as_text=True)
        assert WEBHOOK_KEY not in html
        assert WEBHOOK_KEY[:8] not in html, path

    token = _csrf(web, "/staff/outbox")
    assert web.post(f"/staff/outbox/{msg_id}/retry", data={}).status_code == 400
    with _db(loaded) as s:
        assert s.get(OutboundMessage, msg_id).status == "failed"
    resp = web.post(f"/staff/outbox/{msg_id}/retry", data={"csrf_token": token})
    assert resp.status_code == 303
    assert "已重新排队发送" in web.get(resp.headers["Location"]).get_data(as_text=True)
    with _db(loaded) as s:
        m = s.get(OutboundMessage, msg_id)
        assert m.status == "pending" and m.attempts == 0


def test_reports_page_downloads_every_workbook(loaded, web):
    """Quarterly, half-year and year-end .xlsx for the township and each branch."""
    import openpyxl

    _login(loaded, web)
    html = web.get("/staff/reports").get_data(as_text=True)
    links = [u.replace("&amp;", "&") for u in re.findall(r'href="(/staff/reports/[^"]+)"', html)]
    kinds = {re.search(r"/(quarterly|half-year|year-end)\.xlsx", u).group(1) for u in links}
    assert kinds == {"quarterly", "half-year", "year-end"}
    with _db(loaded) as s:
        orgs = s.scalar(
            select(func.count())
            .select_from(Organisation)
            .where(Organisation.kind.in_(["township", "branch"]))
        )
    assert len(links) == orgs * 7  # 4 quarters, 2 halves, 1 year per organisation
    for url in [links[0], links[4], links[6]]:  # the township's three kinds
        resp = web.get(url)
        assert resp.status_code == 200 and resp.data[:2] == b"PK", url
        assert ".xlsx" in resp.headers["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(web.get(links[0]).data))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[1][0] == "组织" and len(rows) >= 3
    assert "半年销号" in openpyxl.load_workbook(io.BytesIO(web.get(links[4]).data)).sheetnames
