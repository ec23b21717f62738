"""Fixtures: an app on a fresh migrated database (SQLite always; PostgreSQL when
TEST_DATABASE_URL is set), a client, a CLI runner, and a session for service tests.

The schema is built once per test session (per xdist worker), not per test. SQLite: a template
file is migrated once and each test gets a copy of it (``shutil.copyfile``). PostgreSQL: one
database per worker is migrated once and reset before each test (every table emptied, the
sequences rewound); the database is real and committed, so tests that start other processes
see it. Tests marked ``@pytest.mark.demo_township`` start from the demo township instead
(``demo.load`` run once per session with the marker's keyword arguments, then copied / restored
from a snapshot); ``@pytest.mark.empty_database`` gives an unmigrated database of its own, for
the test that runs the real migrations.
"""

from __future__ import annotations

import fcntl
import itertools
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from app import create_app
from infra import migrate
from infra.clock import local_date
from models.db import Database

pytest_plugins = ["tests.fakes.wechat_api"]

PG_URL = os.environ.get("TEST_DATABASE_URL", "")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "")

BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])

# Redis tests flush or scan one shared Redis database: they take a machine-wide lock, so
# that neither another xdist worker nor another test run on this machine interleaves with
# them. (xdist's ``--dist loadgroup`` would do it per run, but it does not work with pytest 9.)
REDIS_LOCK = Path(tempfile.gettempdir()) / (
    "jiannuo-test-redis-" + uuid.uuid5(uuid.NAMESPACE_URL, REDIS_URL).hex[:8] + ".lock"
)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "demo_township(**load_kwargs): the test database starts as a copy of the demo township",
    )
    config.addinivalue_line(
        "markers", "empty_database: the test database is empty (no migrations applied)"
    )


@pytest.fixture(autouse=True)
def _redis_lock(request: pytest.FixtureRequest) -> Iterator[None]:
    if not (REDIS_URL and request.node.get_closest_marker("redis")):
        yield
        return
    with REDIS_LOCK.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class Templates:
    """Databases built once per session and copied per test."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.run = f"{os.environ.get('PYTEST_XDIST_WORKER', 'gw')}_{uuid.uuid4().hex[:8]}"
        self._sqlite: dict[str, Path] = {}
        self._pg: dict[str, str] = {}
        self._counter = itertools.count()
        self._admin: Engine | None = None
        self._pg_engine: Engine | None = None
        self._pg_name = ""
        self._pg_tables: list[str] = []
        self._pg_sequences: list[str] = []
        self._pg_snapshots: dict[str, dict[str, tuple[Any, ...]]] = {}

    @staticmethod
    def key(demo: dict[str, Any] | None) -> str:
        if demo is None:
            return "schema"
        # The demo is built "up to today": a new local day is a new template.
        args = sorted({"today": local_date(), **demo}.items())
        return "demo_" + uuid.uuid5(uuid.NAMESPACE_URL, repr(args)).hex[:10]

    @staticmethod
    def _fill(url: str, demo: dict[str, Any] | None, migrated: bool = False) -> None:
        if not migrated:
            migrate.upgrade(url)
        if demo is None:
            return
        from demo import township
        from infra.config import load_settings
        from services import content

        # The content policy is process-wide (create_app sets it): the template is built under
        # a demo-mode app's, whichever app the previous test made.
        before = content.policy()
        settings = load_settings(overrides={"database": {"url": url}})
        content.configure(settings.content.words(), wechat=settings.wechat.mini_program.enabled)
        db = Database(url)
        try:
            with db.session() as s:
                township.load(s, **demo)
        finally:
            db.dispose()
            content.configure(before.blocked_words, wechat=before.wechat)

    # -- SQLite --------------------------------------------------------------------------

    def sqlite_copy(self, dest: Path, demo: dict[str, Any] | None = None) -> str:
        """A copy of the template at ``dest``; returns its URL."""
        key = self.key(demo)
        source = self._sqlite.get(key)
        if source is None:
            source = self.root / f"{key}.db"
            self._fill(f"sqlite:///{source}", demo)
            # Every connection is closed, so the WAL has been checkpointed into the file.
            assert not Path(f"{source}-wal").exists(), "template still has a WAL file"
            self._sqlite[key] = source
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, dest)
        return f"sqlite:///{dest}"

    # -- PostgreSQL ----------------------------------------------------------------------
    # One database per session (per worker), migrated once. Before each test every table is
    # emptied (DELETE with foreign-key triggers off: much faster than TRUNCATE here) and the
    # sequences are rewound; a demo test then gets the rows of a snapshot schema kept in the
    # same database. Connections left over from the previous test are ended first, so no
    # lock of theirs can stall the reset. The reset runs on one connection kept for the
    # session (idle between tests, so it holds no lock): a new backend would first have to
    # load the catalogue of every table it empties, which is most of what a reset costs.

    def _url(self, name: str) -> str:
        return make_url(PG_URL).set(database=name).render_as_string(hide_password=False)

    def _exec(self, sql: str) -> None:
        if self._admin is None:
            self._admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with self._admin.connect() as conn:
            conn.execute(text(sql))

    def _pg_setup(self) -> Engine:
        if self._pg_engine is None:
            name = f"jiannuo_test_{self.run}"
            self._exec(f'CREATE DATABASE "{name}"')
            self._pg_name = name
            migrate.upgrade(self._url(name))
            self._pg_engine = create_engine(
                self._url(name), pool_size=1, max_overflow=0, pool_pre_ping=True
            )
            with self._pg_engine.connect() as conn:
                self._pg_tables = list(
                    conn.scalars(
                        text(
                            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
                            " AND tablename <> 'alembic_version' ORDER BY tablename"
                        )
                    )
                )
                self._pg_sequences = list(
                    conn.scalars(
                        text(
                            "SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'"
                            " ORDER BY sequencename"
                        )
                    )
                )
        return self._pg_engine

    def _pg_reset(self, snapshot: str | None) -> None:
        engine = self._pg_setup()
        with engine.begin() as conn:
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            )
        with engine.begin() as conn:
            extra = set(
                conn.scalars(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'"))
            ) - {*self._pg_tables, "alembic_version"}
            statements = [f'DROP TABLE "{t}" CASCADE' for t in sorted(extra)]
            statements.append("SET LOCAL session_replication_role = replica")
            statements += [f'DELETE FROM public."{t}"' for t in self._pg_tables]
            values = self._pg_snapshots.get(snapshot, {}) if snapshot else {}
            for seq in self._pg_sequences:
                last, called = values.get(seq, (1, False))
                statements.append(f"SELECT setval('public.\"{seq}\"', {last}, {called})")
            if snapshot:
                statements += [
                    f'INSERT INTO public."{t}" SELECT * FROM "{snapshot}"."{t}"'
                    for t in self._pg_tables
                ]
            conn.exec_driver_sql(";\n".join(statements))

    def pg_url(self, demo: dict[str, Any] | None = None) -> str:
        """The session's PostgreSQL database, reset to the template; returns its URL."""
        if demo is None:
            self._pg_reset(None)
        else:
            snapshot = "tmpl_" + self.key(demo)
            if snapshot not in self._pg_snapshots:
                self._pg_reset(None)
                self._fill(self._url(self._pg_name), demo, migrated=True)
                with self._pg_setup().begin() as conn:
                    conn.exec_driver_sql(f'CREATE SCHEMA "{snapshot}"')
                    for t in self._pg_tables:
                        conn.exec_driver_sql(
                            f'CREATE TABLE "{snapshot}"."{t}" AS TABLE public."{t}"'
                        )
                    self._pg_snapshots[snapshot] = {
                        seq: tuple(
                            conn.exec_driver_sql(
                                f'SELECT last_value, is_called FROM public."{seq}"'
                            ).one()
                        )
                        for seq in self._pg_sequences
                    }
            self._pg_reset(snapshot)
        return self._url(self._pg_name)

    def pg_create_empty(self) -> str:
        """A new, empty database of its own (dropped with :meth:`pg_drop`); returns its name."""
        name = f"jiannuo_test_{self.run}_{next(self._counter)}"
        self._exec(f'CREATE DATABASE "{name}"')
        return name

    def pg_drop(self, name: str) -> None:
        self._exec(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def close(self) -> None:
        if self._pg_engine is not None:
            self._pg_engine.dispose()
            self.pg_drop(self._pg_name)
        if self._admin is not None:
            self._admin.dispose()


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Templates]:
    t = Templates(tmp_path_factory.mktemp("templates"))
    try:
        yield t
    finally:
        t.close()


