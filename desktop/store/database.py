"""Opening the encrypted database: SQLCipher key, pragmas, schema migrations.

The key is derived by SQLCipher itself from the user's passphrase (PBKDF2-HMAC-SHA512,
SQLCipher 4 defaults). Temporary tables and indices stay in memory so no plain
temp file is ever written; the journal is WAL with ``synchronous=FULL``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import sqlcipher3
import sqlite_utils

from desktop.store.errors import WrongPassphrase

Migration = Callable[[sqlite_utils.Database], None]


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def connect(path: Path, passphrase: str) -> sqlite_utils.Database:
    """Open (or create) the encrypted database at ``path`` and apply migrations.

    Raises :class:`WrongPassphrase` when the passphrase does not open an existing file.
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
    except BaseException:
        conn.close()
        raise
    # No third-party sqlite-utils plugins run on the encrypted connection (and scanning
    # for them costs start-up time).
    db = sqlite_utils.Database(conn, execute_plugins=False)
    migrate(db)
    return db


def schema_version(db: sqlite_utils.Database) -> int:
    return int(db.execute("PRAGMA user_version").fetchone()[0])


def migrate(db: sqlite_utils.Database) -> list[int]:
    """Apply every migration newer than the database's ``user_version``; idempotent."""
    from desktop.store.migrations import MIGRATIONS

    applied: list[int] = []
    current = schema_version(db)
    for number, migration in enumerate(MIGRATIONS, start=1):
        if number <= current:
            continue
        with db.atomic():
            migration(db)
            db.execute(f"PRAGMA user_version = {number}")
        applied.append(number)
    return applied


def integrity_problems(db: sqlite_utils.Database) -> list[str]:
    """Run SQLCipher's and SQLite's integrity checks; an empty list means clean."""
    problems = [row[0] for row in db.execute("PRAGMA cipher_integrity_check").fetchall()]
    problems += [
        row[0] for row in db.execute("PRAGMA integrity_check").fetchall() if row[0] != "ok"
    ]
    return problems
