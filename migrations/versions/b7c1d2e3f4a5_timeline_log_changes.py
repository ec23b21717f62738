"""timeline entries for fulfilment-log changes: log_id, state_before, state_after

Revision ID: b7c1d2e3f4a5
Revises: c4f1e2a9b7d3
Create Date: 2026-12-02 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b7c1d2e3f4a5"
down_revision: str | None = "c4f1e2a9b7d3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("timeline_entry", schema=None) as batch_op:
        batch_op.add_column(sa.Column("log_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("state_before", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("state_after", sa.Text(), nullable=True))
        batch_op.create_index(batch_op.f("ix_timeline_entry_log_id"), ["log_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("timeline_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_timeline_entry_log_id"))
        batch_op.drop_column("state_after")
        batch_op.drop_column("state_before")
        batch_op.drop_column("log_id")
