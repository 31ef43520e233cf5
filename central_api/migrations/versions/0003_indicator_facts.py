"""Stuurinformatie: per-case facts, daily counts, their change-log watermark, region secrets.

Revision ID: 0003_indicators
Revises: 0002
Create Date: 2026-12-03

The facts table is filled lazily: the first indicators request after this migration
reads every case_state in the change log (the watermark starts at 0).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_indicators"
down_revision = "0002"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "indicator_facts",
        sa.Column("case_id", sa.String(36), primary_key=True),
        sa.Column("region_id", sa.Integer, nullable=False),
        sa.Column("received_at", TS, nullable=True),
        sa.Column("local_hour", sa.Integer, nullable=True),
        sa.Column("iso_week", sa.String(8), nullable=True),
        sa.Column("part_of_day", sa.String(5), nullable=True),
        sa.Column("weekend", sa.Boolean, nullable=True),
        sa.Column("channel", sa.String(40), nullable=False),
        sa.Column("caller_role", sa.String(40), nullable=False),
        sa.Column("age_band", sa.String(10), nullable=False),
        sa.Column("gender", sa.String(40), nullable=True),
        sa.Column("urgency", sa.String(2), nullable=True),
        sa.Column("decided", sa.Boolean, nullable=False),
        sa.Column("minutes_to_decision", sa.Double, nullable=True),
        sa.Column("intervention", sa.String(40), nullable=True),
        sa.Column("care_type", sa.String(40), nullable=True),
        sa.Column("ready", sa.Boolean, nullable=False),
        sa.Column("answered_mask", sa.Integer, nullable=False),
        sa.Column("needed_reconciliation", sa.Boolean, nullable=False),
    )
    op.create_index(
        "ix_indicator_facts_region_received", "indicator_facts", ["region_id", "received_at"]
    )
    op.create_index(
        "ix_indicator_facts_region_minutes",
        "indicator_facts",
        ["region_id", "minutes_to_decision"],
        postgresql_include=["received_at"],
        postgresql_where=sa.text("minutes_to_decision IS NOT NULL"),
        sqlite_where=sa.text("minutes_to_decision IS NOT NULL"),
    )
    op.create_table(
        "indicator_daily",
        sa.Column("region_id", sa.Integer, primary_key=True),
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("dim", sa.String(20), primary_key=True),
        sa.Column("category", sa.String(60), primary_key=True),
        sa.Column("n", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "region_secrets",
        sa.Column("region_id", sa.Integer, sa.ForeignKey("regions.id"), primary_key=True),
        sa.Column("secret", sa.String(64), nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )
    counters = sa.table("counters", sa.column("name", sa.String), sa.column("value", sa.BigInteger))
    op.bulk_insert(counters, [{"name": "indicator_facts", "value": 0}])


def downgrade() -> None:
    op.execute("DELETE FROM counters WHERE name = 'indicator_facts'")
    op.drop_table("region_secrets")
    op.drop_table("indicator_daily")
    op.drop_index("ix_indicator_facts_region_minutes", table_name="indicator_facts")
    op.drop_index("ix_indicator_facts_region_received", table_name="indicator_facts")
    op.drop_table("indicator_facts")
