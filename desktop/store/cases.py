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

from desktop.store import heads
from desktop.store.errors import NotFoundError
from desktop.store.heads import NewVersion
from desktop.store.records import Actor, CaseStatus, CaseSummary, CaseView

if TYPE_CHECKING:
    from desktop.store.audit import AuditLog
    from desktop.store.database import Database
    from desktop.store.models import Case, CaseVersion
    from desktop.store.outbox import Outbox

# The pydantic models of case content (desktop.store.models) are imported where a case
# or version is built: the case list reads plain CaseSummary rows and starting the app
# does not load pydantic.

_CASE_FIELDS = (
    "id",
    "form_id",
    "form_version",
    "status",
    "answers",
    "created_at",
    "updated_at",
    "region",
    "training",
    "head_version_id",
    "legal_flags",
    "legal_decision_date",
    "banners_shown",
    "sync_state",
)
_CASE_COLUMNS = ", ".join(("v." if f == "answers" else "c.") + f for f in _CASE_FIELDS)
_VERSION_COLUMNS = ", ".join(heads.VERSION_COLUMNS)
_SUMMARY_FIELDS = (
    "id",
    "received_at",
    "youth_name",
    "birth_date",
    "age_estimate",
    "urgency",
    "status",
    "deadline",
    "sync_state",
    "updated_at",
)
SUMMARY_COLUMNS = ", ".join(_SUMMARY_FIELDS)


