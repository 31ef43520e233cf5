"""The keyed SQLCipher connection: the first and slowest step of opening the store.

Kept apart from :mod:`desktop.store.database` (migrations, the change feed, logging) so
the app loads only this module, and sqlcipher3, before it starts deriving the key on
a helper thread (``desktop.app.EarlyOpen``): every millisecond before that start is on
the way to the first window.
"""

from __future__ import annotations

from pathlib import Path

import sqlcipher3

from desktop.store.errors import WrongPassphrase


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def open_connection(path: Path, passphrase: str) -> sqlcipher3.Connection:
    """Open (or create) the encrypted file at ``path`` with the key from ``passphrase``.

    Derives the key and proves it by reading the schema; sets the pragmas. Imports
    nothing, so it is safe on a thread while the main thread imports Qt (see
    ``desktop.app.EarlyOpen``). Raises :class:`WrongPassphrase` when the passphrase
    does not open an existing file.
    """
    if not passphrase:
        raise WrongPassphrase("empty passphrase")
    conn = sqlcipher3.connect(str(path), check_same_thread=False, isolation_level=None)
    try:
        conn.execute("PRAGMA cipher_log_level = NONE")
        conn.execute(f"PRAGMA key = {_quote(passphrase)}")
        conn.execute("PRAGMA temp_store = MEMORY")
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlcipher3.DatabaseError as exc:
            raise WrongPassphrase(str(exc)) from None
        conn.execute("PRAGMA cache_size = -65536")  # 64 MiB of decrypted pages
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA busy_timeout = 5000")
        conn.execute("PRAGMA recursive_triggers = ON")  # as sqlite-utils always set it
    except BaseException:
        conn.close()
        raise
    return conn
