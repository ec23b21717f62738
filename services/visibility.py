"""The one visibility rule for public outputs (pages, JSON, group pushes, public exports).

A commitment is public when it is published and its text is public; a fulfilment log is public
when its commitment is public and its own text is public. Text is public when the content check
passed or was not run (``not_checked``); ``pending`` (waiting for a check or a secretary's
approval) and ``rejected`` never are.

This module imports models only, so every services package may use it without a cycle.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, literal_column

from models import Commitment, CommitmentStatus, ContentStatus, FulfilmentLog

PUBLIC_CONTENT: tuple[str, ...] = (ContentStatus.PASS.value, ContentStatus.NOT_CHECKED.value)
# In SQL as literals (``IN ('pass', 'not_checked')``), not an expanding parameter: the same
# condition then compiles once into a statement run on the driver's cursor (``models.driver``).
_PUBLIC_CONTENT_SQL: list[ColumnElement[str]] = [literal_column(f"'{v}'") for v in PUBLIC_CONTENT]


def content_is_public(status: str | None) -> bool:
    return status in PUBLIC_CONTENT


def commitment_is_public(c: Commitment) -> bool:
    return c.status == CommitmentStatus.PUBLISHED.value and content_is_public(c.content_status)


def log_is_public(entry: FulfilmentLog, c: Commitment) -> bool:
    return commitment_is_public(c) and content_is_public(entry.content_status)


def public_commitment() -> tuple[ColumnElement[bool], ...]:
    """SQL conditions on ``Commitment`` matching :func:`commitment_is_public`."""
    return (
        Commitment.status == CommitmentStatus.PUBLISHED.value,
        Commitment.content_status.in_(_PUBLIC_CONTENT_SQL),
    )


def public_log() -> tuple[ColumnElement[bool], ...]:
    """SQL conditions matching :func:`log_is_public`; the query must join ``Commitment``."""
    return (*public_commitment(), FulfilmentLog.content_status.in_(_PUBLIC_CONTENT_SQL))
