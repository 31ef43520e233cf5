"""Key slots: the store's key wrapped once per user, as disk encryption does it.

The database is encrypted (SQLCipher) with a random 256-bit *store key* that no person
types. Each user has a *slot*: the store key, encrypted with a key derived from that
user's own passphrase (Argon2id, argon2-cffi's RFC 9106 low-memory profile). Unlocking
is: derive the slot key from the passphrase, open the slot, take the store key, open
the database with it. So every user has their own passphrase; adding a user writes a
slot (whoever adds must have the store key, i.e. an unlocked session); removing one
erases their slot; changing a passphrase rewraps only that user's slot.

A slot is kept as a tiny SQLCipher database of its own, keyed with the derived key as
a raw key (no second key derivation): SQLCipher's page encryption (AES-256 with an
HMAC-SHA512 per page, encrypt-then-MAC) is the authenticated wrapping, so no crypto is
written here. (``cryptography`` is not a dependency of the desk on every platform.)

On disk, next to the database (``<data_dir>/keyslots/``, training has its own)::

    slots.json          which slots exist: id, display name, file, Argon2 parameters + salt
    <id>-<n>.slot       slot ``id``, generation ``n`` (a rewrap writes ``n + 1``)

``slots.json`` is replaced atomically after the slot file it names is on disk, and an
old slot file is overwritten before it is unlinked, so a crash leaves either the old or
the new slot usable. The names in ``slots.json`` are plain text (the lock screen lists
them); who a slot belongs to is decided inside the encrypted files, never by this list.
The store key is never written unwrapped.

Not done here: revoking a removed user's knowledge of the store key. Like removing a
LUKS key slot, removal stops the passphrase from opening the store, but a person who
copied the slot file earlier and still knows their passphrase could unwrap that copy.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlcipher3

from desktop.store.database import open_connection
from desktop.store.errors import StoreError, WrongPassphrase
from desktop.store.slot_kdf import (
    FORMAT,
    INDEX,
    KEY_BYTES,
    derive,
    list_slots,
    load,
    read_index,
    slot_for_name,
    usable_kdf,
)
from desktop.store.slot_kdf import SLOTS_DIR as SLOTS_DIR
from desktop.store.slot_kdf import SlotInfo as SlotInfo
from desktop.store.slot_kdf import list_users as list_users
from desktop.store.slot_kdf import slots_dir as slots_dir

load()  # the store is opened on the sync worker's thread too: no import there

SALT_BYTES = 16

# argon2-cffi's RFC 9106 low-memory profile (64 MiB, 3 passes, 4 lanes); tests lower it.
# Four lanes unlock fastest once a person has typed (the window waits, the cores are free).
_kdf: dict[str, int] = {"time_cost": 3, "memory_cost": 65536, "parallelism": 4}


def configure_kdf(*, time_cost: int, memory_cost: int, parallelism: int) -> None:
    """Argon2id parameters for slots written from now on (tests use cheap ones).
    Existing slots keep their own parameters."""
    _kdf.update(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism)


def kdf_parameters() -> dict[str, int]:
    """The Argon2id parameters new slots get (``make bench`` reports their cost)."""
    return dict(_kdf)


def new_store_key() -> bytes:
    return os.urandom(KEY_BYTES)  # what secrets.token_bytes returns; no hmac import


def raw_key_pragma(key: bytes) -> str:
    """SQLCipher's raw-key form: the key is used as is (no PBKDF2 of its own)."""
    if len(key) != KEY_BYTES:
        raise StoreError("a store key has 32 bytes")
    return f"PRAGMA key = \"x'{key.hex()}'\""


