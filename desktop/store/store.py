"""The store façade: one encrypted database per data dir (and one for training).

``<data_dir>/doorloop.db`` holds production data; training uses its own file
``<data_dir>/training/doorloop-training.db`` so exercises can never mix with real
cases. Several users may work on one device, each unlocking with their own passphrase
(a key slot each, :mod:`desktop.store.keyslots`); their profiles live inside the
encrypted database, and a store handle acts for the user who unlocked it.

Opening the store and reading the profile and the case list load neither pydantic
nor sqlite-utils: the outbox (and with it the sync models) and the
``sqlite_utils.Database`` of :attr:`Store.db` are made on first use.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop.paths import database_path
from desktop.store.audit import AuditLog, ChainReport
from desktop.store.cases import CaseRepository
from desktop.store.changes import ChangeFeed, feed_for
from desktop.store.database import Database, connect, integrity_problems
from desktop.store.errors import (
    NotFoundError,
    PermissionDenied,
    StoreError,
    StoreLocked,
    WrongPassphrase,
)
from desktop.store.keyslots import KeySlots, Opened, SlotInfo, new_store_key, open_keyed
from desktop.store.records import ROLES, Actor, Profile
from desktop.store.slot_kdf import MIN_PASSPHRASE_LENGTH as MIN_PASSPHRASE_LENGTH
from desktop.store.slot_kdf import store_exists as store_exists

if TYPE_CHECKING:
    import sqlite_utils

    from desktop.store.outbox import Outbox
    from desktop.store.referrals import ReferralRepository

LANGUAGES = ("nl", "en")
USER_MANAGERS = ("coordinator",)
"""Roles that may add and remove users on a device (besides its first user)."""
_USER_COLUMNS = (
    "local_id",
    "user_id",
    "display_name",
    "role",
    "region",
    "created_at",
    "idle_lock_minutes",
    "language",
    "added_by",
)


class Store:
    """An open, unlocked store. ``lock()`` closes the connection and forgets the key."""

    def __init__(
        self,
        path: Path,
        db: Database,
        *,
        training: bool,
        user: str | None = None,
        store_key: bytes | None = None,
    ) -> None:
        self.path = path
        self.training = training
        self.current_user = user
        """The local id (key slot) of the user who unlocked the store; their profile is
        :meth:`profile`, and every action on this handle is theirs."""
        self._key = store_key  # held while unlocked, as the connection holds it
        self._sql: Database | None = db
        self._wire(db)

    def _wire(self, db: Database) -> None:
        self._utils: sqlite_utils.Database | None = None
        self._outbox: Outbox | None = None
        self._audit = AuditLog(db, None if self.training else self._queue)
        self._cases = CaseRepository(db, self._audit, self._queue)
        self._referrals: ReferralRepository | None = None

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
    def referrals(self) -> ReferralRepository:
        """Referral events and the lists made from them (made on first use)."""
        self._require_unlocked()
        if self._referrals is None:
            from desktop.store.referrals import ReferralRepository

            self._referrals = ReferralRepository(
                self.sql, self._audit, None if self.training else self._queue
            )
        return self._referrals

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

    # -- profiles (users of this device) ---------------------------------------------------

    def _device(self) -> tuple[str, str] | None:
        row = self.sql.execute("SELECT device_id, created_at FROM profile WHERE id = 1").fetchone()
        return None if row is None else (str(row[0]), str(row[1]))

    def _user(self, row: Any, device_id: str) -> Profile:
        values = dict(zip(_USER_COLUMNS, row, strict=True))
        values["created_at"] = datetime.fromisoformat(values["created_at"])
        return Profile(device_id=device_id, **values)

    def _users(self, where: str, parameters: list[Any]) -> list[Profile]:
        device = self._device()
        if device is None:
            return []
        rows = self.sql.execute(
            f"SELECT {', '.join(_USER_COLUMNS)} FROM users WHERE {where} ORDER BY rowid",
            parameters,
        ).fetchall()
        return [self._user(row, device[0]) for row in rows]

    def profile(self) -> Profile | None:
        """The profile of the user who unlocked the store (None before the first one)."""
        if self.current_user is None:
            return None
        found = self._users("local_id = ? AND removed_at IS NULL", [self.current_user])
        return found[0] if found else None

    def users(self) -> list[Profile]:
        """Everyone who may unlock this store, in the order they were added."""
        return self._users("removed_at IS NULL", [])

    def user(self, local_id: str) -> Profile | None:
        """A user by local id, a removed one too (the audit trail names them)."""
        found = self._users("local_id = ?", [local_id])
        return found[0] if found else None

    def create_profile(
        self, display_name: str, role: str, *, region: str = "demo", language: str = "nl"
    ) -> Profile:
        """The first user of a new store: the one whose passphrase made it."""
        display_name = self._check(display_name, role, language)
        if self.current_user is None or self.users():
            raise StoreError("this store has users: add one with add_user")
        import uuid  # once per device: not loaded by an ordinary start

        now = datetime.now(UTC).isoformat()
        sql = self.sql
        with sql.atomic():
            if self._device() is None:
                sql.execute(
                    "INSERT INTO profile (id, user_id, display_name, role, region, device_id, "
                    "created_at) VALUES (1, ?, ?, ?, ?, ?, ?)",
                    [self.current_user, display_name, role, region, str(uuid.uuid4()), now],
                )
            self._insert_user(self.current_user, display_name, role, region, language, None)
            profile = self.profile()
            assert profile is not None
            self.audit.append(actor_for(profile), "profile_created", details={"role": role})
        self._slots().rename(self.current_user, display_name)
        return profile

    def _insert_user(
        self,
        local_id: str,
        display_name: str,
        role: str,
        region: str,
        language: str,
        added_by: str | None,
    ) -> None:
        self.sql.execute(
            "INSERT INTO users (local_id, user_id, display_name, role, region, created_at, "
            "language, added_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                local_id,
                local_id,
                display_name,
                role,
                region,
                datetime.now(UTC).isoformat(),
                language,
                added_by,
            ],
        )

    @staticmethod
    def _check(display_name: str, role: str, language: str) -> str:
        display_name = display_name.strip()
        if not display_name:
            raise StoreError("display name is empty")
        if role not in ROLES:
            raise StoreError(f"unknown role {role!r}")
        if language not in LANGUAGES:
            raise StoreError(f"unknown language {language!r}")
        return display_name

    def unlockable_users(self) -> list[SlotInfo]:
        """Who may unlock this store (the names of its key slots); readable while locked,
        for the lock screen."""
        return self._slots().list()

    def may_manage_users(self, profile: Profile | None = None) -> bool:
        """Whether ``profile`` (default: the current user) may add and remove users: the
        device's first user (who set it up) and coordinators."""
        profile = profile or self.profile()
        return profile is not None and (profile.added_by is None or profile.role in USER_MANAGERS)

    def _manager(self) -> Profile:
        profile = self.profile()
        if profile is None or not self.may_manage_users(profile):
            raise PermissionDenied(
                "only the device's first user or a coordinator may add or remove users"
            )
        return profile

    def _slots(self) -> KeySlots:
        return KeySlots(self.path)

    def add_user(
        self,
        display_name: str,
        role: str,
        passphrase: str,
        *,
        language: str = "nl",
    ) -> Profile:
        """Add a user with their own passphrase (a key slot of their own); the current
        user must be allowed to (:meth:`may_manage_users`). Audited as ``user_added``."""
        manager = self._manager()
        display_name = self._check(display_name, role, language)
        if len(passphrase) < MIN_PASSPHRASE_LENGTH:
            raise StoreError(f"a passphrase has at least {MIN_PASSPHRASE_LENGTH} characters")
        if any(u.display_name.casefold() == display_name.casefold() for u in self.users()):
            raise StoreError(f"a user named {display_name!r} exists")
        if self._key is None:
            raise StoreError("this store was opened without its store key")
        import uuid

        local_id = str(uuid.uuid4())
        sql = self.sql
        with sql.atomic():
            self._insert_user(
                local_id, display_name, role, manager.region, language, manager.local_id
            )
            self.audit.append(
                actor_for(manager),
                "user_added",
                details={"user": local_id, "name": display_name, "role": role},
            )
            # the slot last, inside the transaction: a failure leaves no user without one
            self._slots().add(local_id, display_name, passphrase, self._key)
        added = self.user(local_id)
        assert added is not None
        return added

    def remove_user(self, local_id: str) -> None:
        """Remove a user: their key slot is erased, so their passphrase no longer opens
        the store; their profile stays (marked removed) so the audit trail and versions
        still name them. Not oneself. Audited as ``user_removed``."""
        manager = self._manager()
        if local_id == manager.local_id:
            raise StoreError("you cannot remove yourself")
        user = self.user(local_id)
        if user is None:
            raise NotFoundError(f"no user {local_id}")
        sql = self.sql
        with sql.atomic():
            sql.execute(
                "UPDATE users SET removed_at = ? WHERE local_id = ?",
                [datetime.now(UTC).isoformat(), local_id],
            )
            self.audit.append(
                actor_for(manager),
                "user_removed",
                details={"user": local_id, "name": user.display_name},
            )
        self._slots().remove(local_id)

    def change_passphrase(self, old: str, new: str) -> None:
        """The current user's new passphrase: only their slot is wrapped again. Raises
        WrongPassphrase when ``old`` does not open their slot."""
        profile = self.profile()
        if profile is None or self._key is None:
            raise StoreError("no user is signed in")
        if len(new) < MIN_PASSPHRASE_LENGTH:
            raise StoreError(f"a passphrase has at least {MIN_PASSPHRASE_LENGTH} characters")
        slots = self._slots()
        slots.unwrap(old, profile.local_id)
        slots.rewrap(profile.local_id, new, self._key)
        self.audit.append(actor_for(profile), "passphrase_changed")

    def update_profile(self, **changes: object) -> Profile:
        """Change the current user's profile."""
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
        if self.profile() is None:
            raise StoreError("no user is signed in")
        assignments = ", ".join(f"{name} = ?" for name in changes)
        sql = self.sql
        with sql.atomic():
            sql.execute(
                f"UPDATE users SET {assignments} WHERE local_id = ?",
                [*changes.values(), self.current_user],
            )
        profile = self.profile()
        assert profile is not None
        if "display_name" in changes:
            self._slots().rename(profile.local_id, profile.display_name)
        return profile

    # -- lifecycle -------------------------------------------------------------------------

    def lock(self) -> None:
        """Close the connection: the key is no longer held in this process."""
        if self._sql is not None:
            self._sql.close()
            self._sql = None
            self._utils = None
            self._outbox = None
        self._key = None

    def unlock(self, passphrase: str, user: str | None = None) -> Profile | None:
        """Reopen after :meth:`lock` with a user's own passphrase (``user``: their local
        id; None: whoever's slot the passphrase opens). The user who unlocks becomes the
        current user (*wissel gebruiker*). Returns their profile; raises WrongPassphrase,
        also for a user who was removed."""
        if self._sql is None:
            opened = open_keyed(self.path, passphrase, user)
            db = _connect(self.path, passphrase, opened)
            self._sql = db
            self._wire(db)
            self.current_user = opened.slot_id
            self._key = opened.store_key
            if self.profile() is None and self.users():
                self.lock()  # a slot whose user is gone (removed meanwhile)
                raise WrongPassphrase("this user was removed")
        return self.profile()

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
    opened: Opened | None = None,
    user: str | None = None,
) -> Store:
    """Open (creating when new) the store in ``data_dir`` with a user's own passphrase
    (``user``: their local id; None: whoever's key slot it opens); raises WrongPassphrase.

    ``opened`` is what :func:`desktop.store.keyslots.open_keyed` already opened with
    ``passphrase`` (the app derives the key on a thread while Qt loads). A store from
    before key slots moves to them here: its passphrase becomes its first user's slot.
    """
    path = database_path(Path(data_dir), training=training)
    path.parent.mkdir(parents=True, exist_ok=True)
    opened = opened or open_keyed(path, passphrase, user)
    store = Store(
        path,
        _connect(path, passphrase, opened),
        training=training,
        user=opened.slot_id,
        store_key=opened.store_key,
    )
    if store.current_user is None:  # an older store: its one user (if any) unlocked
        first = store._users("removed_at IS NULL", [])
        store.current_user = first[0].local_id if first else None
        store._key = opened.store_key
    if store.profile() is None and store.users():
        store.close()
        raise WrongPassphrase("this user was removed")
    if training:
        store.drop_expired_training()
    return store


def _connect(path: Path, passphrase: str, opened: Opened) -> Database:
    """The migrated database of ``opened``; an older store (keyed by the passphrase
    itself) is moved to a store key first: its one user gets the first slot, then the
    database is re-encrypted with the store key (``PRAGMA rekey``). Interrupted between
    the two, the next open finishes it."""
    try:
        db = connect(path, passphrase, conn=opened.conn)
    except BaseException:
        opened.conn.close()
        raise
    if not opened.legacy:
        return db
    try:
        key = opened.store_key or new_store_key()
        slot_id = opened.slot_id
        if slot_id is None:
            row = db.execute(
                "SELECT local_id, display_name FROM users WHERE removed_at IS NULL "
                "ORDER BY rowid LIMIT 1"
            ).fetchone()
            import uuid

            slot_id, name = (str(row[0]), str(row[1])) if row else (str(uuid.uuid4()), "")
            KeySlots(path).add(slot_id, name, passphrase, key)
        db.execute(f"PRAGMA rekey = \"x'{key.hex()}'\"")
        # no frame under the old key stays behind in the write-ahead log
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    except BaseException:
        db.close()
        raise
    opened.slot_id, opened.store_key, opened.legacy = slot_id, key, False
    return db
