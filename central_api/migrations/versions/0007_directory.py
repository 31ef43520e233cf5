"""The provider directory: organisations, units, capacity history, holds, freshness limit.

Revision ID: 0007
Revises: 0006_totp
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006_totp"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # the change kinds "directory_organization" and the like are longer than 20
    with op.batch_alter_table("changes") as batch:
        batch.alter_column(
            "kind", existing_type=sa.String(20), type_=sa.String(40), existing_nullable=False
        )
    op.create_table(
        "directory_settings",
        sa.Column("region_id", sa.Integer, sa.ForeignKey("regions.id"), primary_key=True),
        sa.Column("freshness_limit_hours", sa.Float(precision=53), nullable=False),
    )
    op.create_table(
        "directory_organizations",
        sa.Column("region_id", sa.Integer, sa.ForeignKey("regions.id"), primary_key=True),
        sa.Column("id", sa.String(200), primary_key=True),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("phone_24_7", sa.String(100), nullable=True),
    )
    op.create_table(
        "directory_units",
        sa.Column("region_id", sa.Integer, sa.ForeignKey("regions.id"), primary_key=True),
        sa.Column("id", sa.String(200), primary_key=True),
        sa.Column("organization_id", sa.String(200), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("characteristics", sa.Text, nullable=False),
        sa.Column("capacity_unit", sa.String(40), nullable=False),
        sa.Column("available", sa.Integer, nullable=False),
        sa.Column("maximum", sa.Integer, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("intake_stop", sa.Text, nullable=True),
    )
    op.create_table(
        "capacity_history",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("region_id", sa.Integer, sa.ForeignKey("regions.id"), nullable=False),
        sa.Column("unit_id", sa.String(200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("author_user_id", sa.String(36), nullable=True),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("source", sa.String(30), nullable=False),
        sa.Column("available_old", sa.Integer, nullable=True),
        sa.Column("available_new", sa.Integer, nullable=False),
        sa.Column("maximum", sa.Integer, nullable=False),
        sa.Column("intake_stop_old", sa.Text, nullable=True),
        sa.Column("intake_stop_new", sa.Text, nullable=True),
    )
    op.create_index("ix_capacity_history_region_at", "capacity_history", ["region_id", "at"])
    op.create_index("ix_capacity_history_unit", "capacity_history", ["region_id", "unit_id"])
    op.create_table(
        "directory_holds",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("region_id", sa.Integer, sa.ForeignKey("regions.id"), nullable=False),
        sa.Column("unit_id", sa.String(200), nullable=False),
        sa.Column("case_id", sa.String(36), nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(36), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("end_reason", sa.String(30), nullable=True),
    )
    op.create_index("ix_directory_holds_unit", "directory_holds", ["region_id", "unit_id"])
    op.create_index("ix_directory_holds_case", "directory_holds", ["case_id"])


def downgrade() -> None:
    op.drop_index("ix_directory_holds_case", table_name="directory_holds")
    op.drop_index("ix_directory_holds_unit", table_name="directory_holds")
    op.drop_table("directory_holds")
    op.drop_index("ix_capacity_history_unit", table_name="capacity_history")
    op.drop_index("ix_capacity_history_region_at", table_name="capacity_history")
    op.drop_table("capacity_history")
    op.drop_table("directory_units")
    op.drop_table("directory_organizations")
    op.drop_table("directory_settings")
    with op.batch_alter_table("changes") as batch:
        batch.alter_column(
            "kind", existing_type=sa.String(40), type_=sa.String(20), existing_nullable=False
        )
