"""Remote wipe (issue 21): a device the administrator revoked as lost erases its store.

The store is SQLCipher, keyed with a random store key that each user's passphrase
unwraps from their key slot (``desktop.store.keyslots``); the page checks also need the
random salt in the first bytes of the database file. Overwriting every key slot and the
file's first page with random bytes (and syncing them to disk) leaves no way to the
store key and makes every copy of the remaining pages, the WAL included, unreadable even
with a passphrase: a cryptographic erase. The files are then removed. Qt-free.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from desktop.i18n import _
from desktop.store import Store

ERASE_BYTES = 64 * 1024
"""How much of the start of each file is overwritten (the salt is in the first 16 bytes,
the first page in the first 4 KiB; more costs nothing)."""


def _overwrite(path: Path) -> None:
    size = min(path.stat().st_size, ERASE_BYTES)
    with path.open("r+b") as handle:
        handle.write(secrets.token_bytes(size))
        handle.flush()
        os.fsync(handle.fileno())


def erase_store(store: Store) -> list[Path]:
    """Close the store, destroy its key material (every user's key slot) and remove its
    files (the database, its WAL and shared memory). Returns the files erased."""
    from desktop.store.keyslots import slots_dir

    path = Path(store.path)
    if not store.locked:
        store.close()
    erased = []
    slots = slots_dir(path)
    if slots.is_dir():
        for slot in sorted(p for p in slots.rglob("*") if p.is_file()):
            _overwrite(slot)
            slot.unlink()
            erased.append(slot)
    for candidate in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if candidate.exists():
            _overwrite(candidate)
            candidate.unlink()
            erased.append(candidate)
    return erased


def reports_wipe(event: object) -> bool:
    """Whether a sync event says this device's store was just erased (the run's outcome
    ``wiped``): the desk then drops everything it shows and saves nothing more."""
    from desktop.sync.events import DeviceWiped, SyncFinished, WipeStarting

    if isinstance(event, DeviceWiped | WipeStarting):
        return True
    return isinstance(event, SyncFinished) and event.report.outcome == "wiped"


def wiped_text() -> str:
    """What the desk shows, on the whole window, once its store was erased."""
    return _(
        "Dit apparaat is op afstand gewist door de beheerder. Er staan geen gegevens meer "
        "op. Neem contact op met uw beheerder."
    )
