"""cycle year of commitments, carried-over drafts and the frozen record of closed years

``commitment.cycle_year`` is backfilled from the year of ``start_date``.

Revision ID: d3e8a1c5f7b2
Revises: d3e8a1f5c2b7
Create Date: 2026-12-01 09:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = "d3e8a1c5f7b2"
down_revision: str | None = "d3e8a1f5c2b7"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("commitment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cycle_year", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("carried_from_id", sa.Integer(), nullable=True))
    bind = op.get_bind()
    year = (
        "CAST(strftime('%Y', start_date) AS INTEGER)"
        if bind.dialect.name == "sqlite"
        else "CAST(EXTRACT(YEAR FROM start_date) AS INTEGER)"
    )
    op.execute(f"UPDATE commitment SET cycle_year = {year}")
    with op.batch_alter_table("commitment", schema=None) as batch_op:
        batch_op.alter_column("cycle_year", existing_type=sa.Integer(), nullable=False)
        batch_op.create_index(batch_op.f("ix_commitment_cycle_year"), ["cycle_year"], unique=False)
        batch_op.create_unique_constraint(
            batch_op.f("uq_commitment_carried_from_id"), ["carried_from_id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_commitment_carried_from_id_commitment"),
            "commitment",
            ["carried_from_id"],
            ["id"],
        )
    op.create_table(
        "cycle_close",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=False),
        sa.Column("closed_at", models.base.UTCDateTime(), nullable=False),
        sa.Column("closed_by_account_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["closed_by_account_id"],
            ["account.id"],
            name=op.f("fk_cycle_close_closed_by_account_id_account"),
        ),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_cycle_close")),
    )
    op.create_table(
        "year_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=True),
        sa.Column("figures", sa.Text(), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisation.id"], name=op.f("fk_year_record_org_id_organisation")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_year_record")),
        sa.UniqueConstraint(
            "year", "kind", "subject_id", name=op.f("uq_year_record_year_kind_subject_id")
        ),
    )
    with op.batch_alter_table("year_record", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_year_record_org_id"), ["org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_year_record_year"), ["year"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("year_record", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_year_record_year"))
        batch_op.drop_index(batch_op.f("ix_year_record_org_id"))
    op.drop_table("year_record")
    op.drop_table("cycle_close")
    with op.batch_alter_table("commitment", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_commitment_carried_from_id_commitment"), type_="foreignkey"
        )
        batch_op.drop_constraint(batch_op.f("uq_commitment_carried_from_id"), type_="unique")
        batch_op.drop_index(batch_op.f("ix_commitment_cycle_year"))
        batch_op.drop_column("carried_from_id")
        batch_op.drop_column("cycle_year")
