"""Engine and session factory.

SQLite (the embedded default) gets WAL, a busy timeout, foreign keys, and write
transactions that start with ``BEGIN IMMEDIATE`` so that two writers queue on the busy
timeout instead of failing with "database is locked" when a read lock is upgraded.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_TIMEOUT_MS = 30_000


POOL_RECYCLE_SECONDS = 1800


def make_engine(
    url: str,
    echo: bool = False,
    root: Path | None = None,
    *,
    pool_recycle: int = POOL_RECYCLE_SECONDS,
    pre_ping: bool = False,
) -> Engine:
    """The engine; for PostgreSQL a pool whose connections are recycled after
    ``pool_recycle`` seconds rather than pinged at every checkout (``pre_ping``: one more round
    trip per request). Should the server restart, the first query on a dead connection fails
    and SQLAlchemy invalidates the whole pool, so only that one request sees an error."""
    parsed = make_url(url)
    kwargs: dict[str, Any] = {"echo": echo, "future": True}
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:" and not Path(database).is_absolute() and root:
            path = root / database
            path.parent.mkdir(parents=True, exist_ok=True)
            parsed = parsed.set(database=str(path))
        kwargs["connect_args"] = {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
        engine = create_engine(parsed, **kwargs)
        _configure_sqlite(engine)
        return engine
    kwargs.update(pool_pre_ping=pre_ping, pool_recycle=pool_recycle, pool_size=10, max_overflow=20)
    if parsed.get_driver_name() == "psycopg":
        # JIT compilation costs more than it saves on this app's short queries (and 0.4 s on
        # the district summary's aggregate); see README.
        kwargs["connect_args"] = {"options": "-c jit=off"}
    return create_engine(parsed, **kwargs)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy, not pysqlite, decide when transactions begin.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        if engine.url.database not in (None, "", ":memory:"):
            cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "IMMEDIATE")
        conn.exec_driver_sql(f"BEGIN {mode}")


class Database:
    """The app's one engine and session factory (bound into Flask with ``init_app``)."""

    def __init__(
        self,
        url: str,
        echo: bool = False,
        root: Path | None = None,
        *,
        pool_recycle: int = POOL_RECYCLE_SECONDS,
        pre_ping: bool = False,
    ) -> None:
        self.url = url
        self.engine = make_engine(
            url, echo=echo, root=root, pool_recycle=pool_recycle, pre_ping=pre_ping
        )
        self.session_factory = sessionmaker(self.engine, expire_on_commit=False)
        readonly_engine = self.engine.execution_options(sqlite_begin="DEFERRED")
        self.read_factory = sessionmaker(readonly_engine, expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: commits on success, rolls back on any error."""
        session = self.session_factory()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        self.engine.dispose()
