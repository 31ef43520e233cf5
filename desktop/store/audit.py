"""The audit trail (NEN 7513): append-only, hash-chained events.

Each row stores the hash of the row before it; the hash covers every field of the
event, so an edited, deleted or reordered row breaks the chain at that point. The
head (last sequence number and hash) is also kept in ``meta`` so that truncating the
tail shows too. Events name who acted, on whose behalf, what, which case, which
device, when (UTC and device-local time) and the outcome; never case content.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from desktop.store.database import Database
    from desktop.store.models import AuditEvent
    from desktop.store.outbox import Outbox
    from desktop.store.records import Actor

GENESIS = "0" * 64
ACTIONS = frozenset(
    {
        "create",
        "read",
        "update",
        "delete",
        "print",
        "export",
        "status",
        "decide",
        "amend",
        "banner_shown",
        "sync",
        "login",
        "logout",
        "unlock",
        "lock",
        "profile_created",
        "user_added",
        "user_removed",
        "passphrase_changed",
        "switch_user",
        "reconcile",
        "referral",
        "referral_alert_ack",
        "break_glass",
    }
)
_FIELDS = (
    "event_id",
    "action",
    "at_utc",
    "at_local",
    "user_id",
    "display_name",
    "role",
    "on_behalf_of",
    "case_id",
    "device_id",
    "outcome",
    "details",
    "prev_hash",
)


def event_hash(event: dict[str, Any]) -> str:
    """SHA-256 over the canonical JSON of an event's fields (``details`` as stored text)."""
    canonical = json.dumps(
        [event[name] for name in _FIELDS], ensure_ascii=False, separators=(",", ":")
    )
    return _sha256_hex(canonical.encode("utf-8"))


_hashlib: ModuleType | None = None


def _sha256_hex(data: bytes) -> str:
    # hashlib (OpenSSL) loads with the first event hashed: a start that only reads the
    # store needs none. Kept in a global, not a function-level import: verifying a long
    # chain hashes every row.
    global _hashlib
    if _hashlib is None:
        import hashlib

        _hashlib = hashlib
    return _hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class ChainReport:
    """Result of :func:`verify_audit_chain`: ``ok``, or the first bad row and why."""

    ok: bool
    checked: int
    first_bad_seq: int | None = None
    reason: str | None = None


class AuditLog:
    """Appends and reads audit events; call :meth:`append` inside the change's transaction.

    ``outbox`` gives the outbox that events are queued in for sync (none in training);
    it is asked for only when an event is appended, so reading needs no outbox.
    """

    def __init__(self, db: Database, outbox: Callable[[], Outbox] | None = None) -> None:
        self._db = db
        self._outbox = outbox

    def _head(self) -> tuple[int, str]:
        row = self._db.execute(
            "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1"
        ).fetchone()
        return (row[0], row[1]) if row else (0, GENESIS)

    def append(
        self,
        actor: Actor,
        action: str,
        *,
        case_id: str | None = None,
        outcome: str = "success",
        details: dict[str, Any] | None = None,
        at: datetime | None = None,
    ) -> AuditEvent:
        if action not in ACTIONS:
            raise ValueError(f"unknown audit action {action!r}")
        import uuid  # on the first event, like hashlib

        moment = at or datetime.now(UTC)
        _, prev_hash = self._head()
        event: dict[str, Any] = {
            "event_id": str(uuid.uuid4()),
            "action": action,
            "at_utc": moment.astimezone(UTC).isoformat(timespec="milliseconds"),
            "at_local": moment.astimezone().isoformat(timespec="milliseconds"),
            "user_id": actor.user_id,
            "display_name": actor.display_name,
            "role": actor.role,
            "on_behalf_of": actor.on_behalf_of,
            "case_id": case_id,
            "device_id": actor.device_id,
            "outcome": outcome,
            "details": json.dumps(details or {}, ensure_ascii=False, sort_keys=True),
            "prev_hash": prev_hash,
        }
        event["hash"] = event_hash(event)
        with self._db.atomic():
            cursor = self._db.execute(
                f"INSERT INTO audit_log ({', '.join([*_FIELDS, 'hash'])}) "
                f"VALUES ({', '.join('?' * (len(_FIELDS) + 1))})",
                [event[name] for name in (*_FIELDS, "hash")],
            )
            seq = int(cursor.lastrowid or 0)
            self._db.execute(
                "INSERT INTO meta (key, value) VALUES ('audit_head', ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [f"{seq}:{event['hash']}"],
            )
            model = _to_model({**event, "seq": seq})
            if self._outbox is not None:
                self._outbox().put("audit", model.event_id, model.model_dump(), case_id)
        return model

    def events(self, *, case_id: str | None = None, since_seq: int = 0) -> list[AuditEvent]:
        sql = "SELECT * FROM audit_log WHERE seq > ?"
        params: list[Any] = [since_seq]
        if case_id is not None:
            sql += " AND case_id = ?"
            params.append(case_id)
        cursor = self._db.execute(sql + " ORDER BY seq", params)
        names = [d[0] for d in cursor.description]
        return [_to_model(dict(zip(names, row, strict=True))) for row in cursor.fetchall()]

    def last_edit(self, case_id: str) -> tuple[datetime, list[str]] | None:
        """When a case's content was last committed here, and which fields that edit
        wrote (the start-up offer of unfinished intakes tells it); None when never."""
        row = self._db.execute(
            "SELECT at_utc, details FROM audit_log WHERE case_id = ? "
            "AND action IN ('create', 'update', 'status', 'decide', 'amend', 'reconcile') "
            "ORDER BY seq DESC LIMIT 1",
            [case_id],
        ).fetchone()
        if row is None:
            return None
        details = json.loads(row[1]) if row[1] else {}
        fields = details.get("fields") if isinstance(details, dict) else None
        return datetime.fromisoformat(row[0]), [str(f) for f in fields or []]

    def verify(self) -> ChainReport:
        return verify_audit_chain(self._db)


def _to_model(row: dict[str, Any]) -> AuditEvent:
    from desktop.store.models import AuditEvent

    data = dict(row)
    data["details"] = json.loads(data["details"]) if isinstance(data["details"], str) else {}
    return AuditEvent(**data)


def verify_audit_chain(db: Database) -> ChainReport:
    """Walk the chain from the start; report the first edited, deleted or inserted row."""
    cursor = db.execute("SELECT * FROM audit_log ORDER BY seq")
    names = [d[0] for d in cursor.description]
    prev_hash = GENESIS
    prev_seq = 0
    checked = 0
    for values in cursor:
        row = dict(zip(names, values, strict=True))
        seq = row["seq"]
        if row["prev_hash"] != prev_hash:
            reason = "row before it was deleted" if seq != prev_seq + 1 else "chain link broken"
            return ChainReport(False, checked, seq, reason)
        if event_hash(row) != row["hash"]:
            return ChainReport(False, checked, seq, "row was edited")
        if seq != prev_seq + 1:
            return ChainReport(False, checked, seq, "sequence gap: a row was deleted")
        prev_hash, prev_seq = row["hash"], seq
        checked += 1
    head = db.execute("SELECT value FROM meta WHERE key = 'audit_head'").fetchone()
    if head is not None:
        head_seq, _, head_hash = head[0].partition(":")
        if int(head_seq) != prev_seq or head_hash != prev_hash:
            return ChainReport(False, checked, prev_seq + 1, "rows at the end were deleted")
    elif checked:
        return ChainReport(False, checked, 1, "chain head is missing")
    return ChainReport(True, checked)
