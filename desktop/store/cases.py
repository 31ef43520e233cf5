"""The case repository: cases, their versions, and the list the desk searches.

Every write is one transaction with its outbox row and its audit event. The head
version of a case is edited in place while it is open (not sealed); once it is
sealed (decided, or taken into a sync batch) the next edit becomes a new version
that names it as its base. Nothing is overwritten after it was decided or sent.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from desktop.store.errors import NotFoundError
from desktop.store.records import Actor, CaseStatus, CaseSummary

if TYPE_CHECKING:
    from desktop.store.audit import AuditLog
    from desktop.store.database import Database
    from desktop.store.models import Case, CaseVersion
    from desktop.store.outbox import Outbox

# The pydantic models of case content (desktop.store.models) are imported where a case
# or version is built: the case list reads plain CaseSummary rows and starting the app
# does not load pydantic.

_CASE_COLUMNS = (
    "c.id, c.form_id, c.form_version, c.status, v.answers, c.created_at, c.updated_at, c.region, "
    "c.training, c.head_version_id, c.legal_flags, c.legal_decision_date, c.banners_shown, "
    "c.sync_state"
)
_VERSION_COLUMNS = (
    "version_id, case_id, number, base_version_id, status, answers, legal_flags, banners_shown, "
    "created_at, created_by, created_by_name, device_id, reason, sealed"
)
SUMMARY_COLUMNS = (
    "id, received_at, youth_name, birth_date, age_estimate, urgency, status, deadline, "
    "sync_state, updated_at"
)


def _now() -> datetime:
    return datetime.now(UTC)


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds")


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def summary_columns(answers: dict[str, Any]) -> dict[str, Any]:
    """The case-list columns derived from a case's answers."""
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


TRIGRAM = 3  # shortest term the trigram index can answer


def _phrase(term: str) -> str:
    """An FTS5 phrase (substring, for the trigram tokenizer) with quotes escaped."""
    return '"' + term.casefold().replace('"', '""') + '"'


