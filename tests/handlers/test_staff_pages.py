"""后台 pages as a secretary and as township staff: review with a reason, 核实 a selection
(all or nothing), members (edit, 停用, bind codes), group robots (add, test message), the
summary preview and send, escalate now, and the audit page that shows every action."""

from __future__ import annotations

import html as html_lib
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from infra.clock import now_utc
from models import (
    Account,
    BindCode,
    Commitment,
    FulfilmentLog,
    GroupRobot,
    Member,
    Organisation,
    OrgEvent,
    OutboundMessage,
    PointsEntry,
    Request,
    RoleGrant,
)
from scheduler import pushes
from services import requests as request_service
from services.reads import summaries
from tests.handlers.test_staff_scope import csrf, login_as

pytestmark = pytest.mark.demo_township


def _db(app):
    return app.extensions["db"].session_factory()


def _secretary_of(app, org_id: int | None = None) -> tuple[int, int, int]:
    """(account id, member id, branch id) of a branch secretary."""
    with _db(app) as s:
        q = (
            select(Account.id, Account.member_id, RoleGrant.org_id)
            .join(RoleGrant, RoleGrant.member_id == Account.member_id)
            .where(RoleGrant.role == "secretary")
            .order_by(RoleGrant.org_id)
        )
        if org_id is not None:
            q = q.where(RoleGrant.org_id == org_id)
        return tuple(s.execute(q).first())  # type: ignore[return-value]


def _admin(app) -> int:
    with _db(app) as s:
        return s.scalar(select(Account.id).where(Account.oa_openid == "demo-oa-admin"))


def _signed_in(app, account_id: int):
    web = app.test_client()
    login_as(app, web, account_id)
    return web, csrf(web)


def test_secretary_returns_a_commitment_with_a_reason(app):
    with _db(app) as s:
        c = s.scalar(select(Commitment).where(Commitment.status == "pending_branch"))
        c_id, org_id, title = c.id, c.org_id, c.title
    account_id, _, _ = _secretary_of(app, org_id)
    web, token = _signed_in(app, account_id)
    page = web.get("/staff/commitments").get_data(as_text=True)
    assert html_lib.escape(title) in page and "待我审核（1）" in page

    url = f"/staff/commitments/{c_id}/review"
    no_reason = web.post(
        url, data={"csrf_token": token, "decision": "reject", "next": "commitments"}
    )
    assert no_reason.status_code == 400 and "退回时请写明理由" in no_reason.get_data(as_text=True)
    with _db(app) as s:
        assert s.get(Commitment, c_id).status == "pending_branch"
    done = web.post(
        url,
        data={
            "csrf_token": token,
            "decision": "reject",
            "reason": "请写明每月几次",
            "next": "commitments",
        },
    )
    assert done.status_code == 303
    assert "已退回" in web.get(done.headers["Location"]).get_data(as_text=True)
    with _db(app) as s:
        c = s.get(Commitment, c_id)
        assert c.status == "draft" and c.last_rejection_reason == "请写明每月几次"


def test_verifying_a_selection_is_all_or_nothing_and_awards_points(app):
    account_id, own_member, branch_id = _secretary_of(app)
    with _db(app) as s:
        base = (
            select(FulfilmentLog.id)
            .join(Commitment, Commitment.id == FulfilmentLog.commitment_id)
            .where(
                Commitment.org_id == branch_id,
                Commitment.status == "published",
                FulfilmentLog.verified_at.is_(None),
            )
            .order_by(FulfilmentLog.id)
        )
        others = list(s.scalars(base.where(FulfilmentLog.member_id != own_member).limit(3)))
        own = s.scalar(base.where(FulfilmentLog.member_id == own_member))
        points = s.scalar(select(func.count()).select_from(PointsEntry))
    assert len(others) == 3 and own is not None
    web, token = _signed_in(app, account_id)
    refused = web.post("/staff/verify", data={"csrf_token": token, "log": [*others, own]})
    assert refused.status_code == 403 and "不能核实自己" in refused.get_data(as_text=True)
    with _db(app) as s:
        assert not s.scalar(
            select(func.count()).where(
                FulfilmentLog.id.in_(others), FulfilmentLog.verified_at.is_not(None)
            )
        )
    empty = web.post("/staff/verify", data={"csrf_token": token})
    assert empty.status_code == 400 and "请先勾选" in empty.get_data(as_text=True)
    ok = web.post("/staff/verify", data={"csrf_token": token, "log": others})
    assert ok.status_code == 303
    assert "已核实 3 条践诺记录" in web.get(ok.headers["Location"]).get_data(as_text=True)
    with _db(app) as s:
        verified = s.scalars(select(FulfilmentLog).where(FulfilmentLog.id.in_(others)))
        assert all(x.verified_at and x.verified_by_account_id == account_id for x in verified)
        assert s.scalar(select(func.count()).select_from(PointsEntry)) == points + 3


