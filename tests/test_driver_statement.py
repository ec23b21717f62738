"""``models.driver.DriverStatement`` (the callback's statements on the driver's cursor) stores
and finds what SQLAlchemy's own execution stores and finds, on SQLite and PostgreSQL: the same
rows for a select with a time-zone-aware datetime, SQLAlchemy's ``IntegrityError`` for a unique
key, the engine's statement events, and a refusal to compile an insert that leaves a column
with a Python-side default to an execution context it does not have."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest
from sqlalchemy import Table, bindparam, event, exc, insert, select

from models import ChatState, InboundMessage
from models.db import Database
from models.driver import DriverStatement

TABLE = cast(Table, InboundMessage.__table__)
COLUMNS = ("dedupe_key", "openid", "msg_type", "reply", "created_at")
INSERT = DriverStatement(insert(TABLE), COLUMNS)
SINCE_QUERY = (
    select(TABLE.c.dedupe_key, TABLE.c.reply)
    .where(TABLE.c.created_at >= bindparam("since"), TABLE.c.openid == bindparam("openid"))
    .order_by(TABLE.c.dedupe_key)
)
SINCE = DriverStatement(SINCE_QUERY)


def _row(key: str, at: datetime) -> dict[str, Any]:
    return {"dedupe_key": key, "openid": "o", "msg_type": "text", "reply": "好", "created_at": at}


def test_rows_written_and_read_on_the_cursor_match_sqlalchemys(database: Database) -> None:
    now = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    with database.engine.connect() as conn:
        conn.begin()
        INSERT.run(conn, _row("a", now - timedelta(hours=2)))
        conn.execute(insert(TABLE), _row("b", now))  # SQLAlchemy's own, to compare
        INSERT.run(conn, _row("c", now + timedelta(minutes=1)))
        conn.commit()
    with database.engine.connect() as conn:
        params = {"since": now - timedelta(minutes=30), "openid": "o"}
        core = [tuple(r) for r in conn.execute(SINCE_QUERY, params)]
        assert SINCE.run(conn, params) == core == [("b", "好"), ("c", "好")]
        # the cursor wrote the time as SQLAlchemy does: its own read finds it
        found = conn.execute(select(TABLE.c.created_at).where(TABLE.c.dedupe_key == "a"))
        assert found.scalar_one() == now - timedelta(hours=2)


def test_a_unique_key_is_sqlalchemys_integrity_error_and_events_see_the_statement(
    database: Database,
) -> None:
    seen: list[str] = []

    def on_execute(*args: Any) -> None:
        seen.append(str(args[2]).split()[0])

    event.listen(database.engine, "before_cursor_execute", on_execute)
    try:
        now = datetime.now(UTC)
        with database.engine.connect() as conn:
            conn.begin()
            INSERT.run(conn, _row("dup", now))
            with pytest.raises(exc.IntegrityError):
                INSERT.run(conn, _row("dup", now))
            conn.rollback()
    finally:
        event.remove(database.engine, "before_cursor_execute", on_execute)
    assert seen.count("INSERT") == 2


def test_an_insert_must_give_every_column_with_a_python_default(database: Database) -> None:
    table = cast(Table, ChatState.__table__)
    missing = DriverStatement(insert(table), ("account_id", "kind"))  # no payload, created_at
    with database.engine.connect() as conn, pytest.raises(ValueError, match="Python defaults"):
        missing.run(conn, {"account_id": 1, "kind": "x"})
