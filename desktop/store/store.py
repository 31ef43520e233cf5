"""The store façade: one encrypted database per data dir (and one for training).

``<data_dir>/doorloop.db`` holds production data; training uses its own file
``<data_dir>/training/doorloop-training.db`` so exercises can never mix with real
cases. The profile (who works on this device) lives inside the encrypted database.

Opening the store and reading the profile and the case list load neither pydantic
nor sqlite-utils: the outbox (and with it the sync models) and the
``sqlite_utils.Database`` of :attr:`Store.db` are made on first use.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from desktop.paths import database_path
from desktop.store.audit import AuditLog, ChainReport
from desktop.store.cases import CaseRepository
from desktop.store.changes import ChangeFeed, feed_for
from desktop.store.database import Database, connect, integrity_problems
from desktop.store.errors import StoreError, StoreLocked
from desktop.store.records import ROLES, Actor, Profile

if TYPE_CHECKING:
    import sqlcipher3
    import sqlite_utils

    from desktop.store.outbox import Outbox

MIN_PASSPHRASE_LENGTH = 10
LANGUAGES = ("nl", "en")
_PROFILE_COLUMNS = (
    "user_id",
    "display_name",
    "role",
    "region",
    "device_id",
    "created_at",
    "idle_lock_minutes",
    "language",
)


def store_exists(data_dir: Path, *, training: bool = False) -> bool:
    return database_path(data_dir, training=training).exists()


class Store:
    """An open, unlocked store. ``lock()`` closes the connection and forgets the key."""

    def __init__(self, path: Path, db: Database, *, training: bool) -> None:
        self.path = path
        self.training = training
        self._sql: Database | None = db
        self._wire(db)

    def _wire(self, db: Database) -> None:
        self._utils: sqlite_utils.Database | None = None
        self._outbox: Outbox | None = None
        self._audit = AuditLog(db, None if self.training else self._queue)
        self._cases = CaseRepository(db, self._audit, self._queue)

    def _queue(self) -> Outbox:
        """The outbox, made on first use (it loads the sync models)."""
        if self._outbox is None:
            from desktop.store.outbox import Outbox

            self._outbox = Outbox(self.sql)
        return self._outbox

    @property
    def cases(self) -> CaseRepository:
        self._require_unlocked()
        return self._cases

    @property
    def audit(self) -> AuditLog:
        self._require_unlocked()
        return self._audit

    @property
    def outbox(self) -> Outbox:
        self._require_unlocked()
        return self._queue()

    def _require_unlocked(self) -> None:
        if self._sql is None:
            raise StoreLocked("the store is locked")

    @property
    def sql(self) -> Database:
        """The store's own handle on the connection (``execute``, ``atomic``)."""
        if self._sql is None:
            raise StoreLocked("the store is locked")
        return self._sql

    @property
    def db(self) -> sqlite_utils.Database:
        """A ``sqlite_utils.Database`` on the store's connection, made on first use."""
        sql = self.sql
        if self._utils is None:
            import sqlite_utils

            # no third-party sqlite-utils plugins run on the encrypted connection
            self._utils = sqlite_utils.Database(sql.conn, execute_plugins=False)
        return self._utils

    @property
    def locked(self) -> bool:
        return self._sql is None

    @property
    def changes(self) -> ChangeFeed:
        """Which cases changed, after each commit by any connection to this file in this
        process (the sync worker's too): see :mod:`desktop.store.changes`."""
        return feed_for(self.path)

    @contextlib.contextmanager
    def atomic(self) -> Iterator[sqlite_utils.Database]:
        """One transaction (a savepoint when nested); the case change feed hears of it
        after the commit."""
        db = self.db
        with self.sql.atomic():
            yield db

    def unsynced_count(self) -> int:
        """Case versions not yet acknowledged by the central API, quarantined ones
        included (the status bar), counted without loading the outbox's item models."""
        from desktop.store.outbox import unsynced_count

        return unsynced_count(self.sql, "version")

    # -- profile ---------------------------------------------------------------------------

    def profile(self) -> Profile | None:
        row = self.sql.execute(
            f"SELECT {', '.join(_PROFILE_COLUMNS)} FROM profile WHERE id = 1"
        ).fetchone()
        if row is None:
            return None
        values = dict(zip(_PROFILE_COLUMNS, row, strict=True))
        values["created_at"] = datetime.fromisoformat(values["created_at"])
        return Profile(**values)

    def create_profile(
        self, display_name: str, role: str, *, region: str = "demo", language: str = "nl"
    ) -> Profile:
        display_name = display_name.strip()
        if not display_name:
            raise StoreError("display name is empty")
        if role not in ROLES:
            raise StoreError(f"unknown role {role!r}")
        if language not in LANGUAGES:
            raise StoreError(f"unknown language {language!r}")
        import uuid  # once per device: not loaded by an ordinary start

        profile = Profile(
            user_id=str(uuid.uuid4()),
            display_name=display_name,
            role=role,
            region=region,
            device_id=str(uuid.uuid4()),
            created_at=datetime.now(UTC),
            language=language,  # type: ignore[arg-type]
        )
        sql = self.sql
        with sql.atomic():
            sql.execute(
                "INSERT INTO profile (id, user_id, display_name, role, region, device_id, "
                "created_at, idle_lock_minutes, language) VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    profile.user_id,
                    profile.display_name,
                    profile.role,
                    profile.region,
                    profile.device_id,
                    profile.created_at.isoformat(),
                    profile.idle_lock_minutes,
                    profile.language,
                ],
            )
            self.audit.append(actor_for(profile), "profile_created", details={"role": role})
        return profile

    def update_profile(self, **changes: object) -> Profile:
        # user_id: the signed-in central user's id, adopted at login (desktop.sync)
        allowed = {"display_name", "role", "idle_lock_minutes", "language", "region", "user_id"}
        unknown = set(changes) - allowed
        if unknown:
            raise StoreError(f"cannot change {', '.join(sorted(unknown))}")
        if "role" in changes and changes["role"] not in ROLES:
            raise StoreError(f"unknown role {changes['role']!r}")
        if "language" in changes and changes["language"] not in LANGUAGES:
            raise StoreError(f"unknown language {changes['language']!r}")
        minutes = changes.get("idle_lock_minutes", 1)
        if not isinstance(minutes, int) or isinstance(minutes, bool) or minutes < 1:
            raise StoreError(f"idle_lock_minutes must be whole minutes, not {minutes!r}")
        assignments = ", ".join(f"{name} = ?" for name in changes)
        sql = self.sql
        with sql.atomic():
            sql.execute(f"UPDATE profile SET {assignments} WHERE id = 1", list(changes.values()))
        profile = self.profile()
        assert profile is not None
        return profile

    # -- lifecycle -------------------------------------------------------------------------

    def lock(self) -> None:
        """Close the connection: the key is no longer held in this process."""
        if self._sql is not None:
            self._sql.close()
            self._sql = None
            self._utils = None
            self._outbox = None

    def unlock(self, passphrase: str) -> None:
        """Reopen after :meth:`lock`; raises WrongPassphrase."""
        if self._sql is None:
            db = connect(self.path, passphrase)
            self._sql = db
            self._wire(db)

    def drop_expired_training(self, days: int | None = None) -> int:
        """Training data is kept only days (issue 21): drop the exercises' cases last
        changed longer ago (default: the region default). Returns how many went."""
        if not self.training:
            return 0
        from datetime import UTC, datetime, timedelta

        from desktop.store import heads
        from doorloop_protocol.privacy import DEFAULT_RETENTION_TRAINING_DAYS

        keep = DEFAULT_RETENTION_TRAINING_DAYS if days is None else days
        cutoff = (datetime.now(UTC) - timedelta(days=keep)).isoformat(timespec="milliseconds")
        with self.atomic():
            rows = self.sql.execute(
                "SELECT id FROM cases WHERE updated_at < ?", [cutoff]
            ).fetchall()
            return sum(heads.drop(self.sql, str(row[0])) for row in rows)

    def close(self) -> None:
        self.lock()

    def verify_audit_chain(self) -> ChainReport:
        return self.audit.verify()

    def integrity_problems(self) -> list[str]:
        return integrity_problems(self.sql)


def actor_for(profile: Profile, on_behalf_of: str | None = None) -> Actor:
    return Actor(
        user_id=profile.user_id,
        display_name=profile.display_name,
        role=profile.role,
        device_id=profile.device_id,
        on_behalf_of=on_behalf_of,
    )


def open_store(
    data_dir: Path,
    passphrase: str,
    *,
    training: bool = False,
    conn: sqlcipher3.Connection | None = None,
) -> Store:
    """Open (creating when new) the store in ``data_dir``; raises WrongPassphrase.

    ``conn`` is the connection :func:`desktop.store.database.open_connection` already
    opened with ``passphrase`` (the app derives the key on a thread while Qt loads).
    """
    path = database_path(Path(data_dir), training=training)
    path.parent.mkdir(parents=True, exist_ok=True)
    store = Store(path, connect(path, passphrase, conn=conn), training=training)
    if training:
        store.drop_expired_training()
    return store
