"""Passwords (argon2), device tokens (random, stored as sha256) and per-key rate limits."""

from __future__ import annotations

import hashlib
import math
import secrets
import threading
import time
from collections.abc import Callable

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
_dummy_hash: str | None = None


def configure_password_hasher(*, time_cost: int, memory_cost: int, parallelism: int) -> None:
    """Change the argon2 parameters for new hashes (tests use cheap ones; the default is
    argon2-cffi's RFC 9106 low-memory profile). Existing hashes keep verifying."""
    global _hasher, _dummy_hash
    _hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism)
    _dummy_hash = None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when `password` matches. An unknown user (None) is checked against a dummy
    hash, so the time taken does not tell which usernames exist."""
    global _dummy_hash
    if password_hash is None:
        _dummy_hash = _dummy_hash or _hasher.hash("doorloop-no-such-user")
    try:
        return _hasher.verify(password_hash or _dummy_hash or "", password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def new_token() -> str:
    """A bearer token: 32 random bytes, URL-safe. Only its sha256 is stored."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


class RateLimiter:
    """A token bucket per key (the device id), kept in memory (per worker process).

    `per_minute` tokens flow in per minute up to `burst`; each request takes one. When the
    bucket is empty, `take` returns the seconds to wait (for `Retry-After`).
    """

    def __init__(
        self, per_minute: float, burst: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate = per_minute / 60.0
        self.burst = max(1, burst)
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.rate > 0

    def take(self, key: str) -> int | None:
        """Take one token for `key`: None when allowed, else whole seconds to wait (≥ 1)."""
        if not self.enabled:
            return None
        now = self.clock()
        with self._lock:
            tokens, last = self._buckets.get(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - last) * self.rate)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                return None
            self._buckets[key] = (tokens, now)
            return max(1, math.ceil((1.0 - tokens) / self.rate))