def _now() -> datetime:
    return datetime.now(UTC)


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds")


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

        values = dict(zip(_CASE_FIELDS, row, strict=True))
        head = self._version_row(values["head_version_id"])
        return Case(
            id=values["id"],
            form_id=values["form_id"],
            form_version=values["form_version"],
            status=values["status"],
            answers=json.loads(values["answers"]),
            created_at=datetime.fromisoformat(values["created_at"]),
            updated_at=datetime.fromisoformat(values["updated_at"]),
            region=values["region"],
            training=bool(values["training"]),
            version=head.version,
            legal_flags=json.loads(values["legal_flags"]),
            legal_decision_date=values["legal_decision_date"],
            banners_shown=json.loads(values["banners_shown"]),
            sync_state=values["sync_state"],
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
        view: CaseView | None = None,
        hidden: bool = False,
    ) -> list[CaseSummary]:
        """Rows for the case list, newest first, filtered by a search over name,
        caller and municipality; with `view`, only the cases it shows (or, with
        `hidden`, only those it does not: the break-the-glass search)."""
        sql, params = self._summary_where(search, statuses)
        if view is not None:
            clause, extra = view.sql()
            sql += f" AND {'NOT ' if hidden else ''}({clause})"
            params += extra
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

    def visible(self, case_id: str, view: CaseView) -> bool:
        """Whether `view` shows this case without a reason."""
        clause, extra = view.sql()
        row = self._db.execute(
            f"SELECT 1 FROM cases WHERE id = ? AND ({clause})", [case_id, *extra]
        ).fetchone()
        return row is not None

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
        case_id: str | None = None,
    ) -> Case:
        """Create a draft case with its first version, outbox row and audit event."""
        import uuid  # on first write: opening the store and the case list need no ids

        now = _iso(_now())
        case_id = case_id or str(uuid.uuid4())
        first = NewVersion(
            version_id=str(uuid.uuid4()),
            case_id=case_id,
            number=1,
            base_version_id=None,
            status="draft",
            answers=dict(answers or {}),
            legal_flags=[],
            legal_decision_date=None,
            banners_shown=[],
            created_at=now,
            created_by=actor.user_id,
            created_by_name=actor.display_name,
            device_id=actor.device_id,
            reason=None,
            sealed=False,
        )
        with self._db.atomic():
            heads.insert_case(
                self._db,
                form_id=form_id,
                form_version=form_version,
                created_at=now,
                region=region,
                training=training,
                first=first,
                sync="local",
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
                heads.seal(self._db, case.version.id)
                case = self.get(case_id)
            self._write(case, answers=answers, actor=actor, reason=reason, seal=own_version)
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
            heads.set_banners(self._db, case_id, shown)
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
            heads.withdraw(self._db, case_id)
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
    ) -> None:
        """The new content of the case's head: a new version on a sealed head (or on an
        open one of another author), else the open head rewritten; then the row derived
        from it (:func:`heads.set_head`)."""
        now = _iso(_now())
        head = case.version
        base: str | None
        sealed = head.sealed
        if not sealed and head.created_by != actor.user_id:
            # another user goes on with an open version (wissel gebruiker): theirs stays
            # theirs, sealed as it is, and this change gets a version of its own
            heads.seal(self._db, head.id)
            sealed = True
        if sealed:
            import uuid

            version_id, number, base = str(uuid.uuid4()), head.number + 1, head.id
        else:
            version_id, number, base = head.id, head.number, head.base_version_id
        version = NewVersion(
            version_id=version_id,
            case_id=case.id,
            number=number,
            base_version_id=base,
            status=status or case.status,
            answers=answers,
            legal_flags=case.legal_flags if legal_flags is None else legal_flags,
            legal_decision_date=legal_decision_date or case.legal_decision_date,
            banners_shown=case.banners_shown,
            created_at=now,
            created_by=actor.user_id,
            created_by_name=actor.display_name,
            device_id=actor.device_id,
            reason=reason,
            sealed=seal,
        )
        if sealed:
            heads.insert_version(self._db, version)
        else:
            heads.rewrite_open_version(self._db, version)
        heads.set_head(self._db, case.id, version_id, updated_at=now, sync="local")

    def reconcile(
        self,
        case_id: str,
        base: CaseVersion,
        *,
        answers: dict[str, Any],
        status: str,
        banners_shown: list[dict[str, Any]],
        resolves: list[str],
        actor: Actor,
    ) -> str:
        """Write a reconciliation: a new sealed version on ``base`` (one of the competing
        heads) that resolves the others, as the case's head; queued with ``resolves``.
        Runs in the caller's transaction (``Reconciler.resolve`` audits it); returns the
        new version's id."""
        import uuid

        now = _iso(_now())
        top = self._db.execute(
            "SELECT max(number) FROM case_versions WHERE case_id = ?", [case_id]
        ).fetchone()[0]
        version = NewVersion(
            version_id=str(uuid.uuid4()),
            case_id=case_id,
            number=int(top or 0) + 1,
            base_version_id=base.version.id,
            status=status,
            answers=answers,
            legal_flags=base.legal_flags,
            legal_decision_date=base.legal_decision_date,
            banners_shown=banners_shown,
            created_at=now,
            created_by=actor.user_id,
            created_by_name=actor.display_name,
            device_id=actor.device_id,
            reason="reconcile",
            sealed=True,
        )
        with self._db.atomic():
            heads.insert_version(self._db, version)
            heads.set_head(self._db, case_id, version.version_id, updated_at=now, sync="local")
            heads.record_resolves(self._db, version.version_id, resolves)
            case = self.get(case_id)
            if not case.training:
                payload = version_payload(case)
                payload["resolves"] = list(resolves)
                self._outbox().put("version", version.version_id, payload, case_id)
        return version.version_id

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

    values = dict(zip(heads.VERSION_COLUMNS, row, strict=True))
    return CaseVersion(
        case_id=values["case_id"],
        version=VersionInfo(
            id=values["version_id"],
            number=values["number"],
            base_version_id=values["base_version_id"],
            status=values["status"],
            created_at=datetime.fromisoformat(values["created_at"]),
            created_by=values["created_by"],
            created_by_name=values["created_by_name"],
            device_id=values["device_id"],
            reason=values["reason"],
            sealed=bool(values["sealed"]),
        ),
        answers=json.loads(values["answers"]),
        legal_flags=json.loads(values["legal_flags"]),
        legal_decision_date=values["legal_decision_date"],
        banners_shown=json.loads(values["banners_shown"]),
    )


def _summary_from_row(row: tuple[Any, ...]) -> CaseSummary:
    return CaseSummary(**dict(zip(_SUMMARY_FIELDS, row, strict=True)))
