"""What the sync engine keeps in the local store: checkpoints, pulled data, reconciliation.

Key/value state lives in ``sync_checkpoint`` (the pull cursor, server URL, device
registration, last successful sync, and the device token only when no OS keyring is
available — the table sits inside the encrypted database), reference data in
``reference_data``, pulled case versions in ``case_versions``/``cases`` — written through
the store's one case write path (:mod:`desktop.store.heads`), which derives the case
row (status, urgency, deadline, search text ...) from the head version. Every method
runs inside the caller's transaction when there is one, so a pulled page and its
checkpoint commit together.

Pulled versions never enter the outbox and are stored sealed: a local edit on top of
one becomes a new version naming it as its base. When a pulled version and a local
version share a base, both are kept and the case's status becomes
``needs_reconciliation`` for a person to resolve; nothing is overwritten.
"""

from __future__ import annotations

import builtins
import json
from collections.abc import Iterable
from typing import Any, Literal

import sqlcipher3
import sqlite_utils

from desktop.store import heads
from desktop.store.errors import AlreadyStored
from desktop.store.heads import NewVersion
from desktop.store.migrations import PER_USER_SYNC_KEYS

PULL_SINCE = "pull.since"
_CHUNK = 500  # ids per IN (...) query, well below SQLite's variable limit
ApplyOutcome = Literal["known", "new_case", "advanced", "kept", "conflict"]


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


