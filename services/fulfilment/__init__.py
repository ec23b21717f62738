"""Fulfilment: logs (践诺记录), their photos, verification and progress.

Import from this package rather than from its modules."""

from .logs import (
    can_log,
    delete_log,
    edit_log,
    get_log,
    log,
    progress_of,
    verification_queue,
    verify_log,
)

__all__ = [
    "can_log",
    "delete_log",
    "edit_log",
    "get_log",
    "log",
    "progress_of",
    "verification_queue",
    "verify_log",
]