def _wanted(request: pytest.FixtureRequest) -> tuple[dict[str, Any] | None, bool]:
    marker = request.node.get_closest_marker("demo_township")
    demo = dict(marker.kwargs) if marker else None
    return demo, request.node.get_closest_marker("empty_database") is not None


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path, templates: Templates) -> Iterator[str]:
    """A migrated, empty database; parametrised over the configured backends."""
    demo, empty = _wanted(request)
    if request.param == "postgresql":
        if empty:
            name = templates.pg_create_empty()
            try:
                yield templates._url(name)
            finally:
                templates.pg_drop(name)
        else:
            yield templates.pg_url(demo)
    elif empty:
        yield f"sqlite:///{tmp_path / 'test.db'}"
    else:
        yield templates.sqlite_copy(tmp_path / "test.db", demo)


@pytest.fixture
def sqlite_url(request: pytest.FixtureRequest, tmp_path: Path, templates: Templates) -> str:
    demo, empty = _wanted(request)
    if empty:
        return f"sqlite:///{tmp_path / 'test.db'}"
    return templates.sqlite_copy(tmp_path / "test.db", demo)


def make_config(db_url: str, tmp_path: Path, **sections: Any) -> dict[str, Any]:
    config: dict[str, Any] = {
        "database": {"url": db_url},
        "uploads": {"dir": str(tmp_path / "uploads")},
    }
    for key, value in sections.items():
        config[key] = {**config.get(key, {}), **value}
    return config


@pytest.fixture
def app(db_url: str, tmp_path: Path) -> Iterator[Flask]:
    application = create_app(make_config(db_url, tmp_path))
    application.config["TESTING"] = True
    yield application
    application.extensions["db"].dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def database(db_url: str) -> Iterator[Database]:
    db = Database(db_url)
    yield db
    db.dispose()


@pytest.fixture
def session(database: Database) -> Iterator[Session]:
    """A session for service tests; tests call ``session.commit()`` like an entry point."""
    s = database.session_factory()
    yield s
    s.rollback()
    s.close()
