"""后台 内容审核 (/staff/content): a member's log with a listed word, sent through the real bot
callback (``flask bot say``), is held; the branch secretary sees it on the console page and the
dashboard, approves it (the public card, HTML and JSON, then shows it) or refuses it with a
reason (it stays hidden); another branch's secretary neither sees nor decides it, nobody decides
their own text, and every decision leaves a ``staff_audit`` row and a timeline entry."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app import create_app
from delivery.notices import text_of
from models import (
    Account,
    Commitment,
    FulfilmentLog,
    Organisation,
    OutboundMessage,
    StaffAudit,
    TimelineEntry,
)
from services import content
from tests import factories as f
from tests.conftest import make_config

WORD = "六合彩"  # one of config.yaml's content.blocked_words
HELD_NOTE = f"劝邻居别买{WORD} 1次"
EMPTY = "没有等待审核的内容。含敏感词的践诺记录和承诺会出现在这里，准予公开后群众才能看到。"


@dataclass
class World:
    member_code: str
    commitment_id: int
    author_openid: str
    secretary: int  # account ids
    other_secretary: int
    township_admin: int
    group_leader: int
    secretary_openid: str


@pytest.fixture
def app(db_url: str, tmp_path: Path) -> Iterator[Flask]:
    before = content.policy()
    config = make_config(
        db_url,
        tmp_path,
        content={"blocked_words": [WORD]},
        # no public cache: the cards are read again right after each decision
        api={"public_cache_seconds": 0},
    )
    application = create_app(config)
    application.config["TESTING"] = True
    yield application
    application.extensions["db"].dispose()
    # the gate's word list is process-wide: leave it as it was for the next test
    content.configure(before.blocked_words, wechat=before.wechat)


def _world(app: Flask) -> World:
    today = date.today()
    dates = {"start_date": today - timedelta(days=30), "end_date": today + timedelta(days=60)}
    with app.extensions["db"].session() as s:
        t = f.tree(s)
        west = f.org(s, "branch", "西村党支部", t["township"])
        author = f.member(s, t["branch"], "王建国", t["group1"])
        secretary = f.member(s, t["branch"], "赵书记")
        other = f.member(s, west, "钱书记")
        admin = f.member(s, t["branch"], "孙干部")
        leader = f.member(s, t["branch"], "李组长", t["group1"])
        f.grant(s, "secretary", t["branch"], member=secretary)
        f.grant(s, "secretary", west, member=other)
        f.grant(s, "township_admin", t["township"], member=admin)
        f.grant(s, "group_leader", t["group1"], member=leader)
        c = f.published(
            s,
            author,
            "劝导村民远离赌博",
            target_kind="count",
            frequency=None,
            target_quantity=10,
            **dates,
        )
        f.published(s, secretary, "每周走访困难户", target_kind="count", frequency=None, **dates)
        f.account(s, author, oa_openid="o-wang")
        ids = [f.account(s, secretary, oa_openid="o-zhao").id]
        ids += [f.account(s, m).id for m in (other, admin, leader)]
        s.commit()
        return World(author.public_code, c.id, "o-wang", *ids, "o-zhao")


def _say(app: Flask, openid: str, text: str) -> str:
    result = app.test_cli_runner().invoke(args=["bot", "say", "--openid", openid, text])
    assert result.exit_code == 0, result.output
    return result.output


def _login(app: Flask, account_id: int) -> FlaskClient:
    web = app.test_client()
    result = app.test_cli_runner().invoke(args=["staff", "link", "--account", str(account_id)])
    assert result.exit_code == 0, result.output
    url = re.search(r"(/staff/login\?t=\S+)", result.output)
    assert url and web.get(url.group(1)).status_code == 303
    return web


def _csrf(web: FlaskClient) -> str:
    html = web.get("/staff/content").get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def _held_log(app: Flask, note: str = HELD_NOTE) -> FulfilmentLog:
    with app.extensions["db"].session() as s:
        entry = s.scalars(select(FulfilmentLog).where(FulfilmentLog.note == note)).one()
        s.expunge(entry)
        return entry


def _status(app: Flask, model: type, obj_id: int) -> str:
    with app.extensions["db"].session() as s:
        return s.get_one(model, obj_id).content_status


def _shown(app: Flask, code: str, note: str) -> bool:
    """Whether the public card shows ``note`` (the HTML page and the JSON card agree)."""
    client = app.test_client()
    html = client.get(f"/m/{code}").get_data(as_text=True)
    card = client.get(f"/api/v1/members/{code}/card")
    assert card.status_code == 200
    in_json = note in [entry["note"] for entry in card.get_json()["logs"]]
    assert (note in html) == in_json, "HTML and JSON cards disagree"
    return in_json


def _audits(app: Flask) -> list[tuple[str, str, int]]:
    with app.extensions["db"].session() as s:
        rows = s.execute(
            select(StaffAudit.action, StaffAudit.target, StaffAudit.status).order_by(StaffAudit.id)
        )
        return [tuple(r) for r in rows if r[0].startswith("staff.content")]


def _timeline(app: Flask, commitment_id: int) -> list[tuple[str, str]]:
    with app.extensions["db"].session() as s:
        rows = s.execute(
            select(TimelineEntry.action, TimelineEntry.note)
            .where(
                TimelineEntry.commitment_id == commitment_id,
                TimelineEntry.action.in_(["content_approved", "content_rejected"]),
            )
            .order_by(TimelineEntry.id)
        )
        return [tuple(r) for r in rows]


def _bot_log(app: Flask, w: World) -> FulfilmentLog:
    reply = _say(app, w.author_openid, f"践诺 1 {HELD_NOTE}")
    assert "已记录践诺" in reply and "支部书记审核" in reply
    entry = _held_log(app)
    assert entry.content_status == "held"
    assert not _shown(app, w.member_code, HELD_NOTE)
    return entry


def test_the_secretary_approves_a_held_log_and_the_public_card_shows_it(app: Flask) -> None:
    w = _world(app)
    web = _login(app, w.secretary)
    assert EMPTY in web.get("/staff/content").get_data(as_text=True)
    assert "待审核内容" not in web.get("/staff/").get_data(as_text=True)  # nothing when 0
    entry = _bot_log(app, w)

    dashboard = web.get("/staff/").get_data(as_text=True)
    assert 'href="/staff/content"><b>待审核内容 1 条</b></a>' in dashboard
    assert '<a href="/staff/content">内容审核</a>' in dashboard  # the menu entry
    html = web.get("/staff/content").get_data(as_text=True)
    assert EMPTY not in html
    item = html[html.index(f'id="log-{entry.id}"') :]
    for shown in ("践诺记录", "王建国", "东村党支部", "承诺：劝导村民远离赌博", HELD_NOTE):
        assert shown in item, shown
    assert f'action="/staff/content/log/{entry.id}"' in item

    token = _csrf(web)
    resp = web.post(
        f"/staff/content/log/{entry.id}", data={"csrf_token": token, "decision": "approve"}
    )
    assert resp.status_code == 303 and "/staff/content?done=" in resp.headers["Location"]
    page = web.get(resp.headers["Location"]).get_data(as_text=True)
    assert "已准予公开这条践诺记录" in page and EMPTY in page
    assert _status(app, FulfilmentLog, entry.id) == "pass"
    assert _shown(app, w.member_code, HELD_NOTE)
    assert "待审核内容" not in web.get("/staff/").get_data(as_text=True)
    assert _timeline(app, w.commitment_id) == [("content_approved", "践诺记录准予公开")]
    assert _audits(app) == [("staff.content_decide_log", f"/staff/content/log/{entry.id}", 303)]


def test_refusing_needs_a_reason_then_the_log_stays_hidden(app: Flask) -> None:
    w = _world(app)
    entry = _bot_log(app, w)
    web = _login(app, w.secretary)
    token = _csrf(web)
    path = f"/staff/content/log/{entry.id}"

    resp = web.post(path, data={"csrf_token": token, "decision": "reject"})
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    item = html[html.index(f'id="log-{entry.id}"') :]
    assert (
        '<p class="error" role="alert">不予公开时请写明理由（至少两个字）</p>' in item
    )  # next to the form
    assert _status(app, FulfilmentLog, entry.id) == "held"  # nothing changed
    resp = web.post(path, data={"csrf_token": token, "decision": "reject", "reason": "涉"})
    assert resp.status_code == 400
    assert 'name="reason" maxlength="500" value="涉"' in resp.get_data(as_text=True)  # kept
    assert _timeline(app, w.commitment_id) == []

    reason = "涉及赌博字眼，请改写"
    resp = web.post(path, data={"csrf_token": token, "decision": "reject", "reason": reason})
    assert resp.status_code == 303
    assert "已不予公开这条践诺记录" in web.get(resp.headers["Location"]).get_data(as_text=True)
    assert _status(app, FulfilmentLog, entry.id) == "rejected"
    assert not _shown(app, w.member_code, HELD_NOTE)
    assert EMPTY in web.get("/staff/content").get_data(as_text=True)
    assert _timeline(app, w.commitment_id) == [("content_rejected", f"践诺记录不予公开：{reason}")]
    # deciding again: the service's Chinese answer at the top, nothing changed
    resp = web.post(path, data={"csrf_token": token, "decision": "approve"})
    assert resp.status_code == 409 and "这条内容不在待审核状态" in resp.get_data(as_text=True)
    assert _status(app, FulfilmentLog, entry.id) == "rejected"
    assert [(a, s) for a, _, s in _audits(app)] == [
        ("staff.content_decide_log", 400),
        ("staff.content_decide_log", 400),
        ("staff.content_decide_log", 303),
        ("staff.content_decide_log", 409),
    ]


def test_only_the_managing_secretary_or_township_decides_and_never_their_own(
    app: Flask,
) -> None:
    w = _world(app)
    entry = _bot_log(app, w)
    path = f"/staff/content/log/{entry.id}"

    other = _login(app, w.other_secretary)  # 西村's secretary
    assert EMPTY in other.get("/staff/content").get_data(as_text=True)
    assert "待审核内容" not in other.get("/staff/").get_data(as_text=True)
    resp = other.post(path, data={"csrf_token": _csrf(other), "decision": "approve"})
    assert resp.status_code == 403 and "没有权限" in resp.get_data(as_text=True)
    assert _status(app, FulfilmentLog, entry.id) == "held"

    leader = _login(app, w.group_leader)
    page = leader.get("/staff/content")
    assert page.status_code == 403 and "只对街镇管理员、支部书记开放" in page.get_data(as_text=True)
    assert "内容审核" not in leader.get("/staff/").get_data(as_text=True)  # not in the menu

    # the secretary's own held log: not listed to them, and they cannot approve it
    _say(app, w.secretary_openid, f"践诺 1 提醒大家{WORD}是骗局 1次")
    own = _held_log(app, f"提醒大家{WORD}是骗局 1次")
    assert own.content_status == "held"
    secretary = _login(app, w.secretary)
    html = secretary.get("/staff/content").get_data(as_text=True)
    assert f'id="log-{entry.id}"' in html and f'id="log-{own.id}"' not in html
    resp = secretary.post(
        f"/staff/content/log/{own.id}", data={"csrf_token": _csrf(secretary), "decision": "approve"}
    )
    assert resp.status_code == 403 and "不能审核自己写的内容" in resp.get_data(as_text=True)
    assert _status(app, FulfilmentLog, own.id) == "held"

    # the township admin sees both and decides the secretary's
    admin = _login(app, w.township_admin)
    html = admin.get("/staff/content").get_data(as_text=True)
    assert f'id="log-{entry.id}"' in html and f'id="log-{own.id}"' in html
    assert "待审核内容 2 条" in admin.get("/staff/").get_data(as_text=True)
    resp = admin.post(
        f"/staff/content/log/{own.id}", data={"csrf_token": _csrf(admin), "decision": "approve"}
    )
    assert resp.status_code == 303 and _status(app, FulfilmentLog, own.id) == "pass"
    assert [(a, s) for a, _, s in _audits(app)] == [
        ("staff.content_decide_log", 403),
        ("staff.content_decide_log", 403),
        ("staff.content_decide_log", 303),
    ]


def test_a_held_commitment_is_approved_from_the_console(app: Flask) -> None:
    w = _world(app)
    with app.extensions["db"].session() as s:
        c = s.get_one(Commitment, w.commitment_id)
        c.description = f"发现有人卖{WORD}就劝阻"
        content.gate(s, "commitment", c, author_account_id=None)  # the service's own gate
        s.commit()
        assert c.content_status == "held"
    web = _login(app, w.secretary)
    html = web.get("/staff/content").get_data(as_text=True)
    item = html[html.index(f'id="commitment-{w.commitment_id}"') :]
    assert "承诺 · 王建国" in item and f"发现有人卖{WORD}就劝阻" in item
    resp = web.post(
        f"/staff/content/commitment/{w.commitment_id}",
        data={"csrf_token": _csrf(web), "decision": "approve"},
    )
    assert resp.status_code == 303
    assert "已准予公开这条承诺" in web.get(resp.headers["Location"]).get_data(as_text=True)
    assert _status(app, Commitment, w.commitment_id) == "pass"
    assert _timeline(app, w.commitment_id) == [("content_approved", "承诺内容准予公开")]
    assert _audits(app) == [
        (
            "staff.content_decide_commitment",
            f"/staff/content/commitment/{w.commitment_id}",
            303,
        )
    ]


def test_a_deputy_secretary_is_told_who_reviews_and_has_no_menu_entry(app: Flask) -> None:
    """A 副书记 has the branch console but does not decide held texts: no 内容审核 in the menu,
    and the page (opened by its address) says who does, instead of "nothing waiting"."""
    w = _world(app)
    _say(app, w.author_openid, f"践诺 1 {HELD_NOTE}")
    with app.extensions["db"].session() as s:
        t_branch = s.get_one(Commitment, w.commitment_id).org_id
        deputy = f.member(s, s.get_one(Organisation, t_branch), "钱副书记")
        f.grant(s, "deputy_secretary", s.get_one(Organisation, t_branch), member=deputy)
        deputy_account = f.account(s, deputy).id
        s.commit()
    web = _login(app, deputy_account)
    home = web.get("/staff/").get_data(as_text=True)
    assert "承诺审核" in home  # the branch console
    assert "内容审核" not in home and "待审核内容" not in home
    page = web.get("/staff/content").get_data(as_text=True)
    assert "内容审核由支部书记和街镇管理员负责" in page and EMPTY not in page
    assert HELD_NOTE not in page
    # the secretary still sees the entry and the item
    secretary = _login(app, w.secretary).get("/staff/content").get_data(as_text=True)
    assert HELD_NOTE in secretary


def test_the_branch_secretary_is_told_when_a_text_is_held(app: Flask) -> None:
    """The held log reaches the secretary as a notice (official account), naming the author,
    the text and where to decide; the author is not told to review their own text."""
    w = _world(app)
    reply = _say(app, w.author_openid, f"践诺 1 {HELD_NOTE}")
    assert "审核" in reply  # the member learns it waits for a decision
    with app.extensions["db"].session() as s:
        rows = s.scalars(
            select(OutboundMessage).where(OutboundMessage.idempotency_key.like("content-held:%"))
        ).all()
        assert [r.recipient for r in rows] == [w.secretary_openid]
        text = text_of(json.loads(rows[0].payload)["notice"])
    assert "王建国的践诺记录含需要审核的词" in text and HELD_NOTE[:10] in text
    assert "内容审核" in text and "待审核内容" in text


def test_the_secretarys_own_held_text_goes_to_the_township(app: Flask) -> None:
    """The secretary cannot decide their own text: the township's admins are told instead."""
    w = _world(app)
    _say(app, w.secretary_openid, f"践诺 1 {HELD_NOTE}")
    with app.extensions["db"].session() as s:
        admin_openid = s.get_one(Account, w.township_admin).oa_openid
        recipients = s.scalars(
            select(OutboundMessage.recipient).where(
                OutboundMessage.idempotency_key.like("content-held:%")
            )
        ).all()
    assert admin_openid and recipients == [admin_openid]  # not the secretary who wrote it