def _like_pattern(term: str) -> str:
    escaped = term.casefold().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class CaseRepository:
    """Cases and their versions; ``outbox`` gives the outbox new versions are queued in."""

    def __init__(self, db: Database, audit: AuditLog, outbox: Callable[[], Outbox]) -> None:
        self._db = db
        self._audit = audit
        self._outbox = outbox

    # -- reading ---------------------------------------------------------------------------

    def get(self, case_id: str) -> Case:
        row = self._db.execute(
            f"SELECT {_CASE_COLUMNS} FROM cases c JOIN case_versions v "
            "ON v.version_id = c.head_version_id WHERE c.id = ? AND c.deleted_at IS NULL",
            [case_id],
        ).fetchone()
        if row is None:
            raise NotFoundError(f"case {case_id} not found")
        from desktop.store.models import Case

        head = self._version_row(row[9])
        return Case(
            id=row[0],
            form_id=row[1],
            form_version=row[2],
            status=row[3],
            answers=json.loads(row[4]),
            created_at=datetime.fromisoformat(row[5]),
            updated_at=datetime.fromisoformat(row[6]),
            region=row[7],
            training=bool(row[8]),
            version=head.version,
            legal_flags=json.loads(row[10]),
            legal_decision_date=row[11],
            banners_shown=json.loads(row[12]),
            sync_state=row[13],
        )

    def open(self, case_id: str, actor: Actor) -> Case:
        """Read a case for a person: audited as a read (NEN 7513)."""
        case = self.get(case_id)
        self._audit.append(actor, "read", case_id=case_id)
        return case

    def _version_row(self, version_id: str) -> CaseVersion:
        row = self._db.execute(
            f"SELECT {_VERSION_COLUMNS} FROM case_versions WHERE version_id = ?", [version_id]
        ).fetchone()
        if row is None:
            raise NotFoundError(f"version {version_id} not found")
        return _version_from_row(row)

    def versions(self, case_id: str) -> list[CaseVersion]:
        rows = self._db.execute(
            f"SELECT {_VERSION_COLUMNS} FROM case_versions WHERE case_id = ? ORDER BY number",
            [case_id],
        ).fetchall()
        return [_version_from_row(row) for row in rows]

    def summaries(
        self,
        search: str = "",
        *,
        limit: int = 200,
        offset: int = 0,
        statuses: Iterable[str] | None = None,
        order: str = "received_at",
        descending: bool = True,
    ) -> list[CaseSummary]:
        """Rows for the case list, newest first, filtered by a search over name,
        caller and municipality."""
        sql, params = self._summary_where(search, statuses)
        column = {
            "received_at": "received_at",
            "youth_name": "youth_name",
            "urgency": "urgency",
            "status": "status",
            "deadline": "deadline",
            "updated_at": "updated_at",
        }.get(order, "received_at")
        direction = "DESC" if descending else "ASC"
        # Walk the list's own order and stop after one page: with a search, SQLite would
        # otherwise fetch and sort every match (slow for common names at 100,000 cases).
        rows = self._db.execute(
            f"SELECT {SUMMARY_COLUMNS} FROM cases INDEXED BY cases_by_{column} {sql} "
            f"ORDER BY {column} {direction}, n {direction} LIMIT ? OFFSET ?",
            [*params, limit, offset],
        ).fetchall()
        return [_summary_from_row(row) for row in rows]

    def summary(self, case_id: str) -> CaseSummary | None:
        """The case-list row of one case (None when it is unknown or withdrawn)."""
        row = self._db.execute(
            f"SELECT {SUMMARY_COLUMNS} FROM cases WHERE id = ? AND deleted_at IS NULL", [case_id]
        ).fetchone()
        return None if row is None else _summary_from_row(row)

    def head_mark(self, case_id: str) -> tuple[str, str, str] | None:
        """``(head version id, status, updated_at)`` of a case: whether a shown case is
        still the stored one, without reading its content (None when withdrawn)."""
        row = self._db.execute(
            "SELECT head_version_id, status, updated_at FROM cases "
            "WHERE id = ? AND deleted_at IS NULL",
            [case_id],
        ).fetchone()
        return None if row is None else (str(row[0]), str(row[1]), str(row[2]))

    def count(self, search: str = "", *, statuses: Iterable[str] | None = None) -> int:
        sql, params = self._summary_where(search, statuses)
        return int(self._db.execute(f"SELECT count(*) FROM cases {sql}", params).fetchone()[0])

    @staticmethod
    def _summary_where(search: str, statuses: Iterable[str] | None) -> tuple[str, list[Any]]:
        clauses = ["deleted_at IS NULL"]
        params: list[Any] = []
        terms = search.split()
        indexed = [term for term in terms if len(term) >= TRIGRAM]
        if indexed:
            # a trigram phrase query is an exact substring match answered by the index
            clauses.append("n IN (SELECT rowid FROM case_search WHERE case_search MATCH ?)")
            params.append(" AND ".join(_phrase(term) for term in indexed))
        for term in terms:
            if len(term) < TRIGRAM:
                clauses.append("search_text LIKE ? ESCAPE '\\'")
                params.append(_like_pattern(term))
        if statuses is not None:
            wanted = list(statuses)
            clauses.append(f"status IN ({', '.join('?' * len(wanted))})" if wanted else "0")
            params.extend(wanted)
        return "WHERE " + " AND ".join(clauses), params

    def unfinished(self) -> list[CaseSummary]:
        """Drafts not yet marked ready: offered at start-up after a crash or a lock."""
        return self.summaries(statuses=["draft"], limit=50, order="updated_at")

    # -- writing ---------------------------------------------------------------------------

    def create(
        self,
        actor: Actor,
        *,
        form_id: str = "intake",
        form_version: str = "1",
        answers: dict[str, Any] | None = None,
        region: str = "demo",
        training: bool = False,
        deadline: str | None = None,
        case_id: str | None = None,
    ) -> Case:
        """Create a draft case with its first version, outbox row and audit event."""
        import uuid  # on first write: opening the store and the case list need no ids

        now = _iso(_now())
        case_id = case_id or str(uuid.uuid4())
        version_id = str(uuid.uuid4())
        answers = dict(answers or {})
        summary = summary_columns(answers)
        with self._db.atomic():
            self._db.execute(
                "INSERT INTO cases (id, form_id, form_version, status, created_at, "
                "updated_at, region, training, head_version_id, sync_state, received_at, "
                "youth_name, birth_date, age_estimate, urgency, deadline, search_text) "
                "VALUES (?, ?, ?, 'draft', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    case_id,
                    form_id,
                    form_version,
                    now,
                    now,
                    region,
                    int(training),
                    version_id,
                    "local" if training else "pending",
                    summary["received_at"],
                    summary["youth_name"],
                    summary["birth_date"],
                    summary["age_estimate"],
                    summary["urgency"],
                    deadline,
                    summary["search_text"],
                ],
            )
            self._insert_version(
                case_id, version_id, 1, None, "draft", answers, [], [], actor, now, None
            )
            self._audit.append(actor, "create", case_id=case_id, details={"version": 1})
            case = self.get(case_id)
            self._queue(case)
        return case

    def save_answers(
        self,
        case_id: str,
        changes: dict[str, Any],
        actor: Actor,
        *,
        deadline: str | None = None,
        reason: str | None = None,
        action: str = "update",
        own_version: bool = False,
    ) -> Case:
        """Autosave: merge ``changes`` (``None`` removes an answer) into the case.

        Edits the open head version in place, or starts a new version on a sealed one.
        ``own_version``: the change gets a sealed version of its own (the open head is
        sealed first), so the history keeps the value before it and the moment it changed.
        One transaction: case row, version, outbox row, audit event.
        """
        with self._db.atomic():
            case = self.get(case_id)
            answers = dict(case.answers)
            for field_id, value in changes.items():
                if value is None or value == "" or value == []:
                    answers.pop(field_id, None)
                else:
                    answers[field_id] = value
            changed = sorted(k for k in changes if case.answers.get(k) != answers.get(k))
            if not changed and reason is None:
                return case
            if own_version and not case.version.sealed:
                self._db.execute(
                    "UPDATE case_versions SET sealed = 1 WHERE version_id = ?", [case.version.id]
                )
                case = self.get(case_id)
            self._write(
                case,
                answers=answers,
                actor=actor,
                deadline=deadline,
                reason=reason,
                seal=own_version,
            )
            self._audit.append(
                actor,
                action,
                case_id=case_id,
                details={"fields": changed, **({"reason": reason} if reason else {})},
            )
            case = self.get(case_id)
            self._queue(case)
        return case

    def set_status(
        self,
        case_id: str,
        status: CaseStatus,
        actor: Actor,
        *,
        answers: dict[str, Any] | None = None,
        legal_flags: list[dict[str, Any]] | None = None,
        legal_decision_date: str | None = None,
        seal: bool = False,
        reason: str | None = None,
        action: str = "status",
        deadline: str | None = None,
    ) -> Case:
        """Change the status (and optionally answers and flags) as one recorded change."""
        with self._db.atomic():
            case = self.get(case_id)
            merged = dict(case.answers)
            for field_id, value in (answers or {}).items():
                if value is None:
                    merged.pop(field_id, None)
                else:
                    merged[field_id] = value
            self._write(
                case,
                answers=merged,
                actor=actor,
                status=status,
                legal_flags=legal_flags,
                legal_decision_date=legal_decision_date,
                reason=reason,
                seal=seal,
                deadline=deadline,
            )
            self._audit.append(
                actor,
                action,
                case_id=case_id,
                details={
                    "from": case.status,
                    "to": status,
                    **({"reason": reason} if reason else {}),
                },
            )
            case = self.get(case_id)
            self._queue(case)
        return case

    def record_banner(self, case_id: str, banner_id: str, actor: Actor) -> Case:
        """Record that an advice banner was shown (once per banner per case)."""
        with self._db.atomic():
            case = self.get(case_id)
            if any(item.get("id") == banner_id for item in case.banners_shown):
                return case
            shown = [*case.banners_shown, {"id": banner_id, "shown_at": _iso(_now())}]
            self._db.execute(
                "UPDATE cases SET banners_shown = ? WHERE id = ?", [_dumps(shown), case_id]
            )
            self._db.execute(
                "UPDATE case_versions SET banners_shown = ? WHERE version_id = ?",
                [_dumps(shown), case.version.id],
            )
            self._audit.append(
                actor, "banner_shown", case_id=case_id, details={"banner": banner_id}
            )
            case = self.get(case_id)
        return case

    def adopt_region(self, region: str) -> int:
        """Move cases that never reached a server into ``region`` (the user's region at
        the central API, known from the first login); their unsent outbox payloads too.
        Cases with a version sent or acknowledged keep their region. Returns the count."""
        unsent = (
            "SELECT id FROM cases WHERE region != ? AND training = 0 AND NOT EXISTS "
            "(SELECT 1 FROM outbox o WHERE o.case_id = cases.id AND o.kind = 'version' "
            "AND o.state != 'pending')"
        )
        with self._db.atomic():
            ids = [row[0] for row in self._db.execute(unsent, [region]).fetchall()]
            if ids:
                marks = ", ".join("?" * len(ids))
                self._db.execute(
                    f"UPDATE cases SET region = ? WHERE id IN ({marks})", [region, *ids]
                )
                self._db.execute(
                    "UPDATE outbox SET payload = json_set(payload, '$.region', ?) "
                    f"WHERE kind = 'version' AND state = 'pending' AND case_id IN ({marks})",
                    [region, *ids],
                )
        return len(ids)

    def adopt_author(self, old_user_id: str, user_id: str, display_name: str) -> int:
        """Name the signed-in server user as author of versions written under this desk's
        earlier identity (``old_user_id``) that never left the desk: the central API takes
        the author from the token and refuses another. Versions that were sent at least
        once keep their author (the server may hold them as they are). Returns the count."""
        never_sent = (
            "SELECT item_id FROM outbox WHERE kind = 'version' AND state = 'pending' "
            "AND attempts = 0 AND json_extract(payload, '$.created_by') = ?"
        )
        with self._db.atomic():
            ids = [row[0] for row in self._db.execute(never_sent, [old_user_id]).fetchall()]
            if ids:
                marks = ", ".join("?" * len(ids))
                self._db.execute(
                    "UPDATE outbox SET payload = json_set(payload, '$.created_by', ?, "
                    f"'$.created_by_name', ?) WHERE item_id IN ({marks})",
                    [user_id, display_name, *ids],
                )
                self._db.execute(
                    "UPDATE case_versions SET created_by = ?, created_by_name = ? "
                    f"WHERE version_id IN ({marks})",
                    [user_id, display_name, *ids],
                )
        return len(ids)

    def delete(self, case_id: str, actor: Actor) -> None:
        """Withdraw a case from the list; its versions and audit trail are kept."""
        with self._db.atomic():
            self.get(case_id)
            self._db.execute(
                "UPDATE cases SET deleted_at = ? WHERE id = ?", [_iso(_now()), case_id]
            )
            self._audit.append(actor, "delete", case_id=case_id)

    def record(self, actor: Actor, action: str, case_id: str, details: dict[str, Any]) -> None:
        """Audit a print or export of a case (what was included, where it went)."""
        self.get(case_id)
        self._audit.append(actor, action, case_id=case_id, details=details)

    # -- internals -------------------------------------------------------------------------

    def _write(
        self,
        case: Case,
        *,
        answers: dict[str, Any],
        actor: Actor,
        status: CaseStatus | None = None,
        legal_flags: list[dict[str, Any]] | None = None,
        legal_decision_date: str | None = None,
        reason: str | None = None,
        seal: bool = False,
        deadline: str | None = None,
    ) -> None:
        now = _iso(_now())
        status = status or case.status
        flags = case.legal_flags if legal_flags is None else legal_flags
        decision_date = legal_decision_date or case.legal_decision_date
        head = case.version
        if head.sealed:
            import uuid

            version_id = str(uuid.uuid4())
            self._insert_version(
                case.id,
                version_id,
                head.number + 1,
                head.id,
                status,
                answers,
                flags,
                case.banners_shown,
                actor,
                now,
                reason,
            )
        else:
            version_id = head.id
            self._db.execute(
                "UPDATE case_versions SET status = ?, answers = ?, legal_flags = ?, "
                "banners_shown = ?, created_at = ?, created_by = ?, created_by_name = ?, "
                "device_id = ?, reason = coalesce(?, reason) WHERE version_id = ?",
                [
                    status,
                    _dumps(answers),
                    _dumps(flags),
                    _dumps(case.banners_shown),
                    now,
                    actor.user_id,
                    actor.display_name,
                    actor.device_id,
                    reason,
                    version_id,
                ],
            )
        if seal:
            self._db.execute(
                "UPDATE case_versions SET sealed = 1 WHERE version_id = ?", [version_id]
            )
        summary = summary_columns(answers)
        self._db.execute(
            "UPDATE cases SET status = ?, updated_at = ?, head_version_id = ?, "
            "legal_flags = ?, legal_decision_date = ?, "
            "sync_state = CASE WHEN training = 1 THEN 'local' ELSE 'pending' END, "
            "received_at = ?, youth_name = ?, birth_date = ?, age_estimate = ?, urgency = ?, "
            "deadline = coalesce(?, deadline), search_text = ? WHERE id = ?",
            [
                status,
                now,
                version_id,
                _dumps(flags),
                decision_date,
                summary["received_at"],
                summary["youth_name"],
                summary["birth_date"],
                summary["age_estimate"],
                summary["urgency"],
                deadline,
                summary["search_text"],
                case.id,
            ],
        )

    def _insert_version(
        self,
        case_id: str,
        version_id: str,
        number: int,
        base_version_id: str | None,
        status: str,
        answers: dict[str, Any],
        legal_flags: list[dict[str, Any]],
        banners_shown: list[dict[str, Any]],
        actor: Actor,
        now: str,
        reason: str | None,
    ) -> None:
        self._db.execute(
            f"INSERT INTO case_versions ({_VERSION_COLUMNS}) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)",
            [
                version_id,
                case_id,
                number,
                base_version_id,
                status,
                _dumps(answers),
                _dumps(legal_flags),
                _dumps(banners_shown),
                now,
                actor.user_id,
                actor.display_name,
                actor.device_id,
                reason,
            ],
        )

    def _queue(self, case: Case) -> None:
        """Put the case's head version in the outbox (replacing an unsent payload)."""
        if case.training:
            return
        self._outbox().put("version", case.version.id, version_payload(case), case.id)


