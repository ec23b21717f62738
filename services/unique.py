"""Rows the database keeps unique: insert one, and turn losing a race into ``Conflict``.

Two simultaneous requests may both find no row and both insert one; the unique constraint
refuses the second. The insert runs in a savepoint so the caller's transaction survives and
the loser gets a clean 409 with a Chinese message instead of a server error.
"""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models.base import Base
from services.errors import Conflict


def insert_once(session: Session, row: Base, message: str) -> None:
    """Add and flush ``row`` now; a unique-constraint violation raises ``Conflict(message)``."""
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        raise Conflict(message) from None
