"""The PostgreSQL pool recycles connections instead of pinging at every checkout (issue 20);
both are settings (``database.pool_recycle_seconds``, ``database.pool_pre_ping``)."""

from __future__ import annotations

from pathlib import Path

from app import create_app
from models.db import make_engine
from tests.conftest import make_config

PG = "postgresql+psycopg://postgres@127.0.0.1:5432/never_connected"


def test_postgresql_pool_recycles_without_pre_ping() -> None:
    engine = make_engine(PG)
    assert engine.pool._pre_ping is False
    assert engine.pool._recycle == 1800
    engine.dispose()


def test_pool_settings_reach_the_apps_engine(tmp_path: Path) -> None:
    config = make_config(
        PG, tmp_path, database={"pool_recycle_seconds": 600, "pool_pre_ping": True}
    )
    app = create_app(config)
    engine = app.extensions["db"].engine
    assert (engine.pool._pre_ping, engine.pool._recycle) == (True, 600)
    engine.dispose()
