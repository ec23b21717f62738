"""Alembic environment: the URL comes from the app's settings (or -x url=...)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

import models
from infra.config import ROOT, load_settings
from models.db import make_engine

config = context.config
target_metadata = models.Base.metadata


def _url() -> str:
    url = config.attributes.get("url") or context.get_x_argument(as_dictionary=True).get("url")
    return url or load_settings().database.url


def _configure(connection: Connection | None = None, url: str | None = None) -> None:
    context.configure(
        connection=connection,
        url=url,
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite ALTER TABLE support
        compare_type=True,
    )


def run_migrations_offline() -> None:
    _configure(url=_url())
    with context.begin_transaction():
        context.run_migrations()


def _run(conn: Connection) -> None:
    """Run the migrations on ``conn``.

    On SQLite, batch mode rebuilds a table (CREATE new, copy, DROP old, rename) to alter it;
    with foreign keys enforced, dropping a table that other rows point at fails once the
    database holds data. As Alembic's batch documentation advises, enforcement is switched
    off around the migrations (outside any transaction, where SQLite honours the pragma),
    the whole result is checked with ``PRAGMA foreign_key_check`` before the commit, and
    enforcement is switched back on."""
    sqlite = conn.dialect.name == "sqlite"
    raw = conn.connection.dbapi_connection if sqlite else None
    if raw is not None:
        raw.execute("PRAGMA foreign_keys=OFF")
    try:
        _configure(connection=conn)
        with context.begin_transaction():
            context.run_migrations()
            if sqlite:
                broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise RuntimeError(f"迁移后外键不一致（表, 行, 引用表）：{broken[:5]}")
    finally:
        if raw is not None:
            raw.execute("PRAGMA foreign_keys=ON")


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(_url(), root=ROOT)
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
