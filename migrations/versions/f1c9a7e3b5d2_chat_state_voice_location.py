"""the chat: pending conversation state, voice clips, a request's map location

Revision ID: f1c9a7e3b5d2
Revises: e4c2b8d1a9f6
Create Date: 2026-12-01 11:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = "f1c9a7e3b5d2"
down_revision: str | None = "e4c2b8d1a9f6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "chat_state",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("expires_at", models.base.UTCDateTime(), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_chat_state_account_id_account")
        ),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_chat_state")),
    )
    op.create_table(
        "voice_clip",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("wechat_media_id", sa.String(length=128), nullable=False),
        sa.Column("recognition", sa.Text(), nullable=False),
        sa.Column("audio_format", sa.String(length=16), nullable=False),
        sa.Column("storage_key", sa.String(length=255), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("log_id", sa.Integer(), nullable=True),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column("created_at", models.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_voice_clip_account_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["log_id"], ["fulfilment_log.id"], name=op.f("fk_voice_clip_log_id_fulfilment_log")
        ),
        sa.ForeignKeyConstraint(
            ["request_id"], ["request.id"], name=op.f("fk_voice_clip_request_id_request")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_voice_clip")),
        sa.UniqueConstraint("storage_key", name=op.f("uq_voice_clip_storage_key")),
    )
    with op.batch_alter_table("voice_clip", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_voice_clip_account_id"), ["account_id"])
        batch_op.create_index(batch_op.f("ix_voice_clip_log_id"), ["log_id"])
        batch_op.create_index(batch_op.f("ix_voice_clip_request_id"), ["request_id"])
    with op.batch_alter_table("request", schema=None) as batch_op:
        batch_op.add_column(sa.Column("latitude", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("longitude", sa.Float(), nullable=True))
        batch_op.add_column(
            sa.Column("location_label", sa.String(length=200), nullable=False, server_default="")
        )
    with op.batch_alter_table("request", schema=None) as batch_op:
        batch_op.alter_column("location_label", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("request", schema=None) as batch_op:
        batch_op.drop_column("location_label")
        batch_op.drop_column("longitude")
        batch_op.drop_column("latitude")
    with op.batch_alter_table("voice_clip", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_voice_clip_request_id"))
        batch_op.drop_index(batch_op.f("ix_voice_clip_log_id"))
        batch_op.drop_index(batch_op.f("ix_voice_clip_account_id"))
    op.drop_table("voice_clip")
    op.drop_table("chat_state")
