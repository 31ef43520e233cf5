"""Integration tests of the central API against real PostgreSQL and SQLite."""
