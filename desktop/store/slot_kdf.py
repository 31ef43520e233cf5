"""A key slot's key derivation on its own: Argon2id with the parameters the slot stored.

Split from :mod:`desktop.store.keyslots` so that the app can start deriving the key on a
thread right at start-up, before SQLCipher and the rest of the store load: this module
imports only the standard library and Argon2's C binding (whose call releases the GIL),
and the derivation imports nothing (importing on a thread while PySide6's import hook runs
on the main thread is a race, see ``desktop.app.EarlyOpen``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, NamedTuple

from desktop.store.errors import StoreError

SLOTS_DIR = "keyslots"
INDEX = "slots.json"
FORMAT = 1
KEY_BYTES = 32
# bounds for parameters read from disk: a tampered slots.json must not exhaust memory
MAX_KDF = {"time_cost": 20, "memory_cost": 1 << 20, "parallelism": 16}
MIN_PASSPHRASE_LENGTH = 10

_argon2: Any = None  # (ffi, lib) of Argon2's C library, once load() ran


class SlotInfo(NamedTuple):
    """What the lock screen may know of a slot without a passphrase."""

    slot_id: str
    name: str


def load() -> None:
    """Load Argon2's C library (on the main thread: the derivation may then run on any
    thread without importing). The lock screen paints without it.

    The derivation calls argon2-cffi's own CFFI binding of the reference ``argon2_hash``
    (the package ``argon2-cffi-bindings``, which argon2-cffi's ``hash_secret_raw`` wraps
    the same way): importing ``argon2`` itself loads its password-hasher profiles and
    costs about 10 ms more at every start. A test checks both give the same key.
    """
    global _argon2
    if _argon2 is None:
        from _argon2_cffi_bindings import ffi, lib

        _argon2 = (ffi, lib)


def slots_dir(database: Path) -> Path:
    return database.parent / SLOTS_DIR


def read_index(database: Path) -> dict[str, dict[str, Any]]:
    """The slot list of ``database`` (empty when it has none)."""
    try:
        data = json.loads((slots_dir(database) / INDEX).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise StoreError(f"the key slot list cannot be read: {exc}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise StoreError("the key slot list has an unknown format")
    slots = data.get("slots")
    return slots if isinstance(slots, dict) else {}


def usable_kdf(entry: dict[str, Any]) -> dict[str, Any] | None:
    """The slot's Argon2id parameters when they are within bounds, else None."""
    kdf = entry.get("kdf")
    if not isinstance(kdf, dict) or kdf.get("type") != "argon2id":
        return None
    try:
        for name, most in MAX_KDF.items():
            if not 1 <= int(kdf[name]) <= most:
                return None
        if len(bytes.fromhex(str(kdf["salt"]))) < 8:
            return None
    except (KeyError, TypeError, ValueError):
        return None
    return kdf


def derive(passphrase: str, kdf: dict[str, Any]) -> bytes:
    """The slot key: Argon2id (version 1.3) of ``passphrase`` with the slot's salt and
    parameters. Call :func:`load` on the main thread before deriving on another one."""
    load()
    ffi, lib = _argon2
    secret = passphrase.encode("utf-8")
    salt = bytes.fromhex(kdf["salt"])
    out = ffi.new("uint8_t[]", KEY_BYTES)
    status = lib.argon2_hash(
        int(kdf["time_cost"]),
        int(kdf["memory_cost"]),
        int(kdf["parallelism"]),
        ffi.new("uint8_t[]", secret),
        len(secret),
        ffi.new("uint8_t[]", salt),
        len(salt),
        out,
        KEY_BYTES,
        ffi.NULL,
        0,
        lib.Argon2_id,
        lib.ARGON2_VERSION_13,
    )
    if status != lib.ARGON2_OK:
        message = ffi.string(lib.argon2_error_message(status)).decode("ascii", "replace")
        raise StoreError(f"the key derivation failed: {message}")
    return bytes(ffi.buffer(out, KEY_BYTES))


def first_candidate(database: Path, slot_id: str | None) -> tuple[str, dict[str, Any]] | None:
    """The slot to try first for a passphrase (``slot_id``'s, or else the first listed)
    with its usable parameters; None when the store has no slots yet (new or older)."""
    slots = read_index(database)
    if not slots:
        return None
    candidate = slot_id if slot_id is not None else next(iter(slots))
    entry = slots.get(candidate)
    kdf = usable_kdf(entry) if isinstance(entry, dict) else None
    return (candidate, kdf) if kdf is not None else None


def slot_for_name(database: Path, name: str | None) -> str | None:
    """The key slot of the user ``name`` (display name, case-insensitive, or slot id);
    None when not given (then each slot is tried). An unknown name stays as it is: no
    slot has that id, so the passphrase is refused rather than tried on everyone's."""
    if not name:
        return None
    wanted = name.strip().casefold()
    for slot_id, entry in read_index(database).items():
        shown = str(entry.get("name", "")) if isinstance(entry, dict) else ""
        if wanted in (slot_id.casefold(), shown.strip().casefold()):
            return slot_id
    return name


def list_slots(database: Path) -> list[SlotInfo]:
    """The slots of ``database`` in the order they were added (the lock screen's names)."""
    return [
        SlotInfo(slot_id, str(entry.get("name", "")) if isinstance(entry, dict) else "")
        for slot_id, entry in read_index(database).items()
    ]


def list_users(data_dir: Path, *, training: bool = False) -> list[SlotInfo]:
    """Who may unlock the store in ``data_dir`` (for the lock screen and the CLI), without
    a passphrase: the names of the key slots."""
    from desktop.paths import database_path

    return list_slots(database_path(Path(data_dir), training=training))


def store_exists(data_dir: Path, *, training: bool = False) -> bool:
    """Whether ``data_dir`` holds a store (then a later start unlocks it)."""
    from desktop.paths import database_path

    return database_path(Path(data_dir), training=training).exists()
