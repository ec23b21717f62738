"""Issue 14 must-show 2: time limits that bite. An unanswered request escalates after the
limit (the clock moved by the job's ``clock``): the branch secretary receives a message (seen
by the fake WeChat after the dispatcher runs), the request is flagged overdue in the member's
inbox, a second lapse reaches the township, and running the job twice sends nothing twice."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from flask import Flask
from sqlalchemy import func, select

from app import create_app
from delivery.dispatcher import Dispatcher
from infra.clock import now_utc
from models import Account, OutboundMessage, Request, TimelineEntry
from scheduler import jobs
from services import requests
from tests import factories as f
from tests.fakes.wechat_api import FakeWechat
from tests.handlers.api.conftest import token_for

from .conftest import Wx, oa_config

SEND = "/cgi-bin/message/custom/send"


def _dispatch(app: Flask) -> None:
    db = app.extensions["db"]
    Dispatcher.from_settings(db.session_factory, app.config["SETTINGS"]).run_once()


def _sent(fake: FakeWechat) -> list[tuple[str, str]]:
    return [(c.json["touser"], c.json["text"]["content"]) for c in fake.calls_to(SEND)]


def _outbox_count(app: Flask) -> int:
    with app.extensions["db"].session() as s:
        return int(s.scalar(select(func.count(OutboundMessage.id))) or 0)


def test_unanswered_request_escalates_to_secretary_then_township_once_each(
    oa_app: Flask, fake_wechat: FakeWechat
) -> None:
    db = oa_app.extensions["db"]
    settings = oa_app.config["SETTINGS"]
    with db.session() as s:
        t = f.tree(s)
        wang = f.member(s, t["branch"], "王建国")
        li = f.member(s, t["branch"], "李书记")
        f.grant(s, "secretary", t["branch"], member=li)
        wang_account = f.account(s, wang, oa_openid="o-wang", mp_openid="mp-wang")
        f.account(s, li, oa_openid="o-li")
        admin = f.account(s, oa_openid="o-admin", name="镇管理员")
        f.grant(s, "township_admin", t["township"], account=admin)
        home = f.household(s, t["branch"], linked=[wang])
        resident = f.account(s, household=home, oa_openid="o-resident", name="王秀英")
        req = requests.submit(
            s, f.as_actor(s, resident), kind="problem", text="村东路灯坏了", channel="oa"
        )
        s.commit()
        rid, number = req.id, req.number

    # At submit the linked member is told, in the same transaction.
    _dispatch(oa_app)
    sent = _sent(fake_wechat)
    assert [to for to, _ in sent] == ["o-wang"]
    assert number in sent[0][1] and "分派给您" in sent[0][1]
    assert "pages/request-detail/index?id=" in sent[0][1]

    api = oa_app.test_client()
    inbox = api.get("/api/v1/requests/assigned", headers=token_for(oa_app, wang_account))
    assert inbox.status_code == 200, inbox.json
    assert [(i["number"], i["overdue"]) for i in inbox.json["items"]] == [(number, False)]

    # First lapse: past first_answer_hours with no answer → the branch secretary.
    hours = settings.requests.first_answer_hours
    first = now_utc() + timedelta(hours=hours + 1)
    jobs.run_job(db, settings, "daily_escalation", clock=lambda: first)
    _dispatch(oa_app)
    sent = _sent(fake_wechat)
    assert [to for to, _ in sent] == ["o-wang", "o-li"]
    assert number in sent[1][1] and "超过答复时限" in sent[1][1]
    with db.session() as s:
        r = s.get_one(Request, rid)
        assert r.escalation_level == 1
        line = s.scalars(
            select(TimelineEntry.note).where(TimelineEntry.action == "escalated")
        ).one()
        assert line == "超过答复时限未答复，已上报至东村党支部书记"

    inbox = api.get("/api/v1/requests/assigned", headers=token_for(oa_app, wang_account))
    item = inbox.json["items"][0]
    assert item["overdue"] is True and item["escalation_level"] == 1

    # The same run again (the job, and the rule behind it): nothing new is queued or sent.
    queued = _outbox_count(oa_app)
    jobs.run_job(db, settings, "daily_escalation", clock=lambda: first)
    with db.session() as s:
        assert requests.escalate_overdue(s, first, hours) == []
        s.commit()
    _dispatch(oa_app)
    assert _outbox_count(oa_app) == queued
    assert len(_sent(fake_wechat)) == 2

    # Second lapse → the township's admins.
    second = first + timedelta(hours=hours + 1)
    jobs.run_job(db, settings, "daily_escalation", clock=lambda: second)
    _dispatch(oa_app)
    sent = _sent(fake_wechat)
    assert [to for to, _ in sent] == ["o-wang", "o-li", "o-admin"]
    assert number in sent[2][1]
    with db.session() as s:
        assert s.get_one(Request, rid).escalation_level == 2
        notes = s.scalars(
            select(TimelineEntry.note)
            .where(TimelineEntry.action == "escalated")
            .order_by(TimelineEntry.id)
        ).all()
        assert notes[-1] == "超过答复时限未答复，已上报至示范镇"

    # The township is the top: later runs (and repeats) send nothing more.
    for later in (second, second + timedelta(days=3), second + timedelta(days=30)):
        jobs.run_job(db, settings, "daily_escalation", clock=lambda later=later: later)
    _dispatch(oa_app)
    assert len(_sent(fake_wechat)) == 3
    inbox = api.get("/api/v1/requests/assigned", headers=token_for(oa_app, wang_account))
    assert inbox.json["items"][0]["overdue"] is True


def test_outside_the_48_hour_window_the_notice_goes_as_a_template_message(
    db_url: str, tmp_path: Path, fake_wechat: FakeWechat
) -> None:
    config = oa_config(db_url, tmp_path, fake_wechat.base_url)
    config["requests"] = {"notice_template_id": "TPL-REQ"}
    app = create_app(config)
    app.config["TESTING"] = True
    wx = Wx(app.test_client())
    db = app.extensions["db"]
    try:
        with db.session() as s:
            t = f.tree(s)
            wang = f.member(s, t["branch"], "王建国")
            f.account(s, wang, oa_openid="o-wang")
            home = f.household(s, t["branch"], linked=[wang])
            resident = f.account(s, household=home, oa_openid="o-resident")
            first = requests.submit(s, f.as_actor(s, resident), kind="problem", text="路灯坏了")
            s.commit()
            number = first.number
        _dispatch(app)  # Wang never wrote to the official account: a template message
        templates = fake_wechat.calls_to("/cgi-bin/message/template/send")
        assert [(c.json["touser"], c.json["template_id"]) for c in templates] == [
            ("o-wang", "TPL-REQ")
        ]
        assert templates[0].json["data"]["character_string2"]["value"] == number
        assert _sent(fake_wechat) == []

        wx.say("o-wang", "帮助")  # now inside the window: a customer-service message
        before = len(fake_wechat.calls_to(SEND))
        with db.session() as s:
            resident = s.scalars(select(Account).where(Account.oa_openid == "o-resident")).one()
            requests.submit(s, f.as_actor(s, resident), kind="wish", text="要轮椅")
            s.commit()
        _dispatch(app)
        sent = _sent(fake_wechat)[before:]
        assert [to for to, _ in sent] == ["o-wang"] and "分派给您" in sent[0][1]
        assert len(fake_wechat.calls_to("/cgi-bin/message/template/send")) == 1
    finally:
        db.dispose()


def test_the_template_message_uses_the_configured_field_keys_and_opens_the_request(
    db_url: str, tmp_path: Path, fake_wechat: FakeWechat
) -> None:
    """Each template chosen in the 公众平台 has its own field keys; with a mini-program the
    message opens the request's page there."""
    config = oa_config(db_url, tmp_path, fake_wechat.base_url)
    config["requests"] = {
        "notice_template_id": "TPL-REQ",
        "template_fields": {"item": "thing7", "number": "character_string9", "hint": "thing2"},
    }
    config["wechat"]["mini_program"] = {"app_id": "wx-mp-app", "secret": "mp-secret"}
    app = create_app(config)
    app.config["TESTING"] = True
    db = app.extensions["db"]
    try:
        with db.session() as s:
            t = f.tree(s)
            wang = f.member(s, t["branch"], "王建国")
            f.account(s, wang, oa_openid="o-wang")
            home = f.household(s, t["branch"], linked=[wang])
            resident = f.account(s, household=home, oa_openid="o-resident")
            req = requests.submit(s, f.as_actor(s, resident), kind="problem", text="路灯坏了")
            s.commit()
            number, request_id = req.number, req.id
        _dispatch(app)
        (call,) = fake_wechat.calls_to("/cgi-bin/message/template/send")
        assert set(call.json["data"]) == {"thing7", "character_string9", "thing2"}
        assert call.json["data"]["character_string9"]["value"] == number
        assert call.json["miniprogram"]["appid"] == "wx-mp-app"
        assert str(request_id) in call.json["miniprogram"]["pagepath"]
    finally:
        db.dispose()
