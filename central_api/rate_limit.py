"""The per-device request rate limit, shared by every worker and host on PostgreSQL.

`SharedRateLimiter` keeps one row per device in `rate_buckets` and decides with one
statement (GCRA, the "generic cell rate algorithm", equivalent to a token bucket of
`burst` tokens refilled at `per_minute`): `tat`, the theoretical arrival time, moves
`interval` seconds on with every allowed request; a request is allowed while `tat` stays
within `burst` intervals of now. The clock is the database's, so workers on hosts with
slightly different clocks agree. N workers enforce exactly the limits of one.

The table is UNLOGGED and the statement runs in autocommit: one round trip, and no WAL,
so its commit waits for no disk flush; a crash may forget who was throttled (harmless).
SQLite (one process) keeps the in-memory `central_api.security.RateLimiter`.
"""

from __future__ import annotations

import math

from sqlalchemy import Engine, text

from central_api.security import RateLimiter

_NOW = "EXTRACT(EPOCH FROM clock_timestamp())"
_TAKE = text(
    f"INSERT INTO rate_buckets (key, tat) VALUES (:key, {_NOW} + :interval)"
    f" ON CONFLICT (key) DO UPDATE SET tat = GREATEST(rate_buckets.tat, {_NOW}) + :interval"
    f" WHERE GREATEST(rate_buckets.tat, {_NOW}) + :interval - {_NOW} <= :window"
    " RETURNING tat"
)
_WAIT = text(f"SELECT GREATEST(tat, {_NOW}) + :interval - {_NOW} - :window FROM rate_buckets"
             " WHERE key = :key")  # fmt: skip


class SharedRateLimiter:
    """`take(key)` like `RateLimiter.take`, with the state in PostgreSQL (module doc)."""

    def __init__(self, engine: Engine, per_minute: float, burst: int) -> None:
        self.engine = engine
        self._engine = engine.execution_options(isolation_level="AUTOCOMMIT")
        self.rate = per_minute / 60.0
        self.burst = max(1, burst)

    @property
    def enabled(self) -> bool:
        return self.rate > 0

    def take(self, key: str) -> int | None:
        """Take one request for `key`: None when allowed, else whole seconds to wait."""
        if not self.enabled:
            return None
        interval = 1.0 / self.rate
        params = {"key": key, "interval": interval, "window": self.burst * interval}
        # one statement in autocommit: one round trip, and (the table being UNLOGGED, no
        # WAL is written) a commit that waits for no disk flush
        with self._engine.connect() as conn:
            if conn.execute(_TAKE, params).first() is not None:
                return None
            wait = conn.execute(_WAIT, params).scalar()
        return max(1, math.ceil(float(wait or 0.0)))


def rate_limiter(engine: Engine, per_minute: float, burst: int) -> RateLimiter | SharedRateLimiter:
    """The shared limiter on PostgreSQL, the in-memory one on SQLite (one process)."""
    if engine.dialect.name == "postgresql":
        return SharedRateLimiter(engine, per_minute, burst)
    return RateLimiter(per_minute, burst)
