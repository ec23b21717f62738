"""Fixtures: an app on a fresh migrated database (SQLite always; PostgreSQL when
TEST_DATABASE_URL is set), a client, a CLI runner, and a session for service tests."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from app import create_app
from infra import migrate
from models.db import Database

pytest_plugins = ["tests.fakes.wechat_api"]

PG_URL = os.environ.get("TEST_DATABASE_URL", "")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "")

BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """One PostgreSQL database for the whole run, created and dropped by the run."""
    if not PG_URL:
        pytest.skip("TEST_DATABASE_URL not set")
    name = f"jiannuo_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
                {"n": name},
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


def _reset_pg(url: str) -> None:
    eng = create_engine(url, isolation_level="AUTOCOMMIT")
    with eng.connect() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    eng.dispose()


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database; parametrised over the configured backends."""
    if request.param == "postgresql":
        url: str = request.getfixturevalue("pg_database")
        _reset_pg(url)
    else:
        url = f"sqlite:///{tmp_path / 'test.db'}"
    migrate.upgrade(url)
    return url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'test.db'}"
    migrate.upgrade(url)
    return url


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
