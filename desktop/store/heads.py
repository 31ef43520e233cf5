"""The one write path of a case: its row, its versions, and what the row derives from them.

A case row (``cases``) is a summary of its *head* version: status, legal flags and their
decision date, banners shown, and the case-list columns (call time, name, birth date,
age estimate, urgency, response deadline, search text). :func:`set_head` is the only
code that writes those columns, and it computes every one of them from the head
version's stored content (:func:`head_columns`), whether the head moved by a local edit
(:mod:`desktop.store.cases`), a pulled version or case state
(:mod:`desktop.store.sync_state`) or a reconciliation (``CaseRepository.reconcile``).
Nothing outside :mod:`desktop.store` writes case SQL.

The response deadline is the form engine's formula (``desktop.forms.engine.deadline_of``)
applied to the head's answers with the case's own form; the form is loaded on the first
write that needs it (never on the way to the first window).

Which heads a reconciliation resolved (made here or pulled) is kept in the table
``version_resolves`` (migration 3; before it, keys in ``sync_checkpoint``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

from desktop.store.errors import NotFoundError


class Executes(Protocol):
    """Either handle on the store's connection (``Database`` or ``sqlite_utils.Database``)."""

    def execute(self, sql: str, parameters: Any = ...) -> Any: ...


SyncMark = Literal["local", "pulled"]
"""How a head move sets the case's sync state: ``local`` (waiting to be sent; ``local``
for a training case), ``pulled`` (``synced`` unless a local version still waits)."""

_SYNC_STATE_SQL = {
    "local": "CASE WHEN training = 1 THEN 'local' ELSE 'pending' END",
    "pulled": (
        "CASE WHEN EXISTS (SELECT 1 FROM outbox o WHERE o.case_id = cases.id "
        "AND o.kind = 'version' AND o.state != 'acked') THEN sync_state ELSE 'synced' END"
    ),
}

VERSION_COLUMNS = (
    "version_id",
    "case_id",
    "number",
    "base_version_id",
    "status",
    "answers",
    "legal_flags",
    "legal_decision_date",
    "banners_shown",
    "created_at",
    "created_by",
    "created_by_name",
    "device_id",
    "reason",
    "sealed",
)

HEAD_COLUMNS = (
    "status",
    "legal_flags",
    "legal_decision_date",
    "banners_shown",
    "received_at",
    "youth_name",
    "birth_date",
    "age_estimate",
    "urgency",
    "deadline",
    "search_text",
)
"""The columns of ``cases`` derived from the head version (:func:`head_columns`)."""


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True)


def dumps(value: Any) -> str:
    """``json.dumps(value, ensure_ascii=False, sort_keys=True)``, with one encoder made
    once (``json.dumps`` makes one per call for these options)."""
    return _ENCODER.encode(value)


@dataclass(frozen=True, slots=True, kw_only=True)
class NewVersion:
    """A version to store: written here, pulled, or a reconciliation."""

    version_id: str
    case_id: str
    number: int
    base_version_id: str | None
    status: str
    answers: dict[str, Any]
    legal_flags: list[dict[str, Any]]
    legal_decision_date: str | None
    banners_shown: list[dict[str, Any]]
    created_at: str
    created_by: str
    created_by_name: str
    device_id: str
    reason: str | None
    sealed: bool

    def row(self) -> list[Any]:
        return [
            self.version_id,
            self.case_id,
            self.number,
            self.base_version_id,
            self.status,
            dumps(self.answers),
            dumps(self.legal_flags),
            self.legal_decision_date,
            dumps(self.banners_shown),
            self.created_at,
            self.created_by,
            self.created_by_name,
            self.device_id,
            self.reason,
            int(self.sealed),
        ]


# -- what the row derives from the head ----------------------------------------------------


def summary_columns(answers: dict[str, Any]) -> dict[str, Any]:
    """The case-list columns derived from answers alone (no form needed)."""
    first = str(answers.get("youth.first_name") or "").strip()
    last = str(answers.get("youth.last_name") or "").strip()
    youth_name = " ".join(part for part in (first, last) if part) or None
    estimate = answers.get("youth.age_estimate")
    search_parts = [
        youth_name or "",
        str(answers.get("call.caller_name") or ""),
        str(answers.get("call.caller_organisation") or ""),
        str(answers.get("youth.municipality") or ""),
    ]
    return {
        "received_at": answers.get("call.received_at"),
        "youth_name": youth_name,
        "birth_date": answers.get("youth.birth_date"),
        "age_estimate": float(estimate) if isinstance(estimate, int | float) else None,
        "urgency": answers.get("triage.urgency"),
        "search_text": " ".join(p for p in search_parts if p).casefold(),
    }


