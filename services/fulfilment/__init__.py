"""Fulfilment: logs (践诺记录), their photos, verification and progress; and who may log,
change, verify and see them (access).

Import from this package rather than from its modules."""

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
    "can_delete_log",
    "can_edit_log",
    "can_log",
    "can_see_log",
    "can_verify",
    "delete_log",
    "edit_log",
    "edit_refusal",
    "get_log",
    "log",
    "log_capabilities",
    "log_visibility",
    "may_log",
    "progress_of",
    "sees_held_logs",
    "verification_queue",
    "verify_log",
    "verify_refusal",
    "visible_log",
    "visible_logs",
]