def test_members_edit_deactivate_and_bind_codes(app):
    account_id, own_member, branch_id = _secretary_of(app)
    with _db(app) as s:
        ids = list(
            s.scalars(
                select(Member.id)
                .where(Member.org_id == branch_id, Member.id != own_member, Member.active)
                .order_by(Member.id)
                .limit(2)
            )
        )
        target = s.get(Member, ids[0])
        fields = {"name": target.name, "phone": target.phone, "duties": target.duties,
                  "speciality": target.speciality, "group_id": target.group_id or ""}  # fmt: skip
    web, token = _signed_in(app, account_id)
    url = f"/staff/members/{ids[0]}"
    bad = web.post(url, data={"csrf_token": token, **fields, "phone": "12345"})
    assert bad.status_code == 400 and "手机号应为 11 位数字" in bad.get_data(as_text=True)
    ok = web.post(url, data={"csrf_token": token, **fields, "speciality": "电工、会修水泵"})
    assert ok.status_code == 303
    assert "修改了特长" in web.get(ok.headers["Location"]).get_data(as_text=True)

    no_reason = web.post(f"{url}/active", data={"csrf_token": token, "active": "0"})
    assert no_reason.status_code == 400 and "停用时请写明原因" in no_reason.get_data(as_text=True)
    off = web.post(
        f"{url}/active", data={"csrf_token": token, "active": "0", "reason": "组织关系转出"}
    )
    assert off.status_code == 303
    with _db(app) as s:
        assert s.get(Member, ids[0]).speciality == "电工、会修水泵"
        assert s.get(Member, ids[0]).active is False
        actions = set(s.scalars(select(OrgEvent.action).where(OrgEvent.member_id == ids[0])))
        assert {"member_updated", "member_deactivated"} <= actions

    sheet = web.post("/staff/members/bind-codes", data={"csrf_token": token, "member": ids})
    text = sheet.get_data(as_text=True)
    # the deactivated member gets no code: nothing is issued at all
    assert sheet.status_code == 303 and "已停用" in web.get(sheet.headers["Location"]).get_data(
        as_text=True
    )
    sheet = web.post("/staff/members/bind-codes", data={"csrf_token": token, "member": ids[1:]})
    text = sheet.get_data(as_text=True)
    assert sheet.status_code == 200 and "已发放 1 / 1 张绑定码" in text
    with _db(app) as s:
        code = s.scalar(
            select(BindCode.code).where(BindCode.member_id == ids[1]).order_by(BindCode.id.desc())
        )
        assert not s.scalar(
            select(func.count())
            .select_from(BindCode)
            .where(
                BindCode.member_id == ids[0], BindCode.created_at > now_utc() - timedelta(minutes=5)
            )
        )
    assert code in text and 'src="data:image/svg+xml;base64,' in text


