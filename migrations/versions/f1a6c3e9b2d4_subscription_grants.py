"""mini-program subscription grants (订阅消息): each user's answer per template

Revision ID: f1a6c3e9b2d4
Revises: f1c9a7e3b5d2
Create Date: 2026-12-01 11:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = "f1a6c3e9b2d4"
down_revision: str | None = "f1c9a7e3b5d2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "subscription_grant",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("template_id", sa.String(length=64), nullable=False),
        sa.Column("scene", sa.String(length=16), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(), nullable=False),
        sa.Column("used_at", models.base.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_subscription_grant_account_id_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscription_grant")),
    )
    with op.batch_alter_table("subscription_grant", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_subscription_grant_account_id"), ["account_id"], unique=False
        )
        batch_op.create_index(
            "ix_subscription_grant_open",
            ["account_id", "template_id", "used_at"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("subscription_grant", schema=None) as batch_op:
        batch_op.drop_index("ix_subscription_grant_open")
        batch_op.drop_index(batch_op.f("ix_subscription_grant_account_id"))
    op.drop_table("subscription_grant")
