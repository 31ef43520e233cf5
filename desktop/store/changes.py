"""Case change notifications: one feed per database file in this process. Qt-free.

Whoever writes a case (a local edit or status step, a pulled version or case state, a
reconciliation, the outbox marking a case synced) and on whichever connection to the
file (the desk's, the sync worker's), the case ids reach every listener of the file's
:class:`ChangeFeed` once the transaction has **committed** — never for a rollback.

How writes are noticed: each connection gets temporary triggers (:func:`watch`) that
note the case id of every row written to ``cases``, ``case_versions`` and
``referral_events`` (a referral of the case moved) in a temporary table; after a
commit, :meth:`desktop.store.database.Database.atomic` takes the noted
ids (:func:`take`) and publishes them. A writer therefore needs no call of its own, and
a new writer cannot forget one. Only case ids travel, never content.

Listeners run on the committing thread — the sync worker's thread for a pull — so a UI
moves them to its own thread (``desktop.ui.store_events`` does, with a queued signal).
A listener that raises is logged and does not undo or block the commit.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class CasesChanged:
    """Cases whose row or versions a committed transaction wrote."""

    case_ids: frozenset[str]


Listener = Callable[[CasesChanged], None]


class ChangeFeed:
    """The listeners of one database file; thread-safe."""

    def __init__(self) -> None:
        self._listeners: list[Listener] = []
        self._lock = threading.Lock()

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener`` after every commit that wrote cases; returns the unsubscribe."""
        with self._lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe

    def publish(self, case_ids: Iterable[str]) -> None:
        ids = frozenset(case_ids)
        if not ids:
            return
        with self._lock:
            listeners = list(self._listeners)
        change = CasesChanged(ids)
        for listener in listeners:
            try:
                listener(change)
            except Exception:  # the commit happened; a listener must not undo or hide it
                import logging  # only when a listener fails: start-up loads no logging

                logging.getLogger(__name__).exception("a case change listener failed")


_FEEDS: dict[str, ChangeFeed] = {}
_FEEDS_LOCK = threading.Lock()


def feed_for(path: Path | str) -> ChangeFeed:
    """The feed of the database file at ``path`` (the same object for every connection)."""
    key = str(Path(path).resolve())
    with _FEEDS_LOCK:
        feed = _FEEDS.get(key)
        if feed is None:
            feed = _FEEDS[key] = ChangeFeed()
        return feed


_TRIGGERS = (
    "CREATE TEMP TABLE IF NOT EXISTS changed_cases (case_id TEXT PRIMARY KEY) WITHOUT ROWID",
    "CREATE TEMP TRIGGER IF NOT EXISTS note_case_insert AFTER INSERT ON main.cases "
    "BEGIN INSERT OR IGNORE INTO changed_cases VALUES (new.id); END",
    "CREATE TEMP TRIGGER IF NOT EXISTS note_case_update AFTER UPDATE ON main.cases "
    "BEGIN INSERT OR IGNORE INTO changed_cases VALUES (new.id); END",
    # a case dropped here (retention, issue 21): the list and any open view must know
    "CREATE TEMP TRIGGER IF NOT EXISTS note_case_delete AFTER DELETE ON main.cases "
    "BEGIN INSERT OR IGNORE INTO changed_cases VALUES (old.id); END",
    "CREATE TEMP TRIGGER IF NOT EXISTS note_version_insert AFTER INSERT ON main.case_versions "
    "BEGIN INSERT OR IGNORE INTO changed_cases VALUES (new.case_id); END",
    "CREATE TEMP TRIGGER IF NOT EXISTS note_version_update "
    "AFTER UPDATE OF answers, status, banners_shown ON main.case_versions "
    "BEGIN INSERT OR IGNORE INTO changed_cases VALUES (new.case_id); END",
    # a referral of the case moved (a local move, a pulled event, a refusal)
    "CREATE TEMP TRIGGER IF NOT EXISTS note_referral_insert AFTER INSERT ON main.referral_events "
    "BEGIN INSERT OR IGNORE INTO changed_cases VALUES (new.case_id); END",
    "CREATE TEMP TRIGGER IF NOT EXISTS note_referral_update "
    "AFTER UPDATE OF state, server_seq ON main.referral_events "
    "BEGIN INSERT OR IGNORE INTO changed_cases VALUES (new.case_id); END",
)


def watch(conn: Any) -> None:
    """Install the temporary triggers on one connection (outside a transaction)."""
    for statement in _TRIGGERS:
        conn.execute(statement)


def take(conn: Any) -> list[str]:
    """The case ids noted since the last take, forgotten here (call after a commit)."""
    rows = conn.execute("SELECT case_id FROM changed_cases").fetchall()
    if rows:
        conn.execute("DELETE FROM changed_cases")
    return [str(row[0]) for row in rows]
