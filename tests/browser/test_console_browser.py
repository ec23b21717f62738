"""The PC workbench (后台) in a real headless Chromium at 1366×768: a secretary signs in by
扫码登录 (the scan is a signed SCAN event through the real callback), returns a commitment with
a reason, verifies three logs as a selection and the member's points move after
``points sync``; a group leader sees only their group; a township administrator previews a
summary that matches, byte for byte, what the dispatcher then sends to the fake robot.
Screenshots of every console page go to tests/artifacts/."""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from werkzeug.serving import make_server

from app import create_app
from delivery.dispatcher import Dispatcher
from models import (
    Account,
    Commitment,
    FulfilmentLog,
    GroupRobot,
    Member,
    Organisation,
    RoleGrant,
)
from services.evaluation import points
from tests.browser.screen_support import ARGS, ARTIFACTS, CHROMIUM
from tests.conftest import Templates
from tests.fakes.robot import FakeRobot
from tests.fakes.wechat_api import FakeWechat
from tests.wechat.conftest import Wx, oa_config

pytestmark = pytest.mark.browser

ROBOT_ENV, ROBOT_KEY = "TEST_CONSOLE_ROBOT_TOWNSHIP", "console-browser-test-key-0001"


@dataclass
class Console:
    base: str
    app: Flask
    wechat: FakeWechat
    robot: FakeRobot

    def db(self) -> Any:
        return self.app.extensions["db"].session_factory()

    def link(self, account_id: int) -> str:
        out = self.app.test_cli_runner().invoke(
            args=["staff", "link", "--account", str(account_id)]
        )
        assert out.exit_code == 0, out.output
        return self.base + re.search(r"(/staff/login\?t=\S+)", out.output).group(1)


def _serve(wsgi: Any) -> tuple[Any, threading.Thread]:
    srv = make_server("127.0.0.1", 0, wsgi, threaded=True)
    thread = threading.Thread(target=srv.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    return srv, thread


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory, templates: Templates) -> Iterator[Console]:
    if CHROMIUM is None:
        pytest.skip("chromium is not installed")
    tmp = tmp_path_factory.mktemp("console")
    # a copy of the session's demo-township template (what demo.load() builds, built once)
    url = templates.sqlite_copy(tmp / "console.db", {})
    wechat = FakeWechat()
    wechat_srv, wechat_thread = _serve(wechat.wsgi)
    wechat.base_url = f"http://127.0.0.1:{wechat_srv.server_port}"
    robot = FakeRobot(clock=lambda: datetime.now(UTC), keys={ROBOT_KEY}).start()
    os.environ[ROBOT_ENV] = ROBOT_KEY
    config = oa_config(url, tmp, wechat.base_url)
    config["wecom"] = {"robot_base_url": robot.base_url}
    app = create_app(config)
    srv, thread = _serve(app)
    try:
        yield Console(f"http://127.0.0.1:{srv.server_port}", app, wechat, robot)
    finally:
        srv.shutdown()
        thread.join()
        wechat_srv.shutdown()
        wechat_thread.join()
        robot.stop()
        os.environ.pop(ROBOT_ENV, None)
        app.extensions["db"].dispose()


@pytest.fixture(scope="module")
def browser(console: Console) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(
        viewport={"width": 1366, "height": 768}, device_scale_factor=1, locale="zh-CN"
    )
    pg = context.new_page()
    yield pg
    context.close()


def shot(page: Any, name: str, width: int = 1366) -> None:
    """A screenshot for tests/artifacts/, after checking the page fits the screen width."""
    assert page.evaluate("document.documentElement.scrollWidth") <= width, name
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"console-{name}.png"), full_page=False)


def _role_account(c: Console, role: str, org_id: int | None = None) -> tuple[int, str, int]:
    with c.db() as s:
        q = (
            select(Account.id, Account.oa_openid, RoleGrant.org_id)
            .join(RoleGrant, RoleGrant.member_id == Account.member_id)
            .where(RoleGrant.role == role, Account.oa_openid.is_not(None))
            .order_by(RoleGrant.org_id)
        )
        if org_id is not None:
            q = q.where(RoleGrant.org_id == org_id)
        return tuple(s.execute(q).first())  # type: ignore[return-value]


