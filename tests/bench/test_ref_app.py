"""The callback benchmark's reference (``bench/ref_app.py``) does the durable work it stands
for on the project's schema: one fulfilment log and one inbound row per message, a retried
message answered from the inbound row without a second log, and the member's numbered list."""

from __future__ import annotations

import sqlite3

import pytest

from bench import ref_app

OPENID = "demo-oa-member-13907310001"  # a bound demo member with published commitments


@pytest.mark.demo_township
def test_reference_logs_once_and_answers_a_retry_alike(sqlite_url: str) -> None:
    path = sqlite_url.removeprefix("sqlite:///")
    conn = ref_app._connect(path)
    try:
        before = conn.execute("SELECT COUNT(*) FROM fulfilment_log").fetchone()[0]
        first = ref_app.handle(conn, OPENID, "9001", "践诺 1 浇水")
        again = ref_app.handle(conn, OPENID, "9001", "践诺 1 浇水")
        other = ref_app.handle(conn, OPENID, "9002", "践诺 1 浇水")
        after = conn.execute("SELECT COUNT(*) FROM fulfilment_log").fetchone()[0]
        inbound = conn.execute(
            "SELECT COUNT(*) FROM inbound_message WHERE openid = ?", (OPENID,)
        ).fetchone()[0]
        assert first.startswith("已记录践诺") and again == first
        assert other != first  # the running total moved on
        assert after - before == 2 and inbound == 2
        assert "没有第 99 项承诺" in ref_app.handle(conn, OPENID, "9003", "践诺 99 浇水")
        assert "绑定" in ref_app.handle(conn, "o-nobody", "9004", "践诺 1 浇水")
    finally:
        conn.close()
    with sqlite3.connect(path) as check:  # committed, visible to another connection
        assert check.execute("SELECT COUNT(*) FROM fulfilment_log").fetchone()[0] == after
