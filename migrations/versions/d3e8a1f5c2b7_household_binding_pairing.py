"""residents linked to households (连心卡 code, consent) and 结对共建 (org_pairing, partner pledges)

Revision ID: d3e8a1f5c2b7
Revises: d3a9f1c5e7b2
Create Date: 2026-12-01 09:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = "d3e8a1f5c2b7"
down_revision: str | None = "d3a9f1c5e7b2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "org_pairing",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organ_org_id", sa.Integer(), nullable=False),
        sa.Column("village_org_id", sa.Integer(), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(), nullable=False),
        sa.Column("ended_at", models.base.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["organ_org_id"],
            ["organisation.id"],
            name=op.f("fk_org_pairing_organ_org_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["village_org_id"],
            ["organisation.id"],
            name=op.f("fk_org_pairing_village_org_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_org_pairing")),
        sa.UniqueConstraint(
            "organ_org_id", "village_org_id", name=op.f("uq_org_pairing_organ_org_id_village_org_id")
        ),
    )
    with op.batch_alter_table("org_pairing", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_org_pairing_organ_org_id"), ["organ_org_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_org_pairing_village_org_id"), ["village_org_id"], unique=False
        )
    with op.batch_alter_table("household", schema=None) as batch_op:
        batch_op.add_column(sa.Column("bind_code", sa.String(length=16), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_household_bind_code"), ["bind_code"])
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "household_linked_via", sa.String(length=10), nullable=False, server_default=""
            )
        )
        batch_op.add_column(
            sa.Column("household_consent_at", models.base.UTCDateTime(), nullable=True)
        )
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.alter_column("household_linked_via", server_default=None)
    with op.batch_alter_table("commitment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("partner_org_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_commitment_partner_org_id"), ["partner_org_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_commitment_partner_org_id_organisation"),
            "organisation",
            ["partner_org_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("commitment", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_commitment_partner_org_id_organisation"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_commitment_partner_org_id"))
        batch_op.drop_column("partner_org_id")
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.drop_column("household_consent_at")
        batch_op.drop_column("household_linked_via")
    with op.batch_alter_table("household", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_household_bind_code"), type_="unique")
        batch_op.drop_column("bind_code")
    with op.batch_alter_table("org_pairing", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_org_pairing_village_org_id"))
        batch_op.drop_index(batch_op.f("ix_org_pairing_organ_org_id"))
    op.drop_table("org_pairing")
