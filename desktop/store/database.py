"""Opening the encrypted database: SQLCipher key, pragmas, schema migrations.

The database is keyed with a random store key (SQLCipher's raw-key form), which each
user's passphrase unwraps from their key slot (:mod:`desktop.store.keyslots`). Stores
made before key slots were keyed by SQLCipher itself from the one passphrase
(PBKDF2-HMAC-SHA512, SQLCipher 4 defaults); they are opened that way once and moved to
a store key (:func:`desktop.store.store.open_store`). Temporary tables and indices stay
in memory so no plain temp file is ever written; the journal is WAL with ``synchronous=FULL``.

Opening is two steps so the app can overlap the slow one with loading Qt:
:func:`open_connection` derives the key (about a quarter of a second, in SQLite with
the GIL released) and imports nothing, so it may run on a helper thread;
:func:`connect` adds the schema migrations and the :class:`Database` handle.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import sqlcipher3

from desktop.store import changes
from desktop.store.changes import ChangeFeed
from desktop.store.errors import WrongPassphrase
from desktop.store.migrations import MIGRATIONS

_savepoints = itertools.count(1)


class Database:
    """The store's handle on one open connection: ``execute``, ``atomic``, ``close``, ``conn``.

    The calls the repositories make, with sqlite-utils' rules (``Database.execute`` and
    ``Database.atomic``): the connection autocommits, ``atomic()`` is one transaction and
    a nested ``atomic()`` a savepoint. Opening the store and listing cases then do not
    import sqlite-utils; :attr:`Store.db <desktop.store.Store.db>` still hands out a
    ``sqlite_utils.Database`` over the same connection for code that wants the library.
    """

    def __init__(self, conn: sqlcipher3.Connection, feed: ChangeFeed | None = None) -> None:
        self.conn = conn
        self.feed = feed
        if feed is not None:
            changes.watch(conn)

    def publish(self) -> None:
        """Tell the feed which cases the committed writes touched (after each commit;
        call it yourself after writes made outside :meth:`atomic`)."""
        if self.feed is not None and not self.conn.in_transaction:
            self.feed.publish(changes.take(self.conn))

    def execute(
        self, sql: str, parameters: Sequence[Any] | dict[str, Any] | None = None
    ) -> sqlcipher3.Cursor:
        if parameters is None:
            return self.conn.execute(sql)
        return self.conn.execute(sql, parameters)

    @contextlib.contextmanager
    def atomic(self) -> Iterator[Database]:
        """One transaction; nested inside another (of any handle), a savepoint."""
        conn = self.conn
        if conn.in_transaction:
            savepoint = f"store_{next(_savepoints)}"
            conn.execute(f"SAVEPOINT {savepoint}")
            try:
                yield self
            except BaseException:
                # a RAISE(ROLLBACK) trigger may already have ended the whole transaction
                if conn.in_transaction:
                    conn.execute(f"ROLLBACK TO SAVEPOINT {savepoint}")
                    conn.execute(f"RELEASE SAVEPOINT {savepoint}")
                raise
            conn.execute(f"RELEASE SAVEPOINT {savepoint}")
            return
        # IMMEDIATE: the write lock is taken (waiting up to busy_timeout) at the start. A
        # deferred transaction that read first cannot wait for it: when another
        # connection (the sync worker's) committed meanwhile, its first write fails at
        # once with "database is locked" (SQLITE_BUSY_SNAPSHOT), whatever the timeout.
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield self
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        try:
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        self.publish()

    def close(self) -> None:
        self.conn.close()


Migration = Callable[[Database], None]


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def open_connection(path: Path, passphrase: str | bytes) -> sqlcipher3.Connection:
    """Open (or create) the encrypted file at ``path`` with the key from ``passphrase``
    (bytes: a raw 32-byte store key, used as it is).

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
        if isinstance(passphrase, bytes):
            from desktop.store.keyslots import raw_key_pragma  # loaded on the main thread

            conn.execute(raw_key_pragma(passphrase))
        else:
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


def connect(
    path: Path, passphrase: str | bytes, *, conn: sqlcipher3.Connection | None = None
) -> Database:
    """Open (or create) the encrypted database at ``path`` and apply migrations.

    ``conn`` is a connection :func:`open_connection` already opened (on another thread).
    Raises :class:`WrongPassphrase` when the passphrase does not open an existing file.
    """
    db = Database(conn if conn is not None else open_connection(path, passphrase))
    try:
        migrate(db)
        return Database(db.conn, changes.feed_for(path))
    except BaseException:
        db.close()
        raise


def schema_version(db: Database) -> int:
    return int(db.execute("PRAGMA user_version").fetchone()[0])


def migrate(db: Database) -> list[int]:
    """Apply every migration newer than the database's ``user_version``; idempotent."""
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


def integrity_problems(db: Database) -> list[str]:
    """Run SQLCipher's and SQLite's integrity checks; an empty list means clean."""
    problems = [row[0] for row in db.execute("PRAGMA cipher_integrity_check").fetchall()]
    problems += [
        row[0] for row in db.execute("PRAGMA integrity_check").fetchall() if row[0] != "ok"
    ]
    return problems
