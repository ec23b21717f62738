"""Issue 21 must-show 4: the demo branch's monthly poster is a phone-wide PNG whose figures are
the markdown summary's (same ``summaries.compute``; compared without OCR through the lines the
renderer drew) with the board lagging first and a QR code to the board; the monthly_posters
job sends it to the branch secretary as an official-account image (media uploaded first, seen
by the fake WeChat after the dispatcher runs), with the line 长按转发到村民群, once."""

from __future__ import annotations

import hashlib
import io
import re
from datetime import UTC, datetime

import pytest
import zxingcpp
from flask import Flask
from PIL import Image
from sqlalchemy import select

from delivery.dispatcher import Dispatcher
from infra.clock import local_date
from models import Account, GroupRobot, Organisation, OutboundMessage, Role, RoleGrant
from scheduler import jobs, posters, pushes
from services.reads import periods, summaries
from services.reads.posters import poster_facts
from tests.fakes.robot import FakeRobot
from tests.fakes.wechat_api import FakeWechat
from wechat.robot import RobotSender

pytestmark = pytest.mark.demo_township

UPLOAD = "/cgi-bin/media/upload"
SEND = "/cgi-bin/message/custom/send"


def _branch(app: Flask) -> Organisation:
    with app.extensions["db"].session() as s:
        return s.scalars(
            select(Organisation).where(Organisation.kind == "branch").order_by(Organisation.id)
        ).first()


def test_poster_shows_the_summary_figures_and_the_board(oa_app: Flask):
    settings = oa_app.config["SETTINGS"]
    branch = _branch(oa_app)
    period = periods.previous_month(local_date())
    with oa_app.extensions["db"].session() as s:
        poster = posters.branch_poster(s, branch, period, settings)
        summary = summaries.compute(s, summaries.month(period), [branch.id]).branches[branch.id]
        facts = poster_facts(s, branch, period, red_count=1, yellow_below=60)
    markdown = pushes.render_branch(summary, summaries.month(period), settings.app.base_url)
    drawn = poster.lines

    # The figures of the markdown summary, read back from the markdown itself…
    found = re.search(r"党员 (\d+) 人，作出承诺 (\d+) 人", markdown)
    assert found
    members, committed = found.groups()
    (completion,) = re.findall(r"\*\*完成率\*\*：(\S+?%|暂无)", markdown)
    (logs,) = re.findall(r"\*\*本期践诺\*\*：(\d+) 条记录", markdown)
    (rates,) = re.findall(r"响应率 (\S+)｜办结率 (\S+)｜解决率 (\S+)｜满意率 (\S+)", markdown)
    received, resolved = re.findall(r"收到 (\d+) 件，答复 \d+ 件，办结 (\d+) 件", markdown)[0]
    # … are the ones drawn, each under its label.
    assert drawn[drawn.index("完成率") - 1] == completion
    assert drawn[drawn.index("本期践诺") - 1] == f"{logs} 条"
    assert drawn[drawn.index("党员") - 1] == f"{members} 人"
    assert drawn[drawn.index("作出承诺") - 1] == f"{committed} 人"
    for label, value in zip(("响应率", "办结率", "解决率", "满意率"), rates, strict=True):
        assert drawn[drawn.index(label) - 1] == value
    assert f"群众诉求：收到 {received} 件，办结 {resolved} 件" in drawn
    assert f"{summaries.month(period).label}践诺月报" in drawn and branch.name in drawn
    assert posters.FORWARD_LINE in drawn
    # The board: every member, lagging first, as on the big screen.
    names = [r.name for r in facts.rows]
    assert len(names) >= 10
    positions = [drawn.index(n) for n in names]
    assert positions == sorted(positions)
    assert facts.rows[0].bar in ("overdue", "behind")

    image = Image.open(io.BytesIO(poster.png))
    assert image.format == "PNG" and image.size == (settings.screen.poster_width, poster.height)
    assert image.width == 750 and image.height > image.width  # a phone's width, scrolled down
    assert image.getpixel((5, 5)) == posters.RED  # the branch's header band
    (code,) = zxingcpp.read_barcodes(image)
    assert code.text == pushes.board_url(settings.app.base_url, branch.code)