class SyncState:
    """Sync bookkeeping on one open store database.

    ``user``: the local id of the user whose sync this is (``Store.current_user``). The
    server address, device registration, token, cursor and last run are kept per user
    (:data:`~desktop.store.migrations.PER_USER_SYNC_KEYS`): each user syncs with their own
    central login, and one user's token is never read for another's. Without a user
    (tests of the shared parts), those keys are the device's own.
    """

    def __init__(self, db: sqlite_utils.Database, user: str | None = None) -> None:
        self._db = db
        self.user = user

    # -- key/value -------------------------------------------------------------------------

    def _key(self, key: str) -> str:
        if self.user is not None and key in PER_USER_SYNC_KEYS:
            return f"user:{self.user}:{key}"
        return key

    def get(self, key: str) -> str | None:
        row = self._db.execute(
            "SELECT value FROM sync_checkpoint WHERE key = ?", [self._key(key)]
        ).fetchone()
        return None if row is None else str(row[0])

    def set(self, key: str, value: str) -> None:
        self._db.execute(
            "INSERT INTO sync_checkpoint (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [self._key(key), value],
        )

    def delete(self, key: str) -> None:
        self._db.execute("DELETE FROM sync_checkpoint WHERE key = ?", [self._key(key)])

    def pull_since(self) -> int:
        value = self.get(PULL_SINCE)
        return int(value) if value else 0

    def set_pull_since(self, since: int) -> None:
        self.set(PULL_SINCE, str(since))

    # -- reference data --------------------------------------------------------------------

    def put_reference(self, kind: str, item_id: str, payload: dict[str, Any], seq: int) -> None:
        self._db.execute(
            "INSERT INTO reference_data (kind, id, payload, server_seq, deleted) "
            "VALUES (?, ?, ?, ?, 0) ON CONFLICT (kind, id) DO UPDATE SET "
            "payload = excluded.payload, server_seq = excluded.server_seq, deleted = 0",
            [kind, item_id, _dumps(payload), seq],
        )

    def remove_reference(self, kind: str, item_id: str, seq: int) -> None:
        """Mark a reference item removed (a tombstone from the server)."""
        self._db.execute(
            "INSERT INTO reference_data (kind, id, payload, server_seq, deleted) "
            "VALUES (?, ?, '{}', ?, 1) ON CONFLICT (kind, id) DO UPDATE SET "
            "server_seq = excluded.server_seq, deleted = 1",
            [kind, item_id, seq],
        )

    def reference_seq(self, kind: str, item_id: str) -> int:
        """The server sequence of a stored reference item (0 when not stored)."""
        row = self._db.execute(
            "SELECT server_seq FROM reference_data WHERE kind = ? AND id = ?", [kind, item_id]
        ).fetchone()
        return int(row[0]) if row and row[0] is not None else 0

    def clear_reference(self) -> None:
        """Forget all reference data (a full resync sends it all again)."""
        self._db.execute("DELETE FROM reference_data")

    def reference(self, kind: str) -> list[dict[str, Any]]:
        """Live reference items of one kind (``provider``, ``form_definition``)."""
        rows = self._db.execute(
            "SELECT payload FROM reference_data WHERE kind = ? AND deleted = 0 ORDER BY id",
            [kind],
        ).fetchall()
        return [json.loads(row[0]) for row in rows]

    # -- case versions ---------------------------------------------------------------------

    def has_version(self, version_id: str) -> bool:
        row = self._db.execute(
            "SELECT 1 FROM case_versions WHERE version_id = ?", [version_id]
        ).fetchone()
        return row is not None

    def unacked_versions(self, case_id: str) -> int:
        """Local versions of the case that the server has not acknowledged yet."""
        return int(
            self._db.execute(
                "SELECT count(*) FROM outbox WHERE case_id = ? AND kind = 'version' "
                "AND state != 'acked'",
                [case_id],
            ).fetchone()[0]
        )

    def apply_version(self, item: dict[str, Any]) -> ApplyOutcome:
        """Store a pulled version (the wire ``VersionItem`` as JSON) as a case version.

        ``known``: already stored (our own version coming back, or a repeated page).
        ``new_case``: the first version of a case seen here. ``advanced``: it builds on
        the local head and becomes the head. ``conflict``: another version shares its
        base, so both are kept and the case needs reconciliation. ``kept``: stored as
        history without moving the head (its base is not here yet, or local work is
        newer).
        """
        version_id = str(item["version_id"])
        case_id = str(item["case_id"])
        if self.has_version(version_id):
            return "known"
        base = item.get("base_version_id")
        base = str(base) if base is not None else None
        case = self._db.execute(
            "SELECT head_version_id, status FROM cases WHERE id = ?", [case_id]
        ).fetchone()
        number = item.get("number") or self.next_number(case_id)
        if case is None:
            form = item.get("form") or {}
            heads.insert_case(
                self._db,
                form_id=str(form.get("id", "intake")),
                form_version=str(form.get("version", "1")),
                created_at=item["created_at"],
                updated_at=item["updated_at"],
                region=item["region"],
                training=False,
                first=_pulled(case_id, version_id, int(number), base, item),
                sync="pulled",
            )
            return "new_case"
        self.insert_version(case_id, version_id, int(number), base, item)
        head_id, status = str(case[0]), str(case[1])
        siblings = self._db.execute(
            "SELECT count(*) FROM case_versions WHERE case_id = ? AND version_id != ? "
            "AND base_version_id IS ?",
            [case_id, version_id, base],
        ).fetchone()[0]
        resolves = {str(v) for v in item.get("resolves") or []}
        if resolves:
            self.record_resolves(version_id, sorted(resolves))
        if resolves and (base == head_id or head_id in resolves):
            self._move_head(case_id, version_id, item, keep_reconciliation=False)
            return "advanced"
        if siblings:
            self.mark_needs_reconciliation(case_id)
            return "conflict"
        if base == head_id:
            keep_flag = status == "needs_reconciliation"
            self._move_head(case_id, version_id, item, keep_reconciliation=keep_flag)
            return "advanced"
        if (
            base is not None
            and not self.has_version(base)
            and self.unacked_versions(case_id) == 0
            and int(number) > self._number(head_id)
        ):
            self._move_head(case_id, version_id, item, keep_reconciliation=False)
            return "advanced"
        return "kept"

    def stored_ids(
        self, version_ids: Iterable[str], case_ids: Iterable[str]
    ) -> tuple[builtins.set[str], builtins.set[str]]:
        """Which of these version ids and case ids (a case row, withdrawn or not, or a
        version of the case) are stored here: a pulled page asks once, not per version."""
        case_ids = list(case_ids)
        return (
            self._present("SELECT version_id FROM case_versions WHERE version_id", version_ids),
            self._present("SELECT id FROM cases WHERE id", case_ids)
            | self._present("SELECT DISTINCT case_id FROM case_versions WHERE case_id", case_ids),
        )

    def _present(self, select: str, ids: Iterable[str]) -> builtins.set[str]:
        wanted = sorted(builtins.set(ids))
        found: builtins.set[str] = builtins.set()
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start : start + _CHUNK]
            rows = self._db.execute(
                f"{select} IN ({', '.join('?' * len(chunk))})", chunk
            ).fetchall()
            found.update(str(row[0]) for row in rows)
        return found

    @staticmethod
    def new_case(item: dict[str, Any]) -> heads.CaseRows:
        """The case row and first version :meth:`apply_version` stores for a pulled
        version of a case not on this desk (its ``new_case`` outcome), for
        :meth:`insert_new_cases` (an item without its number is the case's first here:
        number 1, as :meth:`next_number` gives a case without versions). Raises as
        :meth:`apply_version` would for an item it cannot read."""
        number = item.get("number") or 1
        case_id = str(item["case_id"])
        version_id = str(item["version_id"])
        base = item.get("base_version_id")
        form = item.get("form") or {}
        case = heads.NewCase(
            form_id=str(form.get("id", "intake")),
            form_version=str(form.get("version", "1")),
            created_at=item["created_at"],
            updated_at=item["updated_at"],
            region=item["region"],
            training=False,
            first=_pulled(
                case_id, version_id, int(number), None if base is None else str(base), item
            ),
        )
        return heads.case_rows(case)

    def insert_new_cases(self, new: list[heads.CaseRows]) -> None:
        """Store pulled versions of cases new to this desk (:meth:`new_case`) as
        :meth:`apply_version` stores each (outcome ``new_case``), in two statements; the
        caller has checked (:meth:`stored_ids`) that neither the cases nor the versions
        are stored. Raises :class:`AlreadyStored` when one is after all; some rows may
        be written then, so the caller rolls its transaction back."""
        try:
            heads.insert_cases(self._db.conn, new, sync="pulled")
        except sqlcipher3.IntegrityError as exc:
            raise AlreadyStored(str(exc)) from exc

    def record_resolves(self, version_id: str, resolved: list[str]) -> None:
        """Remember which competing heads ``version_id`` reconciled (ours or pulled)."""
        heads.record_resolves(self._db, version_id, resolved)

    def resolved_versions(self, case_id: str) -> builtins.set[str]:  # `set` is a method here
        """Version ids of the case that a stored reconciliation resolved."""
        return heads.resolved_versions(self._db, case_id)

    def apply_case_state(self, state: dict[str, Any]) -> None:
        """Follow the server's view of a case: flag or clear ``needs_reconciliation``.

        A flag from the server is always taken. Clearing (one head left after a person
        resolved it elsewhere) is taken only when nothing local is waiting to be sent
        and the remaining head version is stored here.
        """
        case_id = str(state["case_id"])
        row = self._db.execute(
            "SELECT status, head_version_id FROM cases WHERE id = ?", [case_id]
        ).fetchone()
        if row is None:
            return
        if state.get("needs_reconciliation"):
            self.mark_needs_reconciliation(case_id)
            return
        remaining = [str(h) for h in state.get("head_version_ids") or []]
        if (
            len(remaining) != 1
            or self.unacked_versions(case_id)
            or not self.has_version(remaining[0])
        ):
            return
        if row[0] == "needs_reconciliation" or row[1] != remaining[0]:
            made = self._db.execute(
                "SELECT created_at FROM case_versions WHERE version_id = ?", [remaining[0]]
            ).fetchone()[0]
            heads.set_head(self._db, case_id, remaining[0], updated_at=str(made), sync="pulled")

    def mark_needs_reconciliation(self, case_id: str) -> None:
        heads.flag_reconciliation(self._db, case_id)

    def withdraw_case(self, case_id: str) -> None:
        """A case removed on the server (retention, a destruction request): drop it here
        too, or only hide it while a local version of it still waits to be sent."""
        heads.drop(self._db, case_id)

    def drop_closed(self, cutoff: str) -> list[str]:
        """Drop the closed, synced cases last changed before `cutoff` (UTC ISO): a desk
        keeps closed cases only a while (issue 21). Returns the ids dropped. The caller
        runs it in one transaction (``Store.atomic``)."""
        return [c for c in heads.closed_before(self._db, cutoff) if heads.drop(self._db, c)]

    def reconciliation_cases(self) -> list[str]:
        rows = self._db.execute(
            "SELECT id FROM cases WHERE status = 'needs_reconciliation' AND deleted_at IS NULL "
            "ORDER BY id"
        ).fetchall()
        return [str(row[0]) for row in rows]

    # -- internals -------------------------------------------------------------------------

    def _number(self, version_id: str) -> int:
        row = self._db.execute(
            "SELECT number FROM case_versions WHERE version_id = ?", [version_id]
        ).fetchone()
        return int(row[0]) if row else 0

    def next_number(self, case_id: str) -> int:
        """The number a new version of the case gets (1 for a case without versions)."""
        top = self._db.execute(
            "SELECT max(number) FROM case_versions WHERE case_id = ?", [case_id]
        ).fetchone()[0]
        return int(top or 0) + 1

    def insert_version(
        self, case_id: str, version_id: str, number: int, base: str | None, item: dict[str, Any]
    ) -> None:
        """Store a sealed version from a wire-shaped ``item`` (pulled) without moving the
        head; :meth:`apply_version` decides whether it becomes the head."""
        heads.insert_version(self._db, _pulled(case_id, version_id, number, base, item))

    def _move_head(
        self, case_id: str, version_id: str, item: dict[str, Any], *, keep_reconciliation: bool
    ) -> None:
        heads.set_head(
            self._db,
            case_id,
            version_id,
            updated_at=item["updated_at"],
            sync="pulled",
            status="needs_reconciliation" if keep_reconciliation else None,
        )


def _pulled(
    case_id: str, version_id: str, number: int, base: str | None, item: dict[str, Any]
) -> NewVersion:
    """A pulled version as the store keeps it: sealed, with its own time.

    On the wire ``created_at`` is the *case's* creation and ``updated_at`` the moment
    this version was written (DESIGN.md contract 4), so the version's own time is
    ``updated_at`` when the item has one.
    """
    return NewVersion(
        version_id=version_id,
        case_id=case_id,
        number=number,
        base_version_id=base,
        status=item["status"],
        answers=dict(item.get("answers") or {}),
        legal_flags=list(item.get("legal_flags") or []),
        legal_decision_date=item.get("legal_decision_date"),
        banners_shown=list(item.get("banners_shown") or []),
        created_at=item.get("updated_at") or item["created_at"],
        created_by=item["created_by"],
        created_by_name=item.get("created_by_name") or "",
        device_id=str(item["device_id"]),
        reason=item.get("reason"),
        sealed=True,
    )
