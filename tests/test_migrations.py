"""Migrations: empty database → head → base, on SQLite and PostgreSQL; models match."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect

from infra import migrate
from models.db import make_engine


@pytest.mark.empty_database
def test_upgrade_downgrade_and_models_match(db_url):
    # The other tests copy a template migrated once per session; this one migrates itself.
    engine = make_engine(db_url)
    try:
        assert set(inspect(engine).get_table_names()) == set()
    finally:
        engine.dispose()
    migrate.upgrade(db_url)
    engine = make_engine(db_url)
    try:
        assert migrate.differences(engine) == []
        tables = set(inspect(engine).get_table_names())
        assert {"commitment", "fulfilment_log", "request", "outbound_message"} <= tables
    finally:
        engine.dispose()
    migrate.downgrade(db_url, "base")
    engine = make_engine(db_url)
    try:
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    finally:
        engine.dispose()
    migrate.upgrade(db_url)
    engine = make_engine(db_url)
    try:
        assert migrate.differences(engine) == []
    finally:
        engine.dispose()


def test_cli_upgrade_and_check(runner):
    result = runner.invoke(args=["db", "check"])
    assert result.exit_code == 0, result.output
    assert "一致" in result.output
