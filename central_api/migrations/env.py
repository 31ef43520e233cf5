"""Alembic environment: runs online against the engine handed over by central_api.db."""

from __future__ import annotations

from alembic import context

from central_api.db import metadata

config = context.config
engine = config.attributes["engine"]

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()
