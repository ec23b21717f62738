"""The bar for the lean callback (issue 20): one "践诺 1 浇水" through the real endpoint
(signed, encrypted) costs at most 6 SQL statements, and the write transaction starts only after
every lookup, so SQLite's write lock is held for the inserts and the commit alone.

Strict xfail until the callback is rewritten (the bot is being changed in another branch):
it then has to pass, and the marker has to go."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import event, func, select

from models import FulfilmentLog
from services.org import bindcodes
from tests import factories

from .conftest import Wx, commitment_fields

TARGET = 6  # statements, transaction control (BEGIN, SAVEPOINT, RELEASE, COMMIT) aside
CONTROL = ("BEGIN", "SAVEPOINT", "RELEASE", "COMMIT", "ROLLBACK")


@pytest.fixture
def logged(oa_app: Flask, wx: Wx) -> Iterator[tuple[list[str], int]]:
    """The statements of one 践诺 message from a bound member, and the logs written."""
    db = oa_app.extensions["db"]
    with db.session() as s:
        orgs = factories.tree(s)
        member = factories.member(s, orgs["branch"], "王建国")
        factories.published(s, member, "给村东生产路树木浇水", **commitment_fields())
        code = bindcodes.issue(s, member).code
        s.commit()
    openid = "o-member-wang"
    assert "绑定成功" in wx.say(openid, f"绑定 {code}")
    assert "已记录践诺" in wx.say(openid, "践诺 1 浇水")  # warm: first-use caches
    seen: list[str] = []

    def on_execute(_conn, _cursor, statement, *_args):  # type: ignore[no-untyped-def]
        seen.append(" ".join(statement.split()))

    event.listen(db.engine, "before_cursor_execute", on_execute)
    try:
        reply = wx.say(openid, "践诺 1 浇水")
    finally:
        event.remove(db.engine, "before_cursor_execute", on_execute)
    assert "已记录践诺" in reply
    with db.session() as s:
        logs = s.scalar(select(func.count(FulfilmentLog.id))) or 0
    yield seen, logs


@pytest.mark.xfail(strict=True, reason="issue 20: the lean callback is not written yet")
def test_one_message_costs_at_most_six_statements(logged: tuple[list[str], int]) -> None:
    seen, logs = logged
    assert logs == 2
    counted = [sql for sql in seen if not sql.upper().startswith(CONTROL)]
    assert len(counted) <= TARGET, "\n".join(counted)


@pytest.mark.xfail(strict=True, reason="issue 20: the lean callback is not written yet")
def test_the_write_transaction_starts_after_the_lookups(
    logged: tuple[list[str], int], db_url: str
) -> None:
    """SQLite (its one write lock, taken by ``BEGIN IMMEDIATE``); PostgreSQL locks rows."""
    if not db_url.startswith("sqlite"):
        pytest.skip("SQLite's write lock")
    seen, _logs = logged
    insert = next(i for i, sql in enumerate(seen) if sql.startswith("INSERT INTO fulfilment_log"))
    begin = max(i for i, sql in enumerate(seen[:insert]) if sql.upper().startswith("BEGIN"))
    reads_inside = [sql for sql in seen[begin:] if sql.upper().startswith("SELECT")]
    assert reads_inside == [], "\n".join(seen)


def test_the_counter_sees_the_message(logged: tuple[list[str], int], db_url: str) -> None:
    """The listener above counts the real statements (so the strict xfails can pass one day)."""
    seen, logs = logged
    assert logs == 2
    assert any(sql.startswith("INSERT INTO fulfilment_log") for sql in seen)
    if db_url.startswith("sqlite"):
        assert any(sql.upper().startswith("BEGIN") for sql in seen)  # BEGIN IMMEDIATE
