"""Per-device rate limit state shared by every worker (central_api.rate_limit).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003_indicators"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # UNLOGGED on PostgreSQL: no WAL for it; a crash empties it, which only forgets limits
    unlogged = ["UNLOGGED"] if op.get_bind().dialect.name == "postgresql" else []
    op.create_table(
        "rate_buckets",
        sa.Column("key", sa.String(80), primary_key=True),
        sa.Column("tat", sa.Float(precision=53), nullable=False),
        prefixes=unlogged,
    )


def downgrade() -> None:
    op.drop_table("rate_buckets")