def test_monthly_posters_reach_the_secretary_as_an_image_once(
    oa_app: Flask, fake_wechat: FakeWechat
):
    db, settings = oa_app.extensions["db"], oa_app.config["SETTINGS"]
    branch = _branch(oa_app)
    with db.session() as s:
        secretary = s.scalars(
            select(Account)
            .join(RoleGrant, RoleGrant.member_id == Account.member_id)
            .where(RoleGrant.role == Role.SECRETARY.value, RoleGrant.org_id == branch.id)
        ).first()
        assert secretary is not None and secretary.oa_openid
        openid = secretary.oa_openid
    period = periods.previous_month(local_date())
    jobs.run_job(db, settings, "monthly_posters", period)
    jobs.run_job(db, settings, "monthly_posters", period)  # a second run sends nothing new
    Dispatcher.from_settings(db.session_factory, settings).run_once()

    uploads = fake_wechat.calls_to(UPLOAD)
    sent = [c.json for c in fake_wechat.calls_to(SEND) if c.json["touser"] == openid]
    images = [m for m in sent if m["msgtype"] == "image"]
    lines = [m["text"]["content"] for m in sent if m["msgtype"] == "text"]
    assert len(images) == 1 and lines == [posters.FORWARD_LINE]
    (upload,) = [u for u in uploads if u.response["media_id"] == images[0]["image"]["media_id"]]
    assert upload.query["type"] == "image"
    png = fake_wechat.uploaded[upload.response["media_id"]]
    with db.session() as s:
        expected = posters.branch_poster(s, branch, period, settings)
        rows = s.scalars(select(OutboundMessage).where(OutboundMessage.channel == "oa_image"))
        assert {r.status for r in rows} == {"sent"}
    image = Image.open(io.BytesIO(png))
    assert image.size == (expected.width, expected.height)
    (code,) = zxingcpp.read_barcodes(image)
    assert code.text.endswith(f"/o/{branch.code}/board")


def test_console_previews_and_downloads_the_poster(oa_app: Flask):
    branch = _branch(oa_app)
    web = oa_app.test_client()
    url = f"/staff/print/{branch.code}/poster.png?month=2026-11"
    assert web.get(url).status_code in (302, 401)  # the console's, not the public's
    from services.org import staff

    with oa_app.extensions["db"].session() as s:
        admin = s.scalars(
            select(Account)
            .join(RoleGrant, RoleGrant.account_id == Account.id)
            .where(RoleGrant.role == Role.TOWNSHIP_ADMIN.value)
        ).first()
        assert admin is not None
        token = staff.open_session(s, admin.id)
        s.commit()
    with web.session_transaction() as sess:
        sess["staff_session"] = token
        sess["staff_nonce"] = "n"
    page = web.get("/staff/print").get_data(as_text=True)
    assert "海报" in page and f"/staff/print/{branch.code}/poster.png" in page
    resp = web.get(url + "&download=1")
    assert resp.status_code == 200 and resp.mimetype == "image/png"
    assert "attachment" in resp.headers["Content-Disposition"]
    assert Image.open(io.BytesIO(resp.data)).width == 750


def test_branch_group_robot_gets_the_poster_as_a_wecom_image(
    oa_app: Flask, fake_wechat: FakeWechat, monkeypatch: pytest.MonkeyPatch
):
    db, settings = oa_app.extensions["db"], oa_app.config["SETTINGS"]
    branch = _branch(oa_app)
    monkeypatch.setenv("POSTER_TEST_ROBOT", "poster-robot-key")
    with db.session() as s:
        s.add(GroupRobot(org_id=branch.id, name="东村党员群", webhook_env="POSTER_TEST_ROBOT"))
        s.commit()
    period = periods.previous_month(local_date())
    jobs.run_job(db, settings, "monthly_posters", period)
    robot = FakeRobot(clock=lambda: datetime.now(UTC), keys={"poster-robot-key"}).start()
    try:
        sender = RobotSender(base_url=robot.base_url)
        Dispatcher.from_settings(db.session_factory, settings, robot_sender=sender).run_once()
    finally:
        robot.stop()
    with db.session() as s:
        png = posters.branch_poster(s, branch, period, settings).png
    assert [c for _, c in robot.accepted["poster-robot-key"]] == [
        f"image:{hashlib.md5(png).hexdigest()}"
    ]