def test_secretary_signs_in_by_scan_reviews_verifies_and_points_move(console, page):
    with console.db() as s:
        pending = s.scalar(select(Commitment).where(Commitment.status == "pending_branch"))
        c_id, branch_id = pending.id, pending.org_id
    account_id, openid, _ = _role_account(console, "secretary", branch_id)
    with console.db() as s:
        secretary_member = s.scalar(select(Account.member_id).where(Account.id == account_id))
        logs = s.execute(
            select(FulfilmentLog.id, FulfilmentLog.member_id)
            .join(Commitment, Commitment.id == FulfilmentLog.commitment_id)
            .where(
                Commitment.org_id == branch_id,
                Commitment.status == "published",
                FulfilmentLog.verified_at.is_(None),
                FulfilmentLog.member_id != secretary_member,
            )
            .order_by(FulfilmentLog.created_at.desc(), FulfilmentLog.id.desc())
        ).all()
    counts: dict[int, int] = {}
    for _, m in logs:
        counts[m] = counts.get(m, 0) + 1
    member_id = next(m for _, m in logs if counts[m] >= 3)
    chosen = [log_id for log_id, m in logs if m == member_id][:3]
    assert len(chosen) == 3
    runner = console.app.test_cli_runner()
    assert runner.invoke(args=["points", "sync"]).exit_code == 0
    with console.db() as s:
        before = points.index_of(s, member_id)

    # 扫码登录: the page shows WeChat's parametric code; the scan comes through the callback.
    page.goto(console.base + "/staff/need-login")
    assert page.locator("img[alt=扫码登录二维码]").is_visible()
    shot(page, "login")
    scene = console.wechat.calls_to("/cgi-bin/qrcode/create")[-1].json["action_info"]["scene"]
    reply = Wx(console.app.test_client()).event(openid, "SCAN", scene["scene_str"])
    assert "已在电脑上登录" in reply
    page.wait_for_url(console.base + "/staff/")  # the page polls and moves on by itself
    assert "支部书记" in page.inner_text("header")
    shot(page, "secretary-dashboard")

    # Return a commitment with a reason.
    page.goto(console.base + "/staff/commitments")
    item = page.locator(f"#c-{c_id}")
    item.locator("input[name=reason]").fill("目标请写清楚每月几次")
    item.get_by_role("button", name="退回").click()
    assert "已退回" in page.inner_text("main")
    with console.db() as s:
        c = s.get(Commitment, c_id)
        assert c.status == "draft" and c.last_rejection_reason == "目标请写清楚每月几次"

    # Verify three logs as a selection.
    page.goto(console.base + "/staff/verify")
    shot(page, "secretary-verify")
    for log_id in chosen:
        page.locator(f"#log-{log_id} input[type=checkbox]").check()
    page.get_by_role("button", name="核实所选记录").first.click()
    assert "已核实 3 条践诺记录" in page.inner_text("main")
    with console.db() as s:
        assert (
            s.scalar(
                select(func.count()).where(
                    FulfilmentLog.id.in_(chosen), FulfilmentLog.verified_at.is_not(None)
                )
            )
            == 3
        )

    assert runner.invoke(args=["points", "sync"]).exit_code == 0
    with console.db() as s:
        after = points.index_of(s, member_id)
    rule = console.app.config["SETTINGS"].points.rules["verified_log"]
    assert after >= before + 3 * rule > before

    # Another branch's list is refused.
    with console.db() as s:
        other = s.scalar(
            select(Organisation.id).where(
                Organisation.kind == "branch", Organisation.id != branch_id
            )
        )
    resp = page.goto(f"{console.base}/staff/members?org={other}")
    assert resp.status == 403 and "不在您" in page.inner_text("main")
    shot(page, "secretary-forbidden")


