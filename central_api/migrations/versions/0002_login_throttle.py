"""Login throttle shared by all workers; devices remember the desk's installation id.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "login_throttle",
        sa.Column("key", sa.String(80), primary_key=True),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("blocked_until", TS, nullable=True),
        sa.Column("updated_at", TS, nullable=False),
    )
    op.create_index("ix_login_throttle_updated_at", "login_throttle", ["updated_at"])
    with op.batch_alter_table("devices") as batch:
        batch.add_column(sa.Column("installation_id", sa.String(36), nullable=True))
    # One live device per user and desk installation: a retried login finds it again.
    op.create_index(
        "ux_devices_user_installation",
        "devices",
        ["user_id", "installation_id"],
        unique=True,
        postgresql_where=sa.text("revoked_at IS NULL AND installation_id IS NOT NULL"),
        sqlite_where=sa.text("revoked_at IS NULL AND installation_id IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ux_devices_user_installation", table_name="devices")
    with op.batch_alter_table("devices") as batch:
        batch.drop_column("installation_id")
    op.drop_index("ix_login_throttle_updated_at", table_name="login_throttle")
    op.drop_table("login_throttle")