def deadline_for(form_id: str, form_version: str, answers: dict[str, Any]) -> str | None:
    """The response deadline of the answers with the case's own form (None without a call
    time and an urgency, for an urgency without a target, and for a form or urgency code
    this desk does not ship: a pulled case is stored all the same, without a deadline)."""
    if not answers.get("call.received_at") or answers.get("triage.urgency") is None:
        return None  # no form to load for a case without an urgency
    from desktop.forms.engine import deadline_of
    from desktop.forms.loader import FormDefinitionError, load_form

    try:
        form = load_form(form_id, form_version)
        return deadline_of(form, answers)
    except (FormDefinitionError, KeyError, ValueError, TypeError):
        return None


def head_columns(
    form_id: str,
    form_version: str,
    *,
    status: str,
    answers: dict[str, Any],
    legal_flags: list[dict[str, Any]],
    legal_decision_date: str | None,
    banners_shown: list[dict[str, Any]],
) -> dict[str, Any]:
    """Every derived column of a case row, freshly computed from its head version."""
    return {
        "status": status,
        "legal_flags": dumps(legal_flags),
        "legal_decision_date": legal_decision_date,
        "banners_shown": dumps(banners_shown),
        **summary_columns(answers),
        "deadline": deadline_for(form_id, form_version, answers),
    }


