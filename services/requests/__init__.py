"""Residents' requests (诉求): submit, assign, claim, answer, resolve, confirm, rate, escalate.

Import from this package rather than from its modules."""

from .cycle import (
    KIND_LABELS,
    OPEN_STATUSES,
    RATING_LABELS,
    RESOLUTION_LABELS,
    STATUS_LABELS,
    answerer_label,
    by_number,
    can_handle,
    can_view,
    claim,
    confirm,
    default_org,
    escalate_overdue,
    is_submitter,
    rate,
    reopen,
    reply,
    resolve,
    submit,
    visible_to,
)

__all__ = [
    "KIND_LABELS",
    "OPEN_STATUSES",
    "RATING_LABELS",
    "RESOLUTION_LABELS",
    "STATUS_LABELS",
    "answerer_label",
    "by_number",
    "can_handle",
    "can_view",
    "claim",
    "confirm",
    "default_org",
    "escalate_overdue",
    "is_submitter",
    "rate",
    "reopen",
    "reply",
    "resolve",
    "submit",
    "visible_to",
]