def test_group_robot_added_tested_and_summary_previewed_then_sent(app, monkeypatch):
    account_id, _, branch_id = _secretary_of(app)
    web, token = _signed_in(app, account_id)
    key_itself = web.post(
        "/staff/groups", data={"csrf_token": token, "org": branch_id, "name": "东村党员群",
                               "webhook_env": "abcd-1234-key"})  # fmt: skip
    assert key_itself.status_code == 400 and "环境变量名" in key_itself.get_data(as_text=True)
    monkeypatch.setenv("ROBOT_EAST", "0123456789abcdef-webhook-key")
    added = web.post(
        "/staff/groups", data={"csrf_token": token, "org": branch_id, "name": "东村党员群",
                               "webhook_env": "ROBOT_EAST"})  # fmt: skip
    assert added.status_code == 303
    with _db(app) as s:
        robot_id = s.scalar(select(GroupRobot.id).where(GroupRobot.webhook_env == "ROBOT_EAST"))
    tested = web.post(f"/staff/groups/{robot_id}/test", data={"csrf_token": token})
    assert tested.status_code == 303
    page = web.get(tested.headers["Location"]).get_data(as_text=True)
    assert "测试消息已排队" in page and "等待发送" in page and "尾号 -key" in page
    assert "0123456789abcdef" not in page  # never the key

    period = summaries.month(f"{now_utc().year}-{now_utc().month:02d}")
    preview = web.get("/staff/summaries").get_data(as_text=True)
    with _db(app) as s:
        texts = dict(
            pushes.robot_texts(s, summaries.compute(s, period), app.config["SETTINGS"].app.base_url)
        )
    shown = {
        int(rid): html_lib.unescape(text)
        for rid, text in re.findall(
            r'<pre class="markdown" data-robot="(\d+)">(.*?)</pre>', preview, re.S
        )
    }
    assert shown[robot_id] == texts[robot_id]  # exactly what the push sends
    sent = web.post("/staff/summaries/send", data={"csrf_token": token, "period": period.code})
    assert sent.status_code == 303
    assert "已排队" in web.get(sent.headers["Location"]).get_data(as_text=True)
    again = web.post("/staff/summaries/send", data={"csrf_token": token, "period": period.code})
    assert "没有重复发送" in web.get(again.headers["Location"]).get_data(as_text=True)
    with _db(app) as s:
        rows = list(s.scalars(select(OutboundMessage).where(
            OutboundMessage.robot_id == robot_id, OutboundMessage.idempotency_key.startswith("summary:"))))  # fmt: skip
    assert len(rows) >= 1 and all(":interim:" in m.idempotency_key for m in rows)


def test_escalate_now_and_dispatch_keeps_a_level_the_branch_can_escalate_from(app):
    account_id, _, branch_id = _secretary_of(app)
    with _db(app) as s:
        req = s.scalar(
            select(Request).where(
                Request.org_id == branch_id,
                Request.status.in_(list(request_service.OPEN_STATUSES)),
                Request.escalation_level == 0,
            )
        )
        req_id = req.id
    web, token = _signed_in(app, account_id)
    up = web.post(f"/staff/requests/{req_id}/escalate", data={"csrf_token": token})
    assert up.status_code == 303
    with _db(app) as s:
        req = s.get(Request, req_id)
        assert req.escalation_level == 2  # a secretary reports to the township
        notices = s.scalar(
            select(func.count())
            .select_from(OutboundMessage)
            .where(OutboundMessage.idempotency_key.like(f"request:{req_id}:escalated:%:2:%"))
        )
        assert notices >= 1
    twice = web.post(f"/staff/requests/{req_id}/escalate", data={"csrf_token": token})
    assert twice.status_code == 409 and "已经上报至街镇" in twice.get_data(as_text=True)

    # A township-inbox request that already went up, dispatched to a branch: flagged at the
    # secretary's level with a fresh limit, and its next lapse reaches the township again.
    with _db(app) as s:
        township = s.scalar(select(Organisation).where(Organisation.kind == "township"))
        inbox = Request(**{c: getattr(req, c) for c in ("kind", "text", "channel", "submitter_account_id")},
                        number="T-TEST-1", org_id=township.id, status="submitted",
                        escalation_level=2, due_at=now_utc() - timedelta(hours=1),
                        created_at=now_utc() - timedelta(days=3))  # fmt: skip
        s.add(inbox)
        s.commit()
        inbox_id = inbox.id
    admin, admin_token = _signed_in(app, _admin(app))
    sent = admin.post(
        f"/staff/requests/{inbox_id}/dispatch",
        data={"csrf_token": admin_token, "branch": branch_id},
    )
    assert sent.status_code == 303, sent.get_data(as_text=True)
    with _db(app) as s:
        r = s.get(Request, inbox_id)
        assert r.org_id == branch_id and r.escalation_level == 1
        assert r.due_at > now_utc() + timedelta(hours=47)
        assert request_service.is_overdue(r)  # still flagged in every list
        lapsed = request_service.escalate_overdue(s, now=r.due_at + timedelta(minutes=1))
        assert r in lapsed and r.escalation_level == 2


