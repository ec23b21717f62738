"""Per-request database session and settings access for handlers.

The entry point owns the transaction: handlers call ``commit()`` after a change; anything
left uncommitted at teardown is rolled back.
"""

from __future__ import annotations

from flask import Flask, current_app, g
from sqlalchemy.orm import Session

from infra.config import Settings
from models.db import Database


def database() -> Database:
    db: Database = current_app.extensions["db"]
    return db


def settings() -> Settings:
    s: Settings = current_app.config["SETTINGS"]
    return s


def db_session() -> Session:
    """The request's read-write session (SQLite: BEGIN IMMEDIATE on first statement)."""
    if "db_session" not in g:
        g.db_session = database().session_factory()
    session: Session = g.db_session
    return session


def read_session() -> Session:
    """A session for pure reads (SQLite: deferred transaction, never blocks writers)."""
    if "read_session" not in g:
        g.read_session = database().read_factory()
    session: Session = g.read_session
    return session


def _teardown(_exc: BaseException | None) -> None:
    for key in ("db_session", "read_session"):
        session = g.pop(key, None)
        if session is not None:
            session.rollback()
            session.close()


def init_app(app: Flask) -> None:
    app.teardown_appcontext(_teardown)
