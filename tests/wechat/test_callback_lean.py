"""The lean callback (issue 20): one "践诺 1 浇水" through the real endpoint (signed and
encrypted, as WeChat sends it) costs at most 6 SQL statements, and the write transaction
starts only after every lookup, so SQLite's write lock is held for the inserts and the
commit alone. The same reply, the same rows and the same dedupe guarantees as before."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event, func, select

from app import create_app
from models import Commitment, FulfilmentLog, InboundMessage
from services.org import bindcodes
from tests import factories

from .conftest import Wx, commitment_fields, oa_config
from .wxcrypto import text_xml

TARGET = 6  # statements, transaction control (BEGIN, SAVEPOINT, RELEASE, COMMIT) aside
CONTROL = ("BEGIN", "SAVEPOINT", "RELEASE", "COMMIT", "ROLLBACK", "<")
OPENID = "o-member-lean"


@dataclass
class Bound:
    app: Flask
    wx: Wx
    member_id: int
    commitment_id: int


@pytest.fixture
def bound(oa_app: Flask, wx: Wx) -> Bound:
    return _bind(oa_app, wx)


def _bind(oa_app: Flask, wx: Wx) -> Bound:
    """A bound member with a published own commitment and the branch's, and one earlier log
    (first-use caches warm)."""
    db = oa_app.extensions["db"]
    with db.session() as s:
        orgs = factories.tree(s)
        member = factories.member(s, orgs["branch"], "王建国")
        own = factories.published(s, member, "给村东生产路树木浇水", **commitment_fields())
        branch = factories.published(s, member, "支部每月打扫村口", **commitment_fields())
        branch.owner_kind, branch.member_id = "branch", None
        code = bindcodes.issue(s, member).code
        s.flush()
        ids = (member.id, own.id)
    assert "绑定成功" in wx.say(OPENID, f"绑定 {code}")
    assert "已记录践诺" in wx.say(OPENID, "践诺 1 扫地 2次")
    return Bound(oa_app, wx, *ids)


@pytest.fixture
def statements(bound: Bound) -> Iterator[list[str]]:
    """Every statement the engine runs while the block under it runs."""
    seen: list[str] = []

    def on_execute(*args: Any) -> None:
        seen.append(" ".join(str(args[2]).split()))

    def on_begin(_conn: Any) -> None:
        seen.append("<transaction begins>")

    engine = bound.app.extensions["db"].engine
    event.listen(engine, "before_cursor_execute", on_execute)
    event.listen(engine, "begin", on_begin)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)
        event.remove(engine, "begin", on_begin)


def _logs(app: Flask) -> list[tuple[int, int, str]]:
    with app.extensions["db"].session() as s:
        rows = s.execute(
            select(FulfilmentLog.commitment_id, FulfilmentLog.quantity, FulfilmentLog.note)
            .order_by(FulfilmentLog.id)
        )  # fmt: skip
        return [tuple(r) for r in rows]  # type: ignore[misc]


def test_one_log_message_costs_at_most_six_statements(bound: Bound, statements: list[str]) -> None:
    reply = bound.wx.say(OPENID, "践诺 1 浇水")
    assert "已记录践诺：给村东生产路树木浇水，数量 1次" in reply
    assert "当前进度：25%（正常推进，3/12）" in reply, reply
    counted = [sql for sql in statements if not sql.upper().startswith(CONTROL)]
    assert len(counted) <= TARGET, "\n".join(counted)
    assert not any(sql.upper().startswith(("SAVEPOINT", "RELEASE")) for sql in statements)
    assert _logs(bound.app)[-1] == (bound.commitment_id, 1, "浇水")


def test_the_write_transaction_starts_after_the_lookups(
    bound: Bound, statements: list[str]
) -> None:
    """The transaction that writes the log reads nothing: every SELECT comes before it
    begins (on SQLite its BEGIN IMMEDIATE takes the one write lock; on PostgreSQL too the
    engine's begin event marks it)."""
    bound.wx.say(OPENID, "践诺 1 浇水")
    log = next(i for i, s in enumerate(statements) if s.startswith("INSERT INTO fulfilment_log"))
    begin = max(i for i, s in enumerate(statements[:log]) if s == "<transaction begins>")
    inside = statements[begin:]
    assert [s for s in inside if s.upper().startswith("SELECT")] == [], "\n".join(statements)
    written = [s.split(" (")[0] for s in inside[1:] if not s.upper().startswith("BEGIN")]
    # the replay window's row too (no Redis here), expired ones deleted once a minute
    assert [w for w in written if not w.startswith("DELETE FROM callback_nonce")] == [
        "INSERT INTO callback_nonce",
        "INSERT INTO inbound_message",
        "INSERT INTO fulfilment_log",
    ]
    # two transactions in all: the reads, then this one (one write lock per message)
    assert statements.count("<transaction begins>") == 2, "\n".join(statements)
    reads = [i for i, s in enumerate(statements) if s.upper().startswith("SELECT")]
    assert len(reads) >= 2 and max(reads) < begin  # the lookups ran, all before it
    # the inbound row is written once, with its reply (no UPDATE of it afterwards)
    assert not any(s.startswith("UPDATE") for s in statements)


def test_the_same_delivery_twice_is_logged_once_and_answered_alike(bound: Bound) -> None:
    msg_id = bound.wx.next_msg_id()
    first = bound.wx.say(OPENID, "践诺 1 浇水 2次", msg_id)
    again = bound.wx.say(OPENID, "践诺 1 浇水 2次", msg_id)
    assert "已记录践诺" in first and again == first
    assert [log for log in _logs(bound.app) if log[2] == "浇水 2次"] == [
        (bound.commitment_id, 2, "浇水 2次")
    ]
    with bound.app.extensions["db"].session() as s:
        stored = s.scalar(
            select(InboundMessage.reply).where(InboundMessage.dedupe_key == f"msg:{msg_id}")
        )
    assert stored == first


def test_the_same_log_again_is_asked_about_not_saved(bound: Bound) -> None:
    """The duplicate-log question costs no write: the log is not saved until "1"."""
    assert "已记录践诺" in bound.wx.say(OPENID, "践诺 1 浇水")
    again = bound.wx.say(OPENID, "践诺 1 浇水")
    assert "刚才已经记过一次" in again and "第 1 条 给村东生产路树木浇水" in again
    assert len([log for log in _logs(bound.app) if log[2] == "浇水"]) == 1
    assert "已记录践诺" in bound.wx.say(OPENID, "1")
    assert len([log for log in _logs(bound.app) if log[2] == "浇水"]) == 2


def test_a_branch_commitment_by_its_number(bound: Bound) -> None:
    reply = bound.wx.say(OPENID, "践诺 2 打扫 1次")
    assert "已记录践诺：支部每月打扫村口，数量 1次" in reply
    assert "当前进度：8%" in reply


def test_a_message_that_fails_writes_nothing_but_its_answer(bound: Bound) -> None:
    """A refused log (a number off the list keeps a note; a bad quantity keeps nothing)
    answers in Chinese and leaves no log."""
    before = _logs(bound.app)
    assert "数量应为 1 到 10000" in bound.wx.say(OPENID, "践诺 1 浇水 x20000")
    assert _logs(bound.app) == before
    with bound.app.extensions["db"].session() as s:
        replies = list(s.scalars(select(InboundMessage.reply).order_by(InboundMessage.id)))
    assert "数量应为 1 到 10000" in replies[-1]


def test_a_new_sender_gets_an_account_once(bound: Bound) -> None:
    xml = text_xml("o-new-lean", "践诺 1 浇水", bound.wx.next_msg_id())
    reply = bound.wx.decode(bound.wx.post_xml(xml)).get("Content", "")
    assert "您还没有绑定党员身份" in reply
    with bound.app.extensions["db"].session() as s:
        assert s.scalar(select(func.count(Commitment.id))) == 2


def test_the_callback_does_no_rate_limit_bookkeeping(bound: Bound) -> None:
    """Flask-Limiter's hooks stay off WeChat's signed callback (its request identifier is
    never asked), while an API write is still counted."""
    limiter = bound.app.extensions["jiannuo.api.limiter"]
    asked: list[str] = []
    identify = limiter._request_identifier
    limiter._request_identifier = lambda: asked.append("asked") or identify()
    try:
        assert "已记录践诺" in bound.wx.say(OPENID, "践诺 1 浇水 4次")
        assert asked == []
        bound.wx.client.post("/api/v1/requests", json={})
        assert asked
    finally:
        limiter._request_identifier = identify


def test_a_delivery_taken_between_the_reads_and_the_write_is_answered_alike(
    bound: Bound, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another worker handles the same delivery after this one's reads: this one's insert
    fails on the inbound row's unique key, nothing of it is kept, and it answers the
    winner's reply."""
    from handlers.bot import inbound as bot_inbound
    from handlers.bot import lean

    real_plan = lean.plan
    winner: list[str] = []

    def plan_then_lose(db: Any, settings: Any, inbound: Any, now: Any) -> Any:
        planned = real_plan(db, settings, inbound, now)
        assert planned is not None  # this delivery took the lean path
        if not winner:
            monkeypatch.setattr(lean, "plan", real_plan)
            winner.append(bot_inbound.handle(db, settings, inbound))
        return planned

    monkeypatch.setattr(lean, "plan", plan_then_lose)
    before = len(_logs(bound.app))
    reply = bound.wx.say(OPENID, "践诺 1 浇水 5次")
    assert winner and "已记录践诺" in winner[0] and reply == winner[0]
    assert len(_logs(bound.app)) == before + 1


def test_a_seen_nonce_cannot_carry_another_log(bound: Bound) -> None:
    """The replay window folded into the log's transaction still refuses a second message
    on a used (timestamp, nonce) with nothing written, and lets a retry of the same message
    through to the stored reply."""
    wx = bound.wx
    ts, nonce = str(int(time.time())), "lean-replay"
    first_xml = text_xml(OPENID, "践诺 1 浇水 6次", wx.next_msg_id())
    first = wx.decode(wx.post_xml(first_xml, ts=ts, nonce=nonce))["Content"]
    assert "已记录践诺" in first
    before = (_logs(bound.app), _inbound_rows(bound.app))
    forged = wx.post_xml(text_xml(OPENID, "践诺 1 浇水 9次", wx.next_msg_id()), ts=ts, nonce=nonce)
    assert forged.status_code == 403
    assert (_logs(bound.app), _inbound_rows(bound.app)) == before
    retry = wx.decode(wx.post_xml(first_xml, ts=ts, nonce=nonce))["Content"]
    assert retry == first
    assert (_logs(bound.app), _inbound_rows(bound.app)) == before


def _inbound_rows(app: Flask) -> int:
    with app.extensions["db"].session() as s:
        return s.scalar(select(func.count(InboundMessage.id))) or 0


@pytest.mark.redis
def test_with_redis_the_log_costs_four_statements(
    db_url: str, tmp_path: Path, fake_wechat: Any
) -> None:
    """With Redis keeping the replay window and the first dedupe, the database sees the two
    lookups and the two inserts, and the same delivery again is answered alike."""
    from tests.conftest import REDIS_URL

    if not REDIS_URL:
        pytest.skip("TEST_REDIS_URL not set")
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    config = oa_config(db_url, tmp_path, fake_wechat.base_url)
    config["redis"] = {"url": REDIS_URL}
    app = create_app(config)
    try:
        b = _bind(app, Wx(app.test_client()))
        seen: list[str] = []

        def on_execute(*args: Any) -> None:
            seen.append(str(args[2]).split(" (")[0].split(" FROM ")[0][:40])

        event.listen(app.extensions["db"].engine, "before_cursor_execute", on_execute)
        msg_id = b.wx.next_msg_id()
        reply = b.wx.say(OPENID, "践诺 1 浇水 7次", msg_id)
        event.remove(app.extensions["db"].engine, "before_cursor_execute", on_execute)
        assert "已记录践诺" in reply
        counted = [s for s in seen if not s.upper().startswith(CONTROL)]
        assert len(counted) == 4, seen
        assert b.wx.say(OPENID, "践诺 1 浇水 7次", msg_id) == reply
        assert [log for log in _logs(app) if log[2] == "浇水 7次"] == [
            (b.commitment_id, 7, "浇水 7次")
        ]
    finally:
        app.extensions["db"].dispose()