def stored_head_columns(db: Executes, case_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(stored, fresh)``: a case row's derived columns as stored, and as computed now
    from its head version (tests and the integrity check compare them)."""
    row = db.execute(
        f"SELECT c.form_id, c.form_version, v.status, v.answers, v.legal_flags, "
        f"v.legal_decision_date, v.banners_shown, {', '.join('c.' + c for c in HEAD_COLUMNS)} "
        "FROM cases c JOIN case_versions v ON v.version_id = c.head_version_id WHERE c.id = ?",
        [case_id],
    ).fetchone()
    if row is None:
        raise NotFoundError(f"case {case_id} not found")
    fresh = head_columns(
        row[0],
        row[1],
        status=row[2],
        answers=json.loads(row[3]),
        legal_flags=json.loads(row[4]),
        legal_decision_date=row[5],
        banners_shown=json.loads(row[6]),
    )
    stored = dict(zip(HEAD_COLUMNS, row[7:], strict=True))
    return stored, fresh


# -- writing --------------------------------------------------------------------------------


def insert_case(
    db: Executes,
    *,
    form_id: str,
    form_version: str,
    created_at: str,
    region: str,
    training: bool,
    first: NewVersion,
    sync: SyncMark,
    updated_at: str | None = None,
) -> None:
    """A new case row with its first version as head (derived columns from the version)."""
    db.execute(
        "INSERT INTO cases (id, form_id, form_version, status, created_at, updated_at, "
        "region, training, head_version_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            first.case_id,
            form_id,
            form_version,
            first.status,
            created_at,
            updated_at or created_at,
            region,
            int(training),
            first.version_id,
        ],
    )
    insert_version(db, first)
    set_head(db, first.case_id, first.version_id, updated_at=updated_at or created_at, sync=sync)


@dataclass(frozen=True, slots=True, kw_only=True)
class NewCase:
    """A case to create with its first version as head (:func:`insert_cases`)."""

    form_id: str
    form_version: str
    created_at: str
    updated_at: str | None
    region: str
    training: bool
    first: NewVersion


_NEW_CASE_SYNC_SQL = {
    # what set_head(sync=...) makes of a fresh row, whose sync_state is the default 'local'
    "local": "CASE WHEN :training = 1 THEN 'local' ELSE 'pending' END",
    "pulled": (
        "CASE WHEN EXISTS (SELECT 1 FROM outbox o WHERE o.case_id = :id "
        "AND o.kind = 'version' AND o.state != 'acked') THEN 'local' ELSE 'synced' END"
    ),
}


@dataclass(frozen=True, slots=True)
class CaseRows:
    """The rows :func:`insert_case` writes for a :class:`NewCase`, computed in advance
    (:func:`case_rows`) for :func:`insert_cases`."""

    case: dict[str, Any]
    version: list[Any]


_CASE_NAMES = (
    "id",
    "form_id",
    "form_version",
    "created_at",
    "updated_at",
    "region",
    "training",
    "head_version_id",
    *HEAD_COLUMNS,
)


def case_rows(new: NewCase) -> CaseRows:
    """The case row and version row of a new case, the head columns computed once from
    the version in hand (its answers as JSON values: what :func:`set_head` reads back)."""
    first = new.first
    case = {
        "id": first.case_id,
        "form_id": new.form_id,
        "form_version": new.form_version,
        "created_at": new.created_at,
        "updated_at": new.updated_at or new.created_at,
        "region": new.region,
        "training": int(new.training),
        "head_version_id": first.version_id,
        **head_columns(
            new.form_id,
            new.form_version,
            status=first.status,
            answers=first.answers,
            legal_flags=first.legal_flags,
            legal_decision_date=first.legal_decision_date,
            banners_shown=first.banners_shown,
        ),
    }
    return CaseRows(case, first.row())


def insert_cases(db: Any, new: list[CaseRows], *, sync: SyncMark) -> None:
    """Several new cases, each with its first version as head: exactly the rows that
    :func:`insert_case` writes for each (same columns, same derived values, same order),
    in two statements instead of a written, read back and rewritten row per case.
    ``db`` needs ``executemany`` (the connection). Raises the database's IntegrityError
    when a case or version id is stored already (some rows of the call may be written
    then: run it in a transaction that is rolled back)."""
    if not new:
        return
    db.executemany(
        f"INSERT INTO cases ({', '.join(_CASE_NAMES)}, sync_state) "
        f"VALUES ({', '.join(':' + n for n in _CASE_NAMES)}, {_NEW_CASE_SYNC_SQL[sync]})",
        [rows.case for rows in new],
    )
    db.executemany(
        f"INSERT INTO case_versions ({', '.join(VERSION_COLUMNS)}) "
        f"VALUES ({', '.join('?' * len(VERSION_COLUMNS))})",
        [rows.version for rows in new],
    )


def insert_version(db: Executes, version: NewVersion) -> None:
    db.execute(
        f"INSERT INTO case_versions ({', '.join(VERSION_COLUMNS)}) "
        f"VALUES ({', '.join('?' * len(VERSION_COLUMNS))})",
        version.row(),
    )


def rewrite_open_version(db: Executes, version: NewVersion) -> None:
    """Edit the open (unsealed) head in place: content, author and time; a reason given
    earlier is kept when none is given now."""
    sealed = db.execute(
        "SELECT sealed FROM case_versions WHERE version_id = ?", [version.version_id]
    ).fetchone()
    if sealed is None:
        raise NotFoundError(f"version {version.version_id} not found")
    if sealed[0]:
        raise ValueError(f"version {version.version_id} is sealed: write a new version")
    db.execute(
        "UPDATE case_versions SET status = ?, answers = ?, legal_flags = ?, "
        "legal_decision_date = ?, banners_shown = ?, created_at = ?, created_by = ?, "
        "created_by_name = ?, device_id = ?, reason = coalesce(?, reason), sealed = ? "
        "WHERE version_id = ?",
        [
            version.status,
            dumps(version.answers),
            dumps(version.legal_flags),
            version.legal_decision_date,
            dumps(version.banners_shown),
            version.created_at,
            version.created_by,
            version.created_by_name,
            version.device_id,
            version.reason,
            int(version.sealed),
            version.version_id,
        ],
    )


def seal(db: Executes, version_id: str) -> None:
    db.execute("UPDATE case_versions SET sealed = 1 WHERE version_id = ?", [version_id])


def set_banners(db: Executes, case_id: str, shown: list[dict[str, Any]]) -> None:
    """Record the banners shown on the case's head version (sealed or not: it is what the
    person saw, not content) and refresh the row."""
    head = db.execute("SELECT head_version_id FROM cases WHERE id = ?", [case_id]).fetchone()
    if head is None:
        raise NotFoundError(f"case {case_id} not found")
    db.execute(
        "UPDATE case_versions SET banners_shown = ? WHERE version_id = ?", [dumps(shown), head[0]]
    )
    set_head(db, case_id, str(head[0]))


def set_head(
    db: Executes,
    case_id: str,
    version_id: str,
    *,
    updated_at: str | None = None,
    sync: SyncMark | None = None,
    status: str | None = None,
) -> None:
    """Make ``version_id`` the head of the case and derive every summary column from it.

    ``updated_at`` and ``sync`` (see :data:`SyncMark`) are left as they are when not
    given; ``status`` overrides the version's own status (only ``needs_reconciliation``,
    the case-level mark that a person must choose between heads).
    """
    row = db.execute(
        "SELECT c.form_id, c.form_version, v.status, v.answers, v.legal_flags, "
        "v.legal_decision_date, v.banners_shown FROM case_versions v "
        "JOIN cases c ON c.id = v.case_id WHERE v.version_id = ? AND v.case_id = ?",
        [version_id, case_id],
    ).fetchone()
    if row is None:
        raise NotFoundError(f"version {version_id} of case {case_id} not found")
    columns = head_columns(
        row[0],
        row[1],
        status=status or row[2],
        answers=json.loads(row[3]),
        legal_flags=json.loads(row[4]),
        legal_decision_date=row[5],
        banners_shown=json.loads(row[6]),
    )
    assignments = ["head_version_id = ?", *(f"{name} = ?" for name in columns)]
    values: list[Any] = [version_id, *columns.values()]
    if updated_at is not None:
        assignments.append("updated_at = ?")
        values.append(updated_at)
    if sync is not None:
        assignments.append(f"sync_state = {_SYNC_STATE_SQL[sync]}")
    db.execute(f"UPDATE cases SET {', '.join(assignments)} WHERE id = ?", [*values, case_id])


def flag_reconciliation(db: Executes, case_id: str) -> None:
    """Mark a case as having competing heads for a person to reconcile."""
    db.execute("UPDATE cases SET status = 'needs_reconciliation' WHERE id = ?", [case_id])


def withdraw(db: Executes, case_id: str) -> None:
    """Hide a case from the list; its versions and audit trail are kept."""
    db.execute(
        "UPDATE cases SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL", [now_iso(), case_id]
    )


def drop(db: Executes, case_id: str) -> bool:
    """Remove a case and its versions from this device (retention, issue 21): the
    central copy is the record. Refused (False, the case only withdrawn) while a local
    version waits to be sent, so nothing typed here is lost. Audit events stay: they
    hold no case content and keep the hash chain whole."""
    waiting = db.execute(
        "SELECT count(*) FROM outbox WHERE case_id = ? AND kind = 'version' AND state != 'acked'",
        [case_id],
    ).fetchone()[0]
    if waiting:
        withdraw(db, case_id)
        return False
    db.execute(
        "DELETE FROM version_resolves WHERE version_id IN "
        "(SELECT version_id FROM case_versions WHERE case_id = ?)",
        [case_id],
    )
    db.execute("DELETE FROM outbox WHERE case_id = ? AND kind = 'version'", [case_id])
    db.execute("DELETE FROM case_versions WHERE case_id = ?", [case_id])
    db.execute("DELETE FROM cases WHERE id = ?", [case_id])
    return True


def closed_before(db: Executes, cutoff: str) -> list[str]:
    """Closed, synced cases last changed before `cutoff` (UTC ISO): kept no longer here."""
    rows = db.execute(
        "SELECT id FROM cases WHERE status = 'closed' AND sync_state = 'synced' "
        "AND updated_at < ? ORDER BY id",
        [cutoff],
    ).fetchall()
    return [str(row[0]) for row in rows]


# -- reconciliation links ---------------------------------------------------------------------


def record_resolves(db: Executes, version_id: str, resolved: list[str]) -> None:
    """Remember which competing heads ``version_id`` reconciled (ours or pulled)."""
    for other in resolved:
        db.execute(
            "INSERT OR IGNORE INTO version_resolves (version_id, resolved_version_id) "
            "VALUES (?, ?)",
            [version_id, str(other)],
        )


def resolved_versions(db: Executes, case_id: str) -> set[str]:
    """Version ids of the case that a stored reconciliation resolved."""
    rows = db.execute(
        "SELECT r.resolved_version_id FROM version_resolves r "
        "JOIN case_versions v ON v.version_id = r.version_id WHERE v.case_id = ?",
        [case_id],
    ).fetchall()
    return {str(row[0]) for row in rows}