def version_payload(case: Case) -> dict[str, Any]:
    """The sync payload of a case's head version."""
    data = case.to_json()
    version = data.pop("version")
    return {
        **data,
        "version_id": version["id"],
        "number": version["number"],
        "base_version_id": version["base_version_id"],
        "created_by": version["created_by"],
        "created_by_name": version["created_by_name"],
        "device_id": version["device_id"],
        "reason": version["reason"],
        "case_id": data["id"],
        "device_time": _iso(datetime.now().astimezone()),
    }


def _version_from_row(row: tuple[Any, ...]) -> CaseVersion:
    from desktop.store.models import CaseVersion, VersionInfo

    return CaseVersion(
        case_id=row[1],
        version=VersionInfo(
            id=row[0],
            number=row[2],
            base_version_id=row[3],
            status=row[4],
            created_at=datetime.fromisoformat(row[8]),
            created_by=row[9],
            created_by_name=row[10],
            device_id=row[11],
            reason=row[12],
            sealed=bool(row[13]),
        ),
        answers=json.loads(row[5]),
        legal_flags=json.loads(row[6]),
        banners_shown=json.loads(row[7]),
    )


def _summary_from_row(row: tuple[Any, ...]) -> CaseSummary:
    return CaseSummary(
        id=row[0],
        received_at=row[1],
        youth_name=row[2],
        birth_date=row[3],
        age_estimate=row[4],
        urgency=row[5],
        status=row[6],
        deadline=row[7],
        sync_state=row[8],
        updated_at=row[9],
    )
