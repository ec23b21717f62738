"""progress reads and summaries scan only a covering index of the fulfilment log

The progress index (commitment, day, quantity) becomes (commitment, day, quantity, recorded
at, member): the monthly summary's grouped tallies filter on when a log was recorded and count
per member, and with those columns in the index neither SQLite nor PostgreSQL (an index-only
scan, given a vacuumed visibility map) reads the table's rows.

Revision ID: f7b3c9a2d5e1
Revises: f1a7c3e9b5d2
Create Date: 2026-12-01 11:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "f7b3c9a2d5e1"
down_revision: str | None = "f1a7c3e9b5d2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TALLY = ["commitment_id", "happened_on", "quantity", "created_at", "member_id"]


def upgrade() -> None:
    with op.batch_alter_table("fulfilment_log", schema=None) as batch_op:
        batch_op.create_index("ix_fulfilment_log_tally", TALLY, unique=False)
        batch_op.drop_index("ix_fulfilment_log_progress")


def downgrade() -> None:
    with op.batch_alter_table("fulfilment_log", schema=None) as batch_op:
        batch_op.create_index(
            "ix_fulfilment_log_progress", ["commitment_id", "happened_on", "quantity"], unique=False
        )
        batch_op.drop_index("ix_fulfilment_log_tally")
