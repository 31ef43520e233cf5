"""The outbox: what waits to be pushed to the central API.

One row per case version (``item_id`` = version id, the idempotency key) and one per
audit event. A version's row is written in the same transaction as the version
itself. When the sync engine takes rows into a batch (:meth:`Outbox.take`), their
versions are sealed in that same transaction, so a version's content never changes
after it was first sent: a later edit becomes a new version.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import sqlite_utils

    from desktop.store.database import Database
    from desktop.store.models import OutboxItem

#: Keys of a stored payload that are the store's own bookkeeping, not part of the wire
#: item: a version payload carries its case's ``id``, an audit payload its ``seq``.
LOCAL_KEYS: dict[str, tuple[str, ...]] = {"version": ("id",), "audit": ("seq",)}


@dataclass(frozen=True, slots=True)
class WireItem:
    """A taken outbox item as the sync engine sends it (see :meth:`Outbox.take_wire`)."""

    id: int
    kind: str
    item_id: str
    case_id: str | None
    wire_json: str
    training: bool


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


AUTHOR = (
    "CASE kind WHEN 'version' THEN json_extract(payload, '$.created_by') "
    "WHEN 'referral_event' THEN json_extract(payload, '$.actor_id') "
    "ELSE json_extract(payload, '$.user_id') END"
)
"""Who made an outbox item (a version's author, a referral move's actor, an audit event's
user): each user's items go to the server with that user's own token only. An item that
names no one (an unreadable payload) goes with whoever syncs: it acts for no one, and the
server's refusal quarantines it with a notice instead of it waiting for ever."""
_BY = f"({AUTHOR} = ? OR {AUTHOR} IS NULL)"


def unsynced_count(
    db: sqlite_utils.Database | Database, kind: str | None = None, author: str | None = None
) -> int:
    """Outbox items (of ``kind``, made by ``author``) not yet acknowledged, quarantined
    ones included.

    A function of its own so the status bar can count at start-up without the outbox's
    item models (this module imports nothing heavy at load)."""
    sql = "SELECT count(*) FROM outbox WHERE state NOT IN ('acked', 'local')"
    params: list[Any] = []
    if kind is not None:
        sql += " AND kind = ?"
        params.append(kind)
    if author is not None:
        sql += f" AND {_BY}"
        params.append(author)
    return int(db.execute(sql, params).fetchone()[0])


