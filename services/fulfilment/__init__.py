"""Fulfilment: logs (践诺记录), their photos, verification and progress; and who may log,
change, verify and see them (access).

Import from this package rather than from its modules."""

from . import by_message
from .access import (
    LogCapabilities,
    can_delete_log,
    can_edit_log,
    can_log,
    can_see_log,
    can_verify,
    edit_refusal,
    log_capabilities,
    log_visibility,
    may_log,
    sees_held_logs,
    verify_refusal,
    visible_log,
    visible_logs,
)
from .corrections import fix_quantity, last_log, recent_duplicate, undo_last
from .logs import (
    delete_log,
    edit_log,
    get_log,
    log,
    progress_of,
    verification_queue,
    verify_log,
)

__all__ = [
    "LogCapabilities",
    "by_message",
    "can_delete_log",
    "can_edit_log",
    "can_log",
    "can_see_log",
    "can_verify",
    "delete_log",
    "edit_log",
    "edit_refusal",
    "fix_quantity",
    "get_log",
    "last_log",
    "log",
    "log_capabilities",
    "log_visibility",
    "may_log",
    "progress_of",
    "recent_duplicate",
    "sees_held_logs",
    "undo_last",
    "verification_queue",
    "verify_log",
    "verify_refusal",
    "visible_log",
    "visible_logs",
]
