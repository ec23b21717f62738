"""Commitments: the 四化 check (quantify), drafting, the review chain and filing, and who may
see and do what (access).

Import from this package rather than from its modules."""

from .access import (
    LEVEL_FOR_PENDING,
    PENDING_FOR_LEVEL,
    Capabilities,
    can_edit,
    can_review,
    can_see,
    can_submit,
    can_withdraw,
    capabilities,
    is_owner,
    is_public,
    may_edit,
    may_withdraw,
    visible,
)
from .review import (
    STATUS_LABELS,
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
    "Capabilities",
    "can_edit",
    "can_review",
    "can_see",
    "can_submit",
    "can_withdraw",
    "capabilities",
    "create",
    "get",
    "is_owner",
    "is_public",
    "may_edit",
    "may_withdraw",
    "review",
    "review_queue",
    "submit",
    "update_draft",
    "visible",
    "withdraw",
]
