"""Login throttling shared by every worker, and the bound on concurrent password hashes.

`LoginThrottle` keeps failed-login counters in the database (table `login_throttle`), so
`serve --workers N` counts one attempt once whichever worker served it. Two counters per
attempt: one per (user name, client address) and one per client address (all names
together, against password spraying). Each allows some free failures, then blocks for a
delay that doubles with every further failure up to a maximum; a blocked attempt answers
429 with `Retry-After` and costs no password hash. A correct password clears its (user
name, client) counter. Nothing is counted per user name alone, so failures from one
client never lock the user out on another.

A desk installation that has logged in as this user before (its installation id is on
one of the user's devices, revoked or not) counts as a *known* client: it is counted
per (user name, installation) only, not per address, so failures of others behind the
same address (an office NAT) do not block it (OWASP's "device cookie"). The installation
id is secret to the desk; guessing it is hopeless and would only reach a counter of its
own, throttled the same way.

An attempt is counted *before* its password is checked (and given back when it turns out
right), so concurrent guesses from one client cannot slip past the limit together.

`HashGate` bounds the password hashes one process runs at once (argon2 takes 64 MiB
each): `slots` hash, `queue` more wait their turn, further logins get 503 at once.
"""

from __future__ import annotations

import hashlib
import math
import secrets
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, delete, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from central_api import db


@dataclass(frozen=True)
class ThrottlePolicy:
    """How many failures are free and how the delay after them grows (seconds)."""

    user_client_free: int = 5
    client_free: int = 30
    base_delay: float = 2.0
    max_delay: float = 900.0
    # a counter with no attempt for this long (and no block in force) starts again at 0
    forget_after: float = 3600.0

    def delay(self, failures: int, free: int) -> float | None:
        """The block after `failures` counted failures, None while they are still free."""
        if failures < free:
            return None
        return min(self.max_delay, self.base_delay * 2.0 ** min(failures - free, 30))


