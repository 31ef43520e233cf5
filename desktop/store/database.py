"""Opening the encrypted database: SQLCipher key, pragmas, schema migrations.

The key is derived by SQLCipher itself from the user's passphrase (PBKDF2-HMAC-SHA512,
SQLCipher 4 defaults). Temporary tables and indices stay in memory so no plain
temp file is ever written; the journal is WAL with ``synchronous=FULL``.

Opening is two steps so the app can overlap the slow one with loading Qt:
:func:`open_connection` (in :mod:`desktop.store.keyed`, which loads nothing else, so
the app can start it first) derives the key (about a quarter of a second, in SQLite
with the GIL released) and imports nothing, so it may run on a helper thread;
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
from desktop.store.keyed import open_connection
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
        conn.execute("BEGIN")
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


def connect(path: Path, passphrase: str, *, conn: sqlcipher3.Connection | None = None) -> Database:
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
