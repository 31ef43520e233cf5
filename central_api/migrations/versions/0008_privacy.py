"""Privacy by design (issue 21): region privacy settings, break-the-glass grants, and
the remote wipe of devices revoked as lost.

Revision ID: 0008_privacy
Revises: 0004
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_privacy"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "region_privacy",
        sa.Column("region_id", sa.Integer, sa.ForeignKey("regions.id"), primary_key=True),
        sa.Column("window_days", sa.Integer, nullable=False),
        sa.Column("retention_production_days", sa.Integer, nullable=False),
        sa.Column("retention_training_days", sa.Integer, nullable=False),
        sa.Column("keep_closed_days", sa.Integer, nullable=False),
        sa.Column("keep_closed_days_outreach", sa.Integer, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "case_grants",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.String(36), nullable=False),
        sa.Column("region_id", sa.Integer, sa.ForeignKey("regions.id"), nullable=False),
        sa.Column("user_id", sa.String(36), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("device_id", sa.String(36), nullable=True),
        sa.Column("reason", sa.String(40), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_case_grants_case_id", "case_grants", ["case_id"])
    op.create_index(
        "ix_versions_pushed_by_device_case", "versions", ["pushed_by_device", "case_id"]
    )
    with op.batch_alter_table("devices") as batch:
        batch.add_column(sa.Column("wipe_requested_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("wipe_confirmed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_index("ix_versions_pushed_by_device_case", "versions")
    with op.batch_alter_table("devices") as batch:
        batch.drop_column("wipe_confirmed_at")
        batch.drop_column("wipe_requested_at")
    op.drop_index("ix_case_grants_case_id", "case_grants")
    op.drop_table("case_grants")
    op.drop_table("region_privacy")
