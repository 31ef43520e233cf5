"""The store façade: one encrypted database per data dir (and one for training).

``<data_dir>/doorloop.db`` holds production data; training uses its own file
``<data_dir>/training/doorloop-training.db`` so exercises can never mix with real
cases. The profile (who works on this device) lives inside the encrypted database.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import sqlite_utils

from desktop.paths import database_path
from desktop.store.audit import AuditLog, ChainReport
from desktop.store.cases import CaseRepository
from desktop.store.database import connect, integrity_problems
from desktop.store.errors import StoreError, StoreLocked
from desktop.store.models import ROLES, Actor, Profile
from desktop.store.outbox import Outbox

MIN_PASSPHRASE_LENGTH = 10


def store_exists(data_dir: Path, *, training: bool = False) -> bool:
    return database_path(data_dir, training=training).exists()


class Store:
    """An open, unlocked store. ``lock()`` closes the connection and forgets the key."""

    def __init__(self, path: Path, db: sqlite_utils.Database, *, training: bool) -> None:
        self.path = path
        self.training = training
        self._db: sqlite_utils.Database | None = db
        self._wire(db)

    def _wire(self, db: sqlite_utils.Database) -> None:
        self._outbox = Outbox(db)
        self._audit = AuditLog(db, None if self.training else self._outbox)
        self._cases = CaseRepository(db, self._audit, self._outbox)

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
        return self._outbox

    def _require_unlocked(self) -> None:
        if self._db is None:
            raise StoreLocked("the store is locked")

    @property
    def db(self) -> sqlite_utils.Database:
        if self._db is None:
            raise StoreLocked("the store is locked")
        return self._db

    @property
    def locked(self) -> bool:
        return self._db is None

    @contextlib.contextmanager
    def atomic(self) -> Iterator[sqlite_utils.Database]:
        with self.db.atomic() as db:
            yield db

    # -- profile ---------------------------------------------------------------------------

    def profile(self) -> Profile | None:
        row = self.db.execute(
            "SELECT user_id, display_name, role, region, device_id, created_at, "
            "idle_lock_minutes, language FROM profile WHERE id = 1"
        ).fetchone()
        if row is None:
            return None
        names = [
            "user_id",
            "display_name",
            "role",
            "region",
            "device_id",
            "created_at",
            "idle_lock_minutes",
            "language",
        ]
        return Profile(**dict(zip(names, row, strict=True)))

    def create_profile(
        self, display_name: str, role: str, *, region: str = "demo", language: str = "nl"
    ) -> Profile:
        display_name = display_name.strip()
        if not display_name:
            raise StoreError("display name is empty")
        if role not in ROLES:
            raise StoreError(f"unknown role {role!r}")
        profile = Profile(
            user_id=str(uuid.uuid4()),
            display_name=display_name,
            role=role,  # type: ignore[arg-type]
            region=region,
            device_id=str(uuid.uuid4()),
            created_at=datetime.now(UTC),
            language=language,  # type: ignore[arg-type]
        )
        with self.db.atomic():
            self.db.execute(
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
        allowed = {"display_name", "role", "idle_lock_minutes", "language", "region"}
        unknown = set(changes) - allowed
        if unknown:
            raise StoreError(f"cannot change {', '.join(sorted(unknown))}")
        if "role" in changes and changes["role"] not in ROLES:
            raise StoreError(f"unknown role {changes['role']!r}")
        assignments = ", ".join(f"{name} = ?" for name in changes)
        with self.db.atomic():
            self.db.execute(
                f"UPDATE profile SET {assignments} WHERE id = 1", list(changes.values())
            )
        profile = self.profile()
        assert profile is not None
        return profile

    # -- lifecycle -------------------------------------------------------------------------

    def lock(self) -> None:
        """Close the connection: the key is no longer held in this process."""
        if self._db is not None:
            self._db.close()
            self._db = None

    def unlock(self, passphrase: str) -> None:
        """Reopen after :meth:`lock`; raises WrongPassphrase."""
        if self._db is None:
            db = connect(self.path, passphrase)
            self._db = db
            self._wire(db)

    def close(self) -> None:
        self.lock()

    def verify_audit_chain(self) -> ChainReport:
        return self.audit.verify()

    def integrity_problems(self) -> list[str]:
        return integrity_problems(self.db)


def actor_for(profile: Profile, on_behalf_of: str | None = None) -> Actor:
    return Actor(
        user_id=profile.user_id,
        display_name=profile.display_name,
        role=profile.role,
        device_id=profile.device_id,
        on_behalf_of=on_behalf_of,
    )


def open_store(data_dir: Path, passphrase: str, *, training: bool = False) -> Store:
    """Open (creating when new) the store in ``data_dir``; raises WrongPassphrase."""
    path = database_path(Path(data_dir), training=training)
    path.parent.mkdir(parents=True, exist_ok=True)
    return Store(path, connect(path, passphrase), training=training)