def test_group_leader_sees_only_their_group(console, page):
    account_id, _, group_id = _role_account(console, "group_leader")
    with console.db() as s:
        mine = set(s.scalars(select(Member.name).where(Member.group_id == group_id)))
        group = s.get(Organisation, group_id)
        others = set(s.scalars(select(Member.name).where(Member.org_id == group.parent_id))) - mine
    page.goto(console.link(account_id))
    nav = page.locator("nav.console-nav").inner_text()
    assert "本组党员" in nav and "践诺核实" not in nav
    page.goto(console.base + "/staff/members")
    names = set(page.locator("table.staff-table tbody td:nth-child(1)").all_inner_texts())
    assert names == {n for n in mine if n in names} and mine <= names
    assert not names & others
    shot(page, "group-leader-members")
    assert page.goto(console.base + "/staff/verify").status == 403


def test_township_previews_the_summary_the_dispatcher_then_sends(console, page):
    with console.db() as s:
        admin_id = s.scalar(select(Account.id).where(Account.oa_openid == "demo-oa-admin"))
        township = s.scalar(select(Organisation).where(Organisation.kind == "township"))
        township_id, township_name = township.id, township.name
    page.goto(console.link(admin_id))
    page.goto(console.base + "/staff/groups")
    form = page.locator("form[action='/staff/groups']")
    form.locator("select[name=org]").select_option(str(township_id))
    form.locator("input[name=name]").fill("全镇党员群")
    form.locator("input[name=webhook_env]").fill(ROBOT_ENV)
    form.get_by_role("button", name="登记").click()
    assert "已登记群机器人" in page.inner_text("main")
    with console.db() as s:
        robot_id = s.scalar(select(GroupRobot.id).where(GroupRobot.webhook_env == ROBOT_ENV))

    page.goto(console.base + "/staff/summaries")
    preview = page.locator(f"pre.markdown[data-robot='{robot_id}']").text_content()
    assert preview.startswith(f"## {township_name} ")
    shot(page, "summaries")
    page.get_by_role("button", name="现在推送到群").click()
    assert "已排队" in page.inner_text("main")

    stats = Dispatcher.from_settings(
        console.app.extensions["db"].session_factory, console.app.config["SETTINGS"]
    ).run_once(robot_ids=[robot_id])
    assert stats is not None
    sent = "".join(content for _, content in console.robot.accepted[ROBOT_KEY])
    assert sent.encode() == preview.encode()  # byte for byte
    page.goto(console.base + "/staff/summaries")
    assert "已送达" in page.inner_text("main")  # the push history


def test_screenshots_of_every_console_page(console, page):
    with console.db() as s:
        admin_id = s.scalar(select(Account.id).where(Account.oa_openid == "demo-oa-admin"))
        member_id = s.scalar(select(Member.id).order_by(Member.id))
    page.goto(console.link(admin_id))
    pages = {
        "dashboard": "/staff/",
        "commitments": "/staff/commitments",
        "verify": "/staff/verify",
        "content": "/staff/content",
        "drafts": "/staff/drafts",
        "members": "/staff/members",
        "member": f"/staff/members/{member_id}",
        "requests": "/staff/requests",
        "groups": "/staff/groups",
        "summaries-township": "/staff/summaries",
        "reports": "/staff/reports",
        "orgs": "/staff/orgs",
        "roster": "/staff/roster",
        "outbox": "/staff/outbox",
        "audit": "/staff/audit",
    }
    for name, path in pages.items():
        resp = page.goto(console.base + path)
        assert resp.status == 200, path
        assert "flask " not in page.inner_text("body"), path  # no command line on any page
        shot(page, name)
    # The audit page lists this test's own sign-in, named (it must not depend on what other
    # tests of this module, maybe on another xdist worker, did before).
    audit = page.inner_text("main")
    assert "登录（一次性链接）" in audit and "staff.login_link" in audit
    page.goto(console.base + "/staff/members?state=unbound")
    boxes = page.locator("input[name=member]")
    for i in range(2):
        boxes.nth(i).check()
    page.get_by_role("button", name="为所选党员发放绑定码并打印").click()
    assert "已发放 2 / 2 张绑定码" in page.inner_text("main")
    assert page.locator(".qr-card img").count() == 2
    shot(page, "bind-codes")
    # … and on a phone: no sideways scrolling of the page itself.
    page.set_viewport_size({"width": 375, "height": 812})
    for name in ("dashboard", "verify", "members"):
        page.goto(console.base + pages[name])
        shot(page, f"{name}-phone", width=375)
