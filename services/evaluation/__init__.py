"""Evaluation and use (评诺 / 用诺): sign-offs, grades, mutual evaluation, points and stars.

Import from this package rather than from its modules."""

from .grades import (
    BRANCH_GRADES,
    GRADES,
    MUTUAL_RATINGS,
    RATING_LABELS,
    branch_grades,
    confirm_log,
    grade_branch,
    grade_member,
    grades,
    half_of,
    member_grades,
    mutual,
    mutual_summary_for,
    parse_half,
    rate_request,
)
from .satisfaction import (
    EMPTY,
    Satisfaction,
    satisfaction,
    satisfaction_by_branch,
    satisfaction_by_member,
    satisfaction_of_member,
    tally,
)

__all__ = [
    "BRANCH_GRADES",
    "EMPTY",
    "GRADES",
    "MUTUAL_RATINGS",
    "RATING_LABELS",
    "Satisfaction",
    "branch_grades",
    "confirm_log",
    "grade_branch",
    "grade_member",
    "grades",
    "half_of",
    "member_grades",
    "mutual",
    "mutual_summary_for",
    "parse_half",
    "rate_request",
    "satisfaction",
    "satisfaction_by_branch",
    "satisfaction_by_member",
    "satisfaction_of_member",
    "tally",
]
