"""organisation type, form and closing; the organisation's timeline (issue 13: go live)

Revision ID: d3a9f1c5e7b2
Revises: c7a1e12d0b6f
Create Date: 2026-12-01 09:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from models.base import UTCDateTime

revision: str = "d3a9f1c5e7b2"
down_revision: str | None = "c7a1e12d0b6f"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("org_type", sa.String(length=16), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("form", sa.String(length=8), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("closed_at", UTCDateTime(), nullable=True))
    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.alter_column("org_type", server_default=None)
        batch_op.alter_column("form", server_default=None)
    op.create_table(
        "org_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=True),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("actor_account_id", sa.Integer(), nullable=True),
        sa.Column("actor_label", sa.String(length=50), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_org_event_account_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["actor_account_id"],
            ["account.id"],
            name=op.f("fk_org_event_actor_account_id_account"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_org_event_member_id_member")
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisation.id"], name=op.f("fk_org_event_org_id_organisation")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_org_event")),
    )
    with op.batch_alter_table("org_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_org_event_member_id"), ["member_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_org_event_org_id"), ["org_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("org_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_org_event_org_id"))
        batch_op.drop_index(batch_op.f("ix_org_event_member_id"))
    op.drop_table("org_event")
    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.drop_column("closed_at")
        batch_op.drop_column("form")
        batch_op.drop_column("org_type")
