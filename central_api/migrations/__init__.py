"""Alembic migrations of the central database (run programmatically, see central_api.db)."""
