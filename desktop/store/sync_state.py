"""What the sync engine keeps in the local store: checkpoints, pulled data, reconciliation.

Additive to the store (no schema change): key/value state lives in ``sync_checkpoint``
(the pull cursor, server URL, device registration, last successful sync, and the device
token only when no OS keyring is available — the table sits inside the encrypted
database), reference data in ``reference_data``, pulled case versions in
``case_versions``/``cases``. Every method runs inside the caller's transaction when
there is one, so a pulled page and its checkpoint commit together.

Pulled versions never enter the outbox and are stored sealed: a local edit on top of
one becomes a new version naming it as its base. When a pulled version and a local
version share a base, both are kept and the case's status becomes
``needs_reconciliation`` for a person to resolve; nothing is overwritten.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, Literal

import sqlite_utils

from desktop.store.cases import summary_columns

PULL_SINCE = "pull.since"
# The local schema has no ``resolves`` column: which heads a version reconciled (made
# here or pulled) is kept under this key prefix plus the version id.
RESOLVES_KEY = "reconcile.resolves:"
ApplyOutcome = Literal["known", "new_case", "advanced", "kept", "conflict"]


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


class SyncState:
    """Sync bookkeeping on one open store database."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self._db = db

    # -- key/value -------------------------------------------------------------------------

    def get(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM sync_checkpoint WHERE key = ?", [key]).fetchone()
        return None if row is None else str(row[0])

    def set(self, key: str, value: str) -> None:
        self._db.execute(
            "INSERT INTO sync_checkpoint (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [key, value],
        )

    def delete(self, key: str) -> None:
        self._db.execute("DELETE FROM sync_checkpoint WHERE key = ?", [key])

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
            self._insert_case(case_id, version_id, item)
            self.insert_version(case_id, version_id, int(number), base, item)
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

    def record_resolves(self, version_id: str, resolved: list[str]) -> None:
        """Remember which competing heads ``version_id`` reconciled (ours or pulled)."""
        self.set(RESOLVES_KEY + version_id, json.dumps(resolved))

    def resolved_versions(self, case_id: str) -> set[str]:
        """Version ids of the case that a stored reconciliation resolved."""
        rows = self._db.execute(
            "SELECT k.value FROM case_versions v JOIN sync_checkpoint k "
            "ON k.key = ? || v.version_id WHERE v.case_id = ?",
            [RESOLVES_KEY, case_id],
        ).fetchall()
        resolved: set[str] = set()
        for (value,) in rows:
            resolved.update(str(v) for v in json.loads(value))
        return resolved

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
        heads = [str(h) for h in state.get("head_version_ids") or []]
        if len(heads) != 1 or self.unacked_versions(case_id) or not self.has_version(heads[0]):
            return
        if row[0] == "needs_reconciliation" or row[1] != heads[0]:
            version = self._db.execute(
                "SELECT answers, status, legal_flags, banners_shown, created_at "
                "FROM case_versions WHERE version_id = ?",
                [heads[0]],
            ).fetchone()
            answers = json.loads(version[0])
            self._update_case(
                case_id,
                heads[0],
                answers,
                str(version[1]),
                version[2],
                version[3],
                str(version[4]),
            )

    def mark_needs_reconciliation(self, case_id: str) -> None:
        self._db.execute("UPDATE cases SET status = 'needs_reconciliation' WHERE id = ?", [case_id])

    def withdraw_case(self, case_id: str) -> None:
        """A case removed on the server (retention): hide it from the list, keep history."""
        self._db.execute(
            "UPDATE cases SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL",
            [datetime.now(UTC).isoformat(timespec="milliseconds"), case_id],
        )

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

    def _insert_case(self, case_id: str, version_id: str, item: dict[str, Any]) -> None:
        answers = dict(item.get("answers") or {})
        summary = summary_columns(answers)
        form = item.get("form") or {}
        self._db.execute(
            "INSERT INTO cases (id, form_id, form_version, status, created_at, "
            "updated_at, region, training, head_version_id, legal_flags, legal_decision_date, "
            "banners_shown, sync_state, received_at, youth_name, birth_date, age_estimate, "
            "urgency, search_text) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, 'synced', ?, ?, ?, ?, ?, ?)",
            [
                case_id,
                form.get("id", "intake"),
                form.get("version", "1"),
                item["status"],
                item["created_at"],
                item["updated_at"],
                item["region"],
                version_id,
                _dumps(item.get("legal_flags") or []),
                item.get("legal_decision_date"),
                _dumps(item.get("banners_shown") or []),
                summary["received_at"],
                summary["youth_name"],
                summary["birth_date"],
                summary["age_estimate"],
                summary["urgency"],
                summary["search_text"],
            ],
        )

    def next_number(self, case_id: str) -> int:
        """The number a new version of the case gets (1 for a case without versions)."""
        top = self._db.execute(
            "SELECT max(number) FROM case_versions WHERE case_id = ?", [case_id]
        ).fetchone()[0]
        return int(top or 0) + 1

    def insert_version(
        self, case_id: str, version_id: str, number: int, base: str | None, item: dict[str, Any]
    ) -> None:
        """Store a sealed version from a wire-shaped ``item`` (pulled, or a reconciliation).

        On the wire ``created_at`` is the *case's* creation and ``updated_at`` the moment
        this version was written (DESIGN.md contract 4), so the version's own time is
        ``updated_at`` when the item has one.
        """
        self._db.execute(
            "INSERT INTO case_versions (version_id, case_id, number, base_version_id, status, "
            "answers, legal_flags, banners_shown, created_at, created_by, created_by_name, "
            "device_id, reason, sealed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)",
            [
                version_id,
                case_id,
                number,
                base,
                item["status"],
                _dumps(item.get("answers") or {}),
                _dumps(item.get("legal_flags") or []),
                _dumps(item.get("banners_shown") or []),
                item.get("updated_at") or item["created_at"],
                item["created_by"],
                item.get("created_by_name") or "",
                str(item["device_id"]),
                item.get("reason"),
            ],
        )

    def _move_head(
        self, case_id: str, version_id: str, item: dict[str, Any], *, keep_reconciliation: bool
    ) -> None:
        status = "needs_reconciliation" if keep_reconciliation else item["status"]
        self._update_case(
            case_id,
            version_id,
            dict(item.get("answers") or {}),
            status,
            _dumps(item.get("legal_flags") or []),
            _dumps(item.get("banners_shown") or []),
            item["updated_at"],
            legal_decision_date=item.get("legal_decision_date"),
        )

    def _update_case(
        self,
        case_id: str,
        version_id: str,
        answers: dict[str, Any],
        status: str,
        legal_flags: str,
        banners_shown: str,
        updated_at: str,
        *,
        legal_decision_date: str | None = None,
    ) -> None:
        summary = summary_columns(answers)
        self._db.execute(
            "UPDATE cases SET head_version_id = ?, status = ?, legal_flags = ?, "
            "banners_shown = ?, updated_at = ?, "
            "legal_decision_date = coalesce(?, legal_decision_date), "
            "sync_state = CASE WHEN EXISTS (SELECT 1 FROM outbox o WHERE o.case_id = cases.id "
            "AND o.kind = 'version' AND o.state != 'acked') THEN sync_state ELSE 'synced' END, "
            "received_at = ?, youth_name = ?, birth_date = ?, age_estimate = ?, urgency = ?, "
            "search_text = ? WHERE id = ?",
            [
                version_id,
                status,
                legal_flags,
                banners_shown,
                updated_at,
                legal_decision_date,
                summary["received_at"],
                summary["youth_name"],
                summary["birth_date"],
                summary["age_estimate"],
                summary["urgency"],
                summary["search_text"],
                case_id,
            ],
        )