class Outbox:
    def __init__(self, db: sqlite_utils.Database | Database) -> None:
        self._db = db

    def put(self, kind: str, item_id: str, payload: dict[str, Any], case_id: str | None) -> None:
        """Add an item, or replace the payload of one that was not taken yet."""
        self._db.execute(
            "INSERT INTO outbox (kind, item_id, case_id, payload, created_at) "
            "VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (item_id) DO UPDATE SET payload = excluded.payload "
            "WHERE outbox.state = 'pending'",
            [kind, item_id, case_id, json.dumps(payload, ensure_ascii=False), _now()],
        )

    def take(
        self,
        limit: int = 500,
        kinds: tuple[str, ...] = ("version", "audit"),
        after: int = 0,
    ) -> list[OutboxItem]:
        """Take pending items (oldest first, row id above ``after``) into a batch; seals
        their versions. Items left ``sending`` by an interrupted run are taken again."""
        from desktop.store.models import OutboxItem

        rows = self._take("payload, attempts, last_error", limit, kinds, after)
        # Rows this store wrote itself: built without re-validating every payload
        # (that doubled the cost of taking a batch of 1,000).
        return [
            OutboxItem.model_construct(
                id=row[0],
                kind=row[1],
                item_id=row[2],
                case_id=row[3],
                payload=json.loads(row[4]),
                state="sending",
                attempts=row[5] + 1,
                last_error=row[6],
            )
            for row in rows
        ]

    def take_wire(
        self,
        limit: int = 500,
        kinds: tuple[str, ...] = ("version", "audit"),
        after: int = 0,
        author: str | None = None,
    ) -> list[WireItem]:
        """:meth:`take`, with each payload as the JSON text of its wire item.

        The store's own keys (a version's ``id``, an audit event's ``seq``) are removed
        by SQLite, which keeps every other value exactly as it was written: a sealed
        version goes out byte for byte as stored, so its content hash cannot drift.
        """
        version_keys = ", ".join(f"'$.{key}'" for key in LOCAL_KEYS["version"])
        audit_keys = ", ".join(f"'$.{key}'" for key in LOCAL_KEYS["audit"])
        rows = self._take(
            f"CASE kind WHEN 'version' THEN json_remove(payload, {version_keys}) "
            f"ELSE json_remove(payload, {audit_keys}) END, "
            "coalesce(json_extract(payload, '$.training'), 0)",
            limit,
            kinds,
            after,
            author,
        )
        return [WireItem(row[0], row[1], row[2], row[3], row[4], bool(row[5])) for row in rows]

    def _take(
        self,
        columns: str,
        limit: int,
        kinds: tuple[str, ...],
        after: int,
        author: str | None = None,
    ) -> list[tuple[Any, ...]]:
        """``author``: only items that user made (:data:`AUTHOR`); None: anyone's."""
        marks = ", ".join("?" * len(kinds))
        mine = f"AND {_BY} " if author is not None else ""
        with self._db.atomic():
            rows = self._db.execute(
                f"SELECT id, kind, item_id, case_id, {columns} "
                f"FROM outbox WHERE state IN ('pending', 'sending') AND kind IN ({marks}) "
                f"AND id > ? {mine}ORDER BY id LIMIT ?",
                [*kinds, after, *([author] if author is not None else []), limit],
            ).fetchall()
            ids = [row[0] for row in rows]
            if ids:
                idmarks = ", ".join("?" * len(ids))
                self._db.execute(
                    f"UPDATE outbox SET state = 'sending', attempts = attempts + 1 "
                    f"WHERE id IN ({idmarks})",
                    ids,
                )
                version_ids = [row[2] for row in rows if row[1] == "version"]
                if version_ids:
                    vmarks = ", ".join("?" * len(version_ids))
                    self._db.execute(
                        f"UPDATE case_versions SET sealed = 1 WHERE version_id IN ({vmarks})",
                        version_ids,
                    )
        return rows

    def ack(self, item_ids: list[str]) -> None:
        """Mark items acknowledged by the server (created, duplicate or held)."""
        if not item_ids:
            return
        marks = ", ".join("?" * len(item_ids))
        with self._db.atomic():
            self._db.execute(
                f"UPDATE outbox SET state = 'acked', acked_at = ?, last_error = NULL "
                f"WHERE item_id IN ({marks})",
                [_now(), *item_ids],
            )
            self._db.execute(
                f"UPDATE cases SET sync_state = 'synced' WHERE id IN "
                f"(SELECT case_id FROM outbox WHERE item_id IN ({marks}) AND kind = 'version') "
                f"AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.case_id = cases.id "
                f"AND o.kind = 'version' AND o.state != 'acked')",
                item_ids,
            )

    def release(self, item_ids: list[str], error: str) -> None:
        """Put items back as pending after a failed attempt (they stay sealed)."""
        if not item_ids:
            return
        marks = ", ".join("?" * len(item_ids))
        self._db.execute(
            f"UPDATE outbox SET state = 'pending', last_error = ? "
            f"WHERE item_id IN ({marks}) AND state = 'sending'",
            [error, *item_ids],
        )

    def keep_local_audit(self, user_id: str, reason: str) -> int:
        """Keep on this desk the audit events of ``user_id`` that were never sent (state
        ``local``): made under the desk's own identity before it was linked to a central
        user, which the central API may not accept as anybody's. They stay in the local,
        hash-chained audit log. Returns the count."""
        result = self._db.execute(
            "UPDATE outbox SET state = 'local', last_error = ? WHERE kind = 'audit' "
            "AND state = 'pending' AND attempts = 0 AND json_extract(payload, '$.user_id') = ?",
            [reason, user_id],
        )
        return int(result.rowcount)

    def quarantine(self, item_id: str, reason: str) -> None:
        """Set an item aside that the server rejected; it stays visible to the user."""
        with self._db.atomic():
            self._db.execute(
                "UPDATE outbox SET state = 'quarantined', last_error = ? WHERE item_id = ?",
                [reason, item_id],
            )
            self._db.execute(
                "UPDATE cases SET sync_state = 'conflict' WHERE id = "
                "(SELECT case_id FROM outbox WHERE item_id = ? AND kind = 'version')",
                [item_id],
            )

    def unsynced_count(self, kind: str | None = None, author: str | None = None) -> int:
        """Number of items (of ``kind``, by ``author``) not yet acknowledged, quarantined
        ones included."""
        return unsynced_count(self._db, kind, author)

    def items(self, state: str | None = None) -> list[OutboxItem]:
        from desktop.store.models import OutboxItem

        sql = "SELECT id, kind, item_id, case_id, payload, state, attempts, last_error FROM outbox"
        params: list[Any] = []
        if state:
            sql += " WHERE state = ?"
            params.append(state)
        rows = self._db.execute(sql + " ORDER BY id", params).fetchall()
        return [
            OutboxItem(
                id=r[0],
                kind=r[1],
                item_id=r[2],
                case_id=r[3],
                payload=json.loads(r[4]),
                state=r[5],
                attempts=r[6],
                last_error=r[7],
            )
            for r in rows
        ]
