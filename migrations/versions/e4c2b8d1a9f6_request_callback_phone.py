"""a phone number the web-form submitter leaves for the callback (回访)

Revision ID: e4c2b8d1a9f6
Revises: d3e8a1c5f7b2
Create Date: 2026-12-01 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e4c2b8d1a9f6"
down_revision: str | None = "d3e8a1c5f7b2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("request", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("callback_phone", sa.String(length=20), nullable=False, server_default="")
        )
    with op.batch_alter_table("request", schema=None) as batch_op:
        batch_op.alter_column("callback_phone", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("request", schema=None) as batch_op:
        batch_op.drop_column("callback_phone")
