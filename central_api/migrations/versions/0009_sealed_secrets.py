"""Room for sealed secrets: `user_totp.secret` and `region_secrets.secret` hold values
sealed under the server key (``v1:`` + base64, see central_api.secret_box), longer than
the plaintext base32 secret and hex key they held before.

The values themselves are sealed by the application after the upgrade
(central_api.secrets_at_rest.prepare at the API's start and on ``migrate``), because the
key is not in the database. A downgrade narrows the columns again: open or re-enrol the
sealed values first (an older server cannot read them, and PostgreSQL refuses to cut them).

Revision ID: 0009_sealed_secrets
Revises: 0008_privacy
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_sealed_secrets"
down_revision = "0008_privacy"
branch_labels = None
depends_on = None

TABLES = ("user_totp", "region_secrets")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.alter_column(
                "secret", existing_type=sa.String(64), type_=sa.String(200), existing_nullable=False
            )


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.alter_column(
                "secret", existing_type=sa.String(200), type_=sa.String(64), existing_nullable=False
            )
