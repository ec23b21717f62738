"""月结: closed months and every commitment's progress tally at each one's end; the day
index of the fulfilment log covers the reads of a range of days (a period's logs per commitment,
each member's logs of two months)

Revision ID: a4d8e2b6c1f3
Revises: f7b3c9a2d5e1
Create Date: 2026-12-01 21:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = "a4d8e2b6c1f3"
down_revision: str | None = "f7b3c9a2d5e1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DAY = ["happened_on", "commitment_id", "member_id", "quantity", "created_at"]


def upgrade() -> None:
    op.create_table(
        "month_close",
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("until", models.base.UTCDateTime(), nullable=False),
        sa.Column("closed_at", models.base.UTCDateTime(), nullable=False),
        sa.Column("commitments", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("month", name=op.f("pk_month_close")),
    )
    op.create_table(
        "month_tally",
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("commitment_id", sa.Integer(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("done_in_time", sa.Integer(), nullable=False),
        sa.Column("met", sa.Integer(), nullable=False),
        sa.Column("met_at", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["commitment_id"],
            ["commitment.id"],
            name=op.f("fk_month_tally_commitment_id_commitment"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["month"],
            ["month_close.month"],
            name=op.f("fk_month_tally_month_month_close"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("month", "commitment_id", name=op.f("pk_month_tally")),
    )


    with op.batch_alter_table("fulfilment_log", schema=None) as batch_op:
        batch_op.create_index("ix_fulfilment_log_day", DAY, unique=False)
        batch_op.drop_index("ix_fulfilment_log_happened_on")


def downgrade() -> None:
    with op.batch_alter_table("fulfilment_log", schema=None) as batch_op:
        batch_op.create_index("ix_fulfilment_log_happened_on", ["happened_on"], unique=False)
        batch_op.drop_index("ix_fulfilment_log_day")
    op.drop_table("month_tally")
    op.drop_table("month_close")