class Throttled(Exception):
    """This client must wait `retry_after` seconds before its next login attempt."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"retry after {retry_after} s")
        self.retry_after = retry_after


@dataclass(frozen=True)
class Attempt:
    """One counted login attempt: the keys of its counters (no client counter for a
    known installation)."""

    user_client_key: str
    client_key: str | None

    @property
    def keys(self) -> list[str]:
        """The counter keys in one fixed order (no deadlock between workers)."""
        return sorted(k for k in (self.user_client_key, self.client_key) if k is not None)


def _key(kind: str, *parts: str) -> str:
    digest = hashlib.sha256("\x00".join(parts).encode("utf-8", "surrogatepass")).hexdigest()
    return f"{kind}:{digest}"


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes (stored as UTC)."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


class LoginThrottle:
    """Failed-login counters in the `login_throttle` table (see the module doc)."""

    def __init__(
        self,
        engine: Engine,
        policy: ThrottlePolicy | None = None,
        clock: Callable[[], datetime] = _now,
    ) -> None:
        self.engine = engine
        self.policy = policy or ThrottlePolicy()
        self.clock = clock

    def _insert_absent(self, conn: Connection, key: str, now: datetime) -> None:
        dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
        statement: Any = dialect.insert(db.login_throttle).values(
            key=key, failures=0, blocked_until=None, updated_at=now
        )
        conn.execute(statement.on_conflict_do_nothing(index_elements=["key"]))

    def _free(self, key: str) -> int:
        return self.policy.user_client_free if key.startswith("uc:") else self.policy.client_free

    def begin(self, username: str, client: str, known_installation: str | None = None) -> Attempt:
        """Count an attempt by `username` from `client` address, or from a known desk
        installation of this user (see the module doc); raise `Throttled` when blocked."""
        if known_installation is not None:
            attempt = Attempt(_key("uc", username, "installation", known_installation), None)
        else:
            attempt = Attempt(_key("uc", username, client), _key("c", client))
        now = self.clock()
        forget = timedelta(seconds=self.policy.forget_after)
        keys = attempt.keys
        with self.engine.begin() as conn:
            for key in keys:
                self._insert_absent(conn, key, now)
            rows = conn.execute(
                select(db.login_throttle)
                .where(db.login_throttle.c.key.in_(keys))
                .order_by(db.login_throttle.c.key)
                .with_for_update()
            ).all()
            wait = 0.0
            counts: dict[str, int] = {}
            for row in rows:
                blocked_until = _aware(row.blocked_until)
                if blocked_until is not None and blocked_until > now:
                    wait = max(wait, (blocked_until - now).total_seconds())
                quiet = _aware(row.updated_at) + forget < now  # type: ignore[operator]
                counts[row.key] = 0 if quiet else int(row.failures)
            if wait > 0:
                raise Throttled(max(1, math.ceil(wait)))
            for key in keys:
                failures = counts.get(key, 0) + 1
                delay = self.policy.delay(failures, self._free(key))
                conn.execute(
                    update(db.login_throttle)
                    .where(db.login_throttle.c.key == key)
                    .values(
                        failures=failures,
                        blocked_until=now + timedelta(seconds=delay) if delay else None,
                        updated_at=now,
                    )
                )
            if secrets.randbelow(64) == 0:
                self._drop_forgotten(conn, now)
        return attempt

    def succeeded(self, attempt: Attempt) -> None:
        """The password was right: clear the (user, client) counter, give the client's back."""
        with self.engine.begin() as conn:
            conn.execute(
                delete(db.login_throttle).where(db.login_throttle.c.key == attempt.user_client_key)
            )
            if attempt.client_key is not None:
                self._give_back(conn, attempt.client_key)

    def withdraw(self, attempt: Attempt) -> None:
        """The attempt never reached the password check (server busy): count it not at all."""
        with self.engine.begin() as conn:
            for key in attempt.keys:
                self._give_back(conn, key)

    def _give_back(self, conn: Connection, key: str) -> None:
        row = conn.execute(
            select(db.login_throttle).where(db.login_throttle.c.key == key).with_for_update()
        ).first()
        if row is None:
            return
        failures = max(0, int(row.failures) - 1)
        values: dict[str, Any] = {"failures": failures}
        if failures < self._free(key):
            values["blocked_until"] = None
        conn.execute(
            update(db.login_throttle).where(db.login_throttle.c.key == key).values(**values)
        )

    def _drop_forgotten(self, conn: Connection, now: datetime) -> None:
        """Remove counters that would start again at 0 anyway (keeps the table small)."""
        conn.execute(
            delete(db.login_throttle).where(
                db.login_throttle.c.updated_at < now - timedelta(seconds=self.policy.forget_after),
                or_(
                    db.login_throttle.c.blocked_until.is_(None),
                    db.login_throttle.c.blocked_until < now,
                ),
            )
        )


class Busy(Exception):
    """Too many logins are being checked right now; answer 503 with Retry-After."""


class HashGate:
    """At most `slots` password checks at once in this process, `queue` more waiting.

    `enter` admits a login or raises `Busy` at once (no thread and no memory spent on it);
    `hashing` waits up to `wait` seconds for a slot, else raises `Busy`.
    """

    def __init__(self, slots: int, queue: int, wait: float) -> None:
        self.slots = max(1, slots)
        self.capacity = self.slots + max(0, queue)
        self.wait = wait
        self._inside = 0
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(self.slots)

    def try_enter(self) -> bool:
        with self._lock:
            if self._inside >= self.capacity:
                return False
            self._inside += 1
            return True

    def leave(self) -> None:
        with self._lock:
            self._inside -= 1

    @contextmanager
    def hashing(self) -> Iterator[None]:
        if not self._slots.acquire(timeout=self.wait):
            raise Busy
        try:
            yield
        finally:
            self._slots.release()
