"""Migrations on a database that already holds data, as a township's does when it upgrades.

On SQLite, Alembic's batch mode rebuilds a table to alter it; with foreign keys enforced,
dropping a table that other rows point at fails — but only when rows exist, which the
empty-database test in test_migrations.py cannot see. Here every table of the last released
schema gets a row pointing at a row of every table it references, then the database is
upgraded to head and back."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import inspect

from infra import migrate
from models.db import make_engine

# The head of the schema that the previous release shipped (what real databases are on).
RELEASED = "e4c2b8d1a9f6"


def _dummy(column: dict) -> object:
    kind = column["type"]
    if isinstance(kind, sa.Integer | sa.Numeric | sa.Float):
        return 1
    if isinstance(kind, sa.Boolean):
        return False
    if isinstance(kind, sa.DateTime):
        return datetime(2026, 1, 1, 8, 0)
    if isinstance(kind, sa.Date):
        return datetime(2026, 1, 1).date()
    if isinstance(kind, sa.JSON):
        return "{}"
    return "x"


def _fill_every_table(url: str) -> dict[str, int]:
    engine = make_engine(url)
    try:
        insp = inspect(engine)
        meta = sa.MetaData()
        meta.reflect(engine)
        rows: list[tuple[sa.Table, dict[str, object]]] = []
        for table in meta.sorted_tables:
            if table.name == "alembic_version":
                continue
            row: dict[str, object] = {}
            for column in insp.get_columns(table.name):
                if column["name"] == "id" or not column["nullable"]:
                    row[column["name"]] = _dummy(column)
            for fk in insp.get_foreign_keys(table.name):
                for name in fk["constrained_columns"]:
                    row[name] = 1  # every parent table has a row with id 1
            rows.append((table, row))
        with engine.begin() as conn:
            for table, row in rows:
                conn.execute(table.insert().values(**row))
        return {t.name: 1 for t in meta.sorted_tables if t.name != "alembic_version"}
    finally:
        engine.dispose()


def _counts(url: str, tables: list[str]) -> dict[str, int]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return {
                t: conn.execute(sa.text(f'SELECT count(*) FROM "{t}"')).scalar_one() for t in tables
            }
    finally:
        engine.dispose()


def test_upgrade_from_the_released_schema_keeps_every_row(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'township.db'}"
    migrate.upgrade(url, RELEASED)
    before = _fill_every_table(url)
    migrate.upgrade(url)  # raised "FOREIGN KEY constraint failed" before env.py's fix
    assert _counts(url, list(before)) == before
    engine = make_engine(url)
    try:
        assert migrate.differences(engine) == []
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []
    finally:
        engine.dispose()
    migrate.downgrade(url, RELEASED)
    assert _counts(url, list(before)) == before
