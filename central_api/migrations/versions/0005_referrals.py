"""Referrals: immutable referral events, the referral summary, receivers' organisation.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("organization_id", sa.String(200), nullable=True))
    with op.batch_alter_table("changes") as batch:
        batch.add_column(sa.Column("organization_id", sa.String(200), nullable=True))
    op.create_table(
        "referral_events",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("referral_id", sa.String(36), nullable=False, index=True),
        sa.Column("case_id", sa.String(36), nullable=False, index=True),
        sa.Column("region_id", sa.Integer, sa.ForeignKey("regions.id"), nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False, unique=True),
        sa.Column("move", sa.String(20), nullable=False),
        sa.Column("organization_id", sa.String(200), nullable=True),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("pushed_by_device", sa.String(36), nullable=False),
    )
    op.create_table(
        "referrals",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("case_id", sa.String(36), nullable=False, index=True),
        sa.Column("region_id", sa.Integer, sa.ForeignKey("regions.id"), nullable=False),
        sa.Column("organization_id", sa.String(200), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("is_open", sa.Boolean, nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("acknowledge_due", sa.DateTime(timezone=True), nullable=True),
        sa.Column("first_contact_due", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("urgency", sa.String(10), nullable=True),
        sa.Column("acknowledge_by", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("first_contact_by", sa.DateTime(timezone=True), nullable=True),
        sa.Column("first_contact_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledge_breached", sa.Boolean, nullable=False),
        sa.Column("first_contact_breached", sa.Boolean, nullable=False),
        sa.Column("decline_reason", sa.String(40), nullable=True),
    )
    op.create_index("ix_referrals_region_ack_due", "referrals", ["region_id", "acknowledge_due"])
    op.create_index(
        "ix_referrals_region_contact_due", "referrals", ["region_id", "first_contact_due"]
    )
    op.create_index(
        "ux_referrals_open_case",
        "referrals",
        ["case_id"],
        unique=True,
        postgresql_where=sa.text("is_open"),
        sqlite_where=sa.text("is_open"),
    )


def downgrade() -> None:
    op.drop_table("referrals")
    op.drop_table("referral_events")
    with op.batch_alter_table("changes") as batch:
        batch.drop_column("organization_id")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("organization_id")