def test_a_mini_program_only_secretary_gets_a_subscription_message_opening_the_review(
    app: Flask,
) -> None:
    """Without the official account, the secretary's accepted 待办 subscription carries the
    notice; it opens the mini-program's 内容审核 page and shows which text waits."""
    from delivery.notices import subscription_of
    from services import subscriptions

    w = _world(app)
    with app.extensions["db"].session() as s:
        secretary = s.get_one(Account, w.secretary)
        secretary.oa_openid, secretary.mp_openid = None, "mp-zhao"
        offered = subscriptions.offered("", "TPL-TASK")
        subscriptions.record(
            s, secretary.id, "inbox", [{"template_id": "TPL-TASK", "decision": "accept"}], offered
        )
        s.commit()
    _say(app, w.author_openid, f"践诺 1 {HELD_NOTE}")
    with app.extensions["db"].session() as s:
        (row,) = s.scalars(
            select(OutboundMessage).where(OutboundMessage.idempotency_key.like("content-held:%"))
        ).all()
        assert (row.channel, row.recipient) == ("subscription", "mp-zhao")
        payload = json.loads(row.payload)
    message = subscription_of(payload["notice"], payload["template_id"])
    assert message["page"] == "pages/content-review/index"
    assert set(message["data"]) == {"thing1", "character_string2", "thing3"}
    assert message["data"]["character_string2"]["value"].startswith("记录")
    assert HELD_NOTE[:8] in message["data"]["thing1"]["value"]


