"""The central Doorloop service (FastAPI): auth, regions, sync, reference data."""
