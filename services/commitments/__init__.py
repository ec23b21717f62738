"""Commitments: the 四化 check (quantify), drafting, the review chain and filing.

Import from this package rather than from its modules."""

from .review import (
    LEVEL_FOR_PENDING,
    PENDING_FOR_LEVEL,
    STATUS_LABELS,
    can_review,
    create,
    get,
    review,
    review_queue,
    submit,
    update_draft,
    withdraw,
)

__all__ = [
    "LEVEL_FOR_PENDING",
    "PENDING_FOR_LEVEL",
    "STATUS_LABELS",
    "can_review",
    "create",
    "get",
    "review",
    "review_queue",
    "submit",
    "update_draft",
    "withdraw",
]
