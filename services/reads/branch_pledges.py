"""The branch's own commitments (支部承诺) as the console's 起草支部承诺 page lists them: its
drafts (editable, submittable) and the ones already sent on, newest first."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Commitment, CommitmentStatus, OwnerKind


def branch_commitments(session: Session, branch_id: int, limit: int = 50) -> list[Commitment]:
    """The branch's own commitments (not its members'): drafts first, then the rest, newest
    first within each."""
    rows = session.scalars(
        select(Commitment)
        .where(Commitment.org_id == branch_id, Commitment.owner_kind == OwnerKind.BRANCH.value)
        .order_by(Commitment.id.desc())
        .limit(limit)
    )
    return sorted(rows, key=lambda c: c.status != CommitmentStatus.DRAFT.value)
