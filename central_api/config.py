"""Settings of the central service: database URL, rate limit, batch and page sizes."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs

APP_NAME = "doorloop-central"
ENV_DATABASE_URL = "DOORLOOP_CENTRAL_DATABASE_URL"
ENV_RATE_PER_MINUTE = "DOORLOOP_CENTRAL_RATE_PER_MINUTE"
ENV_LOGIN_HASH_SLOTS = "DOORLOOP_CENTRAL_LOGIN_HASH_SLOTS"
ENV_LOGIN_HASH_QUEUE = "DOORLOOP_CENTRAL_LOGIN_HASH_QUEUE"
# "0" in the workers of `serve --workers N`: the parent applied the migrations once.
ENV_MIGRATE_ON_START = "DOORLOOP_CENTRAL_MIGRATE_ON_START"
# "0" closes the interactive pages /docs and /redoc (the API itself stays).
ENV_API_DOCS = "DOORLOOP_CENTRAL_API_DOCS"
# pushes one worker runs at once (they take turns on the sequence lock anyway)
ENV_PUSH_SLOTS = "DOORLOOP_CENTRAL_PUSH_SLOTS"


def default_database_url() -> str:
    """A SQLite file in the user data dir (DESIGN.md contract 7), created when missing."""
    data_dir = Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    data_dir.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{data_dir / 'central.sqlite3'}"


def normalise_database_url(url: str | None) -> str:
    """Resolve the URL to use: argument, then environment, then the SQLite default.

    `postgresql://` and `postgres://` are mapped to the psycopg 3 driver.
    """
    url = url or os.environ.get(ENV_DATABASE_URL) or default_database_url()
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def default_hash_slots() -> int:
    """Password checks one worker runs at once: one per core, at most 4 (64 MiB each)."""
    return max(1, min(4, os.cpu_count() or 1))


@dataclass(frozen=True)
class Settings:
    """Runtime settings of one central service.

    `rate_per_minute` is the steady request rate allowed per device and `rate_burst` the
    bucket size; `rate_per_minute=0` switches that limit off. Logins are throttled apart
    from it and always (`central_api.throttle`): `login_free_failures` failures per (user
    name, client) and `login_client_free_failures` per client are free, then the client
    waits `login_delay_base` seconds, doubling per failure up to `login_delay_max`.
    `login_hash_slots` password checks run at once per worker, `login_hash_queue` more
    wait (at most `login_hash_wait` seconds); further logins get 503. `api_docs=False`
    closes the interactive pages `/docs` and `/redoc`.
    """

    database_url: str
    rate_per_minute: float = 600.0
    rate_burst: int = 120
    login_free_failures: int = 5
    login_client_free_failures: int = 30
    login_delay_base: float = 2.0
    login_delay_max: float = 900.0
    login_forget_after: float = 3600.0
    login_hash_slots: int = field(default_factory=default_hash_slots)
    login_hash_queue: int = 16
    login_hash_wait: float = 15.0
    migrate_on_start: bool = True
    api_docs: bool = True
    push_slots: int = 2

    @classmethod
    def from_env(cls, database_url: str | None = None) -> Settings:
        def number(name: str, default: float) -> float:
            raw = os.environ.get(name)
            return float(raw) if raw else default

        return cls(
            database_url=normalise_database_url(database_url),
            rate_per_minute=number(ENV_RATE_PER_MINUTE, 600.0),
            rate_burst=int(number("DOORLOOP_CENTRAL_RATE_BURST", 120)),
            migrate_on_start=os.environ.get(ENV_MIGRATE_ON_START, "1") != "0",
            login_hash_slots=int(number(ENV_LOGIN_HASH_SLOTS, default_hash_slots())),
            login_hash_queue=int(number(ENV_LOGIN_HASH_QUEUE, 16)),
            api_docs=os.environ.get(ENV_API_DOCS, "1") != "0",
            push_slots=int(number(ENV_PUSH_SLOTS, 2)),
        )