def _fsync_dir(path: Path) -> None:
    if os.name == "nt":  # directories cannot be opened for fsync on Windows
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class KeySlots:
    """The slots of one database file (``database``: the path of the store's .db)."""

    def __init__(self, database: Path) -> None:
        self.database = database
        self.dir = slots_dir(database)

    # -- the index -------------------------------------------------------------------------

    def _read(self) -> dict[str, dict[str, Any]]:
        return read_index(self.database)

    def _write(self, slots: dict[str, dict[str, Any]]) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        temporary = self.dir / (INDEX + ".tmp")
        with open(temporary, "w", encoding="utf-8") as handle:
            json.dump({"format": FORMAT, "slots": slots}, handle, ensure_ascii=False, indent=1)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, self.dir / INDEX)
        _fsync_dir(self.dir)

    def exist(self) -> bool:
        return bool(self._read())

    def list(self) -> list[SlotInfo]:
        """The slots in the order they were added (names are shown on the lock screen)."""
        return list_slots(self.database)

    # -- writing ---------------------------------------------------------------------------

    def add(self, slot_id: str, name: str, passphrase: str, store_key: bytes) -> None:
        """Wrap ``store_key`` for a new slot ``slot_id`` under ``passphrase``."""
        slots = self._read()
        if slot_id in slots:
            raise StoreError(f"slot {slot_id} exists")
        slots[slot_id] = self._wrap(slot_id, name, passphrase, store_key, generation=1)
        self._write(slots)

    def rewrap(self, slot_id: str, passphrase: str, store_key: bytes) -> None:
        """Wrap ``store_key`` again under a new passphrase (a new salt, a new file); the
        old slot file is erased once the new one is the one listed."""
        slots = self._read()
        old = slots.get(slot_id)
        if old is None:
            raise StoreError(f"no slot {slot_id}")
        generation = int(old.get("generation", 1)) + 1
        slots[slot_id] = self._wrap(
            slot_id, str(old.get("name", "")), passphrase, store_key, generation=generation
        )
        self._write(slots)
        self._erase(self.dir / str(old["file"]))

    def rename(self, slot_id: str, name: str) -> None:
        slots = self._read()
        if slot_id in slots:
            slots[slot_id]["name"] = name
            self._write(slots)

    def remove(self, slot_id: str) -> None:
        """Delist the slot, then overwrite and delete its file."""
        slots = self._read()
        entry = slots.pop(slot_id, None)
        if entry is None:
            return
        self._write(slots)
        self._erase(self.dir / str(entry["file"]))

    def _wrap(
        self, slot_id: str, name: str, passphrase: str, store_key: bytes, *, generation: int
    ) -> dict[str, Any]:
        if not passphrase:
            raise StoreError("empty passphrase")
        kdf: dict[str, Any] = {"type": "argon2id", **_kdf, "salt": os.urandom(SALT_BYTES).hex()}
        file = f"{slot_id}-{generation}.slot"
        self.dir.mkdir(parents=True, exist_ok=True)
        target = self.dir / file
        temporary = self.dir / (file + ".tmp")
        for stale in (temporary, target):
            stale.unlink(missing_ok=True)
        conn = sqlcipher3.connect(str(temporary), isolation_level=None)
        try:
            conn.execute("PRAGMA cipher_log_level = NONE")
            conn.execute(raw_key_pragma(derive(passphrase, kdf)))
            conn.execute("PRAGMA journal_mode = MEMORY")  # no plain side file
            conn.execute("PRAGMA temp_store = MEMORY")
            conn.execute(
                "CREATE TABLE slot (id INTEGER PRIMARY KEY CHECK (id = 1), "
                "slot_id TEXT NOT NULL, store_key BLOB NOT NULL)"
            )
            conn.execute("INSERT INTO slot VALUES (1, ?, ?)", [slot_id, store_key])
        finally:
            conn.close()
        with open(temporary, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(temporary, target)
        _fsync_dir(self.dir)
        return {"name": name, "file": file, "generation": generation, "kdf": kdf}

    @staticmethod
    def _erase(path: Path) -> None:
        """Overwrite a slot file with random bytes, then unlink it."""
        with contextlib.suppress(FileNotFoundError):
            size = path.stat().st_size
            with open(path, "rb+") as handle:
                handle.write(os.urandom(size))
                handle.flush()
                os.fsync(handle.fileno())
            path.unlink()

    # -- reading ---------------------------------------------------------------------------

    def unwrap(
        self,
        passphrase: str,
        slot_id: str | None = None,
        derived: Mapping[str, bytes] | None = None,
    ) -> tuple[str, bytes]:
        """The slot the passphrase opens and the store key in it: ``slot_id``'s only, or
        else the first that opens. ``derived``: slot keys already derived from this
        passphrase (the app's start-up thread). Raises :class:`WrongPassphrase`."""
        if not passphrase:
            raise WrongPassphrase("empty passphrase")
        slots = self._read()
        candidates = [slot_id] if slot_id is not None else list(slots)
        for candidate in candidates:
            entry = slots.get(candidate)
            if entry is None:
                continue
            key = self._open(candidate, entry, passphrase, (derived or {}).get(candidate))
            if key is not None:
                return candidate, key
        raise WrongPassphrase("no key slot opens with this passphrase")

    def _open(
        self, slot_id: str, entry: dict[str, Any], passphrase: str, derived: bytes | None
    ) -> bytes | None:
        kdf = usable_kdf(entry)
        if kdf is None:
            return None
        path = self.dir / str(entry.get("file", ""))
        if path.parent != self.dir or not path.is_file():
            return None
        uri = path.resolve().as_uri() + "?mode=ro"
        conn = sqlcipher3.connect(uri, uri=True, isolation_level=None)
        try:
            conn.execute("PRAGMA cipher_log_level = NONE")
            conn.execute(raw_key_pragma(derived or derive(passphrase, kdf)))
            try:
                row = conn.execute("SELECT slot_id, store_key FROM slot WHERE id = 1").fetchone()
            except sqlcipher3.DatabaseError:
                return None
        finally:
            conn.close()
        # the id inside the encrypted file decides whose slot it is, not the list
        if row is None or row[0] != slot_id or len(row[1]) != KEY_BYTES:
            return None
        return bytes(row[1])


@dataclass
class Opened:
    """A keyed connection to the database and how it was opened.

    ``slot_id``: the slot (user) the passphrase opened; None for an older store not yet
    moved to key slots. ``legacy``: the database is still keyed by the passphrase itself
    (an older store, or a move to key slots that was interrupted): the store finishes the
    move (``store_key``: the key already wrapped in ``slot_id``, if any).
    """

    conn: sqlcipher3.Connection
    slot_id: str | None
    store_key: bytes | None
    legacy: bool = False


def open_keyed(
    database: Path,
    passphrase: str,
    slot_id: str | None = None,
    derived: Mapping[str, bytes] | None = None,
) -> Opened:
    """Open ``database`` with ``passphrase`` through its key slots; a new database gets a
    fresh store key and a first slot. ``derived``: slot keys the app derived from this
    passphrase at start-up (:mod:`desktop.store.slot_kdf`). Raises :class:`WrongPassphrase`."""
    if not passphrase:
        raise WrongPassphrase("empty passphrase")
    slots = KeySlots(database)
    if slots.exist():
        opened_slot, key = slots.unwrap(passphrase, slot_id, derived)
        try:
            return Opened(open_connection(database, key), opened_slot, key)
        except WrongPassphrase:
            # the slot was written but the database not yet moved to its key
            return Opened(open_connection(database, passphrase), opened_slot, key, legacy=True)
    if database.exists() and database.stat().st_size > 0:
        return Opened(open_connection(database, passphrase), None, None, legacy=True)
    key = new_store_key()
    import uuid  # only a new store's first slot needs an id

    first = str(uuid.uuid4())
    slots.add(first, "", passphrase, key)  # the slot before any page is keyed with it
    return Opened(open_connection(database, key), first, key)


def slot_named(data_dir: Path, name: str | None, *, training: bool = False) -> str | None:
    """The key slot of the user ``name`` (display name, case-insensitive, or local id);
    None when not given (see :func:`desktop.store.slot_kdf.slot_for_name`)."""
    from desktop.paths import database_path

    return slot_for_name(database_path(Path(data_dir), training=training), name)
