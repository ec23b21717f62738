"""callback_nonce: the official-account callback's replay window without Redis

Revision ID: c4f1e2a9b7d3
Revises: 39968b0551b8
Create Date: 2026-11-28 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = "c4f1e2a9b7d3"
down_revision: str | None = "39968b0551b8"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "callback_nonce",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("nonce_key", sa.String(length=100), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("expires_at", models.base.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_callback_nonce")),
        sa.UniqueConstraint("nonce_key", name=op.f("uq_callback_nonce_nonce_key")),
    )
    with op.batch_alter_table("callback_nonce", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_callback_nonce_expires_at"), ["expires_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("callback_nonce", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_callback_nonce_expires_at"))
    op.drop_table("callback_nonce")
