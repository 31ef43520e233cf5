"""Remote wipe (issue 21): a device the administrator revoked as lost erases its store.

The store is SQLCipher: its key comes from the passphrase *and* the random salt in the
first bytes of the database file. Overwriting the file's first page with random bytes
(and syncing it to disk) makes every copy of the remaining pages, the WAL included,
undecryptable even with the passphrase: a cryptographic erase. The files are then
removed. Qt-free.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

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
    """Close the store, destroy its key material and remove its files (the database, its
    WAL and shared memory). Returns the files erased."""
    path = Path(store.path)
    if not store.locked:
        store.close()
    erased = []
    for candidate in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if candidate.exists():
            _overwrite(candidate)
            candidate.unlink()
            erased.append(candidate)
    return erased