def test_many_held_texts_come_a_page_at_a_time(db_url: str, tmp_path: Path) -> None:
    """A busy township: the held texts come ``staff.page_size`` at a time, oldest first, with
    the count and the way to the next page; deciding one on page 2 comes back to page 2."""
    before = content.policy()
    app = create_app(
        make_config(db_url, tmp_path, content={"blocked_words": [WORD]}, staff={"page_size": 5})
    )
    try:
        w = _world(app)
        who = ["甲", "乙", "丙", "丁", "戊", "己", "庚"]
        for name in who:
            assert "支部书记审核" in _say(app, w.author_openid, f"践诺 1 劝{name}家别买{WORD}")
        web = _login(app, w.secretary)
        first = web.get("/staff/content").get_data(as_text=True)
        assert "第 1 / 2 页，共 7 条" in first and first.count('class="commitment staff-item"') == 5
        assert "劝甲家" in first and "劝庚家" not in first
        second = web.get("/staff/content?page=2").get_data(as_text=True)
        assert second.count('class="commitment staff-item"') == 2 and "劝庚家" in second
        with app.extensions["db"].session() as s:
            held = s.scalars(select(FulfilmentLog).where(FulfilmentLog.note.like("劝庚家%"))).one()
        resp = web.post(
            f"/staff/content/log/{held.id}",
            data={"csrf_token": _csrf(web), "decision": "approve", "page": "2"},
        )
        assert resp.status_code == 303 and "page=2" in resp.headers["Location"]
        back = web.get(resp.headers["Location"]).get_data(as_text=True)
        assert "已准予公开这条践诺记录" in back and "共 6 条" in back
    finally:
        app.extensions["db"].dispose()
        content.configure(before.blocked_words, wechat=before.wechat)
