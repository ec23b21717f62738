"""Engine and session factory.

SQLite (the embedded default) gets WAL, a busy timeout, foreign keys, and write
transactions that start with ``BEGIN IMMEDIATE`` so that two writers queue on the busy
timeout instead of failing with "database is locked" when a read lock is upgraded.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

try:
    import fcntl
except ImportError:  # not POSIX: threads still queue on the process's lock
    fcntl = None  # type: ignore[assignment]

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
        # reads: on SQLite ``BEGIN DEFERRED``, which takes no write lock
        self.read_engine = self.engine.execution_options(sqlite_begin="DEFERRED")
        self.read_factory = sessionmaker(self.read_engine, expire_on_commit=False)

        self._writers = threading.Lock()
        self._queue_path = _queue_file(self.engine)
        self._queue_fd: int | None = None
        self._queue_pid = 0  # the process that opened ``_queue_fd`` (a forked child reopens)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def write_queue(self) -> Any:
        """Where a short write transaction waits its turn on SQLite (a context manager to
        hold around ``BEGIN IMMEDIATE`` … ``COMMIT``; nothing on PostgreSQL).

        SQLite lets one writer in at a time; the others sleep in its busy handler (1, 2, 5,
        10 … ms between tries) even when the lock is free again after 0.2 ms. Writers that
        queue here instead are woken the moment the previous one is done: this process's
        threads on a mutex, and the processes (gunicorn workers) on an ``flock`` of a file
        beside the database (the kernel wakes the next one). Writers that do not queue here
        still meet in the busy handler, as before. Not re-entrant: hold it around one
        transaction, never around code that opens another write transaction."""
        if self._queue_path is None:
            return nullcontext()
        return self._queued()

    @contextmanager
    def _queued(self) -> Iterator[None]:
        assert self._queue_path is not None
        with self._writers:
            fd = self._queue_fd
            if fcntl is not None and (fd is None or self._queue_pid != os.getpid()):
                # after a fork the inherited descriptor shares its lock with the parent's
                fd = self._queue_fd = os.open(self._queue_path, os.O_RDWR | os.O_CREAT, 0o600)
                self._queue_pid = os.getpid()
            if fd is None:
                yield
                return
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)

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
        with self._writers:
            if self._queue_fd is not None:
                os.close(self._queue_fd)
                self._queue_fd = None


def _queue_file(engine: Engine) -> str | None:
    """The file SQLite writers queue on (``write_queue``): beside the database; ``None`` for
    other databases and for an in-memory one (one process: the mutex alone would do, but an
    in-memory database is only used by tests)."""
    if engine.dialect.name != "sqlite":
        return None
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return database + "-writers"
