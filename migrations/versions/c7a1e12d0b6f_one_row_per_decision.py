"""one row per grade, mutual vote and review decision (issue 12: concurrent POSTs)

Duplicates left by earlier races are removed first, keeping the row the services read:
the latest evaluation per key (upserts overwrite it) and the first review decision per level
of a revision (it is the one that moved the commitment on).

Revision ID: c7a1e12d0b6f
Revises: b7d41e0c2a95
Create Date: 2026-12-01 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c7a1e12d0b6f"
down_revision: str | None = "b7d41e0c2a95"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EVALUATION_KEYS = {
    "uq_evaluation_branch_grade": ("branch_grade", ["period", "subject_member_id"]),
    "uq_evaluation_township_grade": ("township_grade", ["period", "subject_org_id"]),
    "uq_evaluation_mutual": ("mutual", ["period", "subject_member_id", "evaluator_member_id"]),
}


def upgrade() -> None:
    for kind, cols in EVALUATION_KEYS.values():
        key = ", ".join(cols)
        op.execute(
            f"DELETE FROM evaluation WHERE kind = '{kind}' AND id NOT IN ("
            f"SELECT MAX(id) FROM evaluation WHERE kind = '{kind}' GROUP BY {key})"
        )
    op.execute(
        "DELETE FROM review WHERE id NOT IN ("
        "SELECT MIN(id) FROM review GROUP BY commitment_id, revision, level)"
    )
    with op.batch_alter_table("evaluation", schema=None) as batch_op:
        for name, (kind, cols) in EVALUATION_KEYS.items():
            where = sa.text(f"kind = '{kind}'")
            batch_op.create_index(
                name, cols, unique=True, sqlite_where=where, postgresql_where=where
            )
    with op.batch_alter_table("review", schema=None) as batch_op:
        batch_op.create_unique_constraint(
            "uq_review_commitment_id_revision_level", ["commitment_id", "revision", "level"]
        )


def downgrade() -> None:
    with op.batch_alter_table("review", schema=None) as batch_op:
        batch_op.drop_constraint("uq_review_commitment_id_revision_level", type_="unique")
    with op.batch_alter_table("evaluation", schema=None) as batch_op:
        for name, (kind, _cols) in EVALUATION_KEYS.items():
            where = sa.text(f"kind = '{kind}'")
            batch_op.drop_index(name, sqlite_where=where, postgresql_where=where)