def test_every_console_action_leaves_an_audit_row_shown_to_the_township(app):
    account_id, _, branch_id = _secretary_of(app)
    web, token = _signed_in(app, account_id)
    web.post("/staff/verify", data={"csrf_token": token})  # refused: nothing chosen
    web.post("/staff/groups", data={"csrf_token": token, "org": branch_id, "name": "审计测试群",
                                    "webhook_env": "ROBOT_AUDIT"})  # fmt: skip
    assert web.get(f"/staff/reports/{branch_id}/quarterly.xlsx?period=2026Q3").status_code == 200
    assert web.get("/staff/audit").status_code == 403  # the secretary does not see it
    admin, _ = _signed_in(app, _admin(app))
    page = admin.get("/staff/audit").get_data(as_text=True)
    for text in ("staff.verify_many", "staff.groups_add", "webhook_env=ROBOT_AUDIT",
                 "127.0.0.1", "拒绝（400）", "成功", "staff.login_link", "staff.report_quarterly"):  # fmt: skip
        assert text in page, text
    assert token not in page  # no CSRF token written down
    assert "/staff/login?t=" not in page and "核实践诺（多条）" in page  # nor a login link
    searched = admin.get("/staff/audit", query_string={"q": "审计测试群"}).get_data(as_text=True)
    assert "<code>staff.groups_add</code>" in searched
    assert "<code>staff.verify_many</code>" not in searched


def test_every_form_on_every_console_page_carries_the_csrf_token(app):
    """A form without the token would be refused when used: check every POST form."""
    admin, _ = _signed_in(app, _admin(app))
    with _db(app) as s:
        member_id = s.scalar(select(Member.id).order_by(Member.id))
    pages = ["/staff/", "/staff/commitments", "/staff/verify", "/staff/members",
             f"/staff/members/{member_id}", "/staff/requests", "/staff/groups",
             "/staff/summaries", "/staff/reports", "/staff/orgs", "/staff/roster",
             "/staff/outbox", "/staff/audit"]  # fmt: skip
    forms = 0
    for path in pages:
        html = admin.get(path).get_data(as_text=True)
        for form in re.findall(r'<form method="post".*?</form>', html, re.S):
            forms += 1
            assert re.search(r'name="csrf_token" value="[\w.-]{20,}"', form), (path, form[:200])
    assert forms > 20


def test_lists_page_with_the_filters_kept(app):
    app.config["SETTINGS"].staff.page_size = 5
    admin, _ = _signed_in(app, _admin(app))
    with _db(app) as s:
        total = s.scalar(select(func.count()).select_from(Request))
    first = admin.get("/staff/requests").get_data(as_text=True)
    numbers = set(re.findall(r'<tr id="req-([^"]+)"', first))
    assert len(numbers) == 5 and "下一页" in first and total > 5
    nxt = html_lib.unescape(re.search(r'<a href="([^"]+)">下一页</a>', first).group(1))
    second = admin.get(nxt).get_data(as_text=True)
    assert not numbers & set(re.findall(r'<tr id="req-([^"]+)"', second)) and "上一页" in second
    members = admin.get("/staff/members", query_string={"state": "all"}).get_data(as_text=True)
    link = html_lib.unescape(re.search(r'<a href="([^"]+)">下一页</a>', members).group(1))
    assert "state=all" in link and "page=2" in link


def test_dashboard_counts_open_the_lists_they_count(app):
    app.config["SETTINGS"].staff.page_size = 200
    account_id, _, branch_id = _secretary_of(app)
    web, _ = _signed_in(app, account_id)
    dash = web.get("/staff/").get_data(as_text=True)
    counts = dict(
        (label, int(n)) for n, label in re.findall(r"<b>(\d+)</b><span>([^<]+)</span>", dash)
    )
    overdue = web.get("/staff/requests?overdue=1").get_data(as_text=True)
    open_ = web.get("/staff/requests?status=open").get_data(as_text=True)
    assert counts["超时的诉求"] == len(re.findall(r'<tr id="req-', overdue))
    assert counts["未办结的诉求"] == len(re.findall(r'<tr id="req-', open_)) > 0
    verify = web.get("/staff/verify").get_data(as_text=True)
    assert counts["未核实的践诺记录"] == min(200, len(re.findall(r'<tr id="log-', verify)))
    with _db(app) as s:
        mine = s.scalar(
            select(func.count())
            .select_from(Request)
            .where(
                Request.org_id == branch_id, Request.status.in_(list(request_service.OPEN_STATUSES))
            )
        )
    assert counts["未办结的诉求"] == mine


def test_every_console_action_has_a_name_on_the_audit_page(app):
    from handlers.staff import AUDITED_GETS
    from handlers.staff_audit import ACTION_LABELS

    posts = {
        r.endpoint
        for r in app.url_map.iter_rules()
        if r.endpoint.startswith("staff.") and "POST" in (r.methods or ())
    }
    missing = (posts | AUDITED_GETS | {"staff.login_qr", "staff.login_link"}) - set(ACTION_LABELS)
    assert not missing
