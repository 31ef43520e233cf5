"""The provider directory on the central service: units, live capacity, history, holds.

Owns ``domain/coordination.md`` §2 on the server:

- **import/export** of a region's directory (``coordination.directory.Directory``, read
  from ``doorloop-directory/1`` or HSDS 3 by the CLI): organisations and units are
  replaced, units not in the file are removed; a unit's capacity that differs from the
  stored one is an update like any other (with a history row, source ``import``).
- **capacity updates** (``available`` and ``intake_stop``) by a provider (role
  ``receiver``, its own organisation's units only) or a coordinator of the region. Every
  update appends a row to ``capacity_history`` (who, when, old -> new) in the same
  transaction as the new current figure; writes are serialised by the sequence lock, so
  of two updates at once both are in the history and the later one (by server time) is
  the current figure. ``available`` is always 0..maximum.
- **holds**: a place reserved for a case; it counts while ``until`` has not passed and
  it has not ended. It ends when the case's referral to the unit is declined, cancelled
  or accepted (``referral_moved``, called by the referral push); on accepted the place
  is taken: ``available`` goes down by one (history source ``referral_accepted``).
- **publishing**: every organisation, unit (with its capacity and running holds) and the
  region's freshness limit is a reference change (kinds ``directory_organization``,
  ``directory_unit``, ``directory_region``), so the desks pull it with everything else.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, delete, insert, select, update

from central_api import db
from central_api.storage.core import (
    ImportSummary,
    NotFound,
    StorageCore,
    StorageError,
    chunks,
    insert_many,
    utc_now,
)
from coordination.directory import (
    DEFAULT_FRESHNESS_HOURS,
    Capacity,
    Directory,
    Hold,
    IntakeStop,
    Organization,
    Unit,
)
from doorloop_protocol import canonical_json

MAX_HOLD = timedelta(hours=24)  # a hold ends at the latest this long after it was placed
REASON_MAX = 300
UNIT_KIND = "directory_unit"
ORGANIZATION_KIND = "directory_organization"
REGION_KIND = "directory_region"
# the roles that may place a hold (the roles that refer)
HOLD_ROLES = frozenset({"desk", "triagist", "coordinator", "outreach"})


class DirectoryRefused(StorageError):
    """An update or hold the rules refuse: ``status`` 403/404/409/422, ``field`` named."""

    def __init__(self, status: int, field: str | None, message: str, code: str) -> None:
        super().__init__(message)
        self.status = status
        self.field = field
        self.message = message
        self.code = code


@dataclass(frozen=True)
class Actor:
    """Who changes the directory: a signed-in user, or the CLI (user_id None)."""

    user_id: str | None
    name: str
    role: str
    region_id: int
    organization_id: str | None = None


@dataclass(frozen=True)
class HistoryRow:
    unit_id: str
    at: datetime
    author: str
    source: str
    available_old: int | None
    available_new: int
    maximum: int
    intake_stop_old: dict[str, Any] | None
    intake_stop_new: dict[str, Any] | None


UNSET: Any = object()


@dataclass
class _NewUnits:
    """The rows of an import's new units, written in a few statements at the end."""

    units: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    history: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    changes: list[dict[str, Any]] = dataclasses.field(default_factory=list)

    def write(self, conn: Connection) -> None:
        keys = [row["object_key"] for row in self.changes]
        for chunk in chunks(keys):  # a unit removed earlier left a tombstone
            conn.execute(delete(db.changes).where(db.changes.c.object_key.in_(list(chunk))))
        insert_many(conn, db.directory_units, self.units)
        insert_many(conn, db.capacity_history, self.history)
        insert_many(conn, db.changes, self.changes)


def _stop_json(stop: IntakeStop | None) -> str | None:
    return canonical_json(stop.to_json()) if stop is not None else None


def _stop_from(text: str | None) -> IntakeStop | None:
    if text is None:
        return None
    data = json.loads(text)
    until = data.get("until")
    return IntakeStop(
        data["reason"],
        datetime.fromisoformat(data["from"]),
        datetime.fromisoformat(until) if until else None,
    )


def _aware(value: datetime) -> datetime:
    """SQLite gives naive datetimes back; every stored time is UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _characteristics(unit: Unit) -> str:
    return canonical_json(
        {
            "setting": unit.setting,
            "min_age": unit.min_age,
            "max_age": unit.max_age,
            "genders": list(unit.genders),
            "legal_routes": list(unit.legal_routes),
            "expertise": list(unit.expertise),
            "municipalities": list(unit.municipalities),
        }
    )


def _unit_from_row(row: Any, holds: Sequence[Hold]) -> Unit:
    c = json.loads(row.characteristics)
    capacity = Capacity(
        row.capacity_unit,
        int(row.available),
        int(row.maximum),
        _aware(row.updated_at),
        _stop_from(row.intake_stop),
        tuple(holds),
    )
    return Unit(
        row.id, row.organization_id, row.name, c["setting"], c["min_age"], c["max_age"],
        tuple(c["genders"]), tuple(c["legal_routes"]), tuple(c["expertise"]),
        tuple(c["municipalities"]), capacity,
    )  # fmt: skip


def _as_stored(unit: Unit, holds: Sequence[Hold]) -> dict[str, Any]:
    """A unit as the desks get it: the file's holds replaced by the server's running ones
    (holds are placed through the API, never imported)."""
    return replace(unit, capacity=replace(unit.capacity, holds=tuple(holds))).to_json()


def _running_holds(
    conn: Connection, region_id: int, now: datetime, unit_ids: Sequence[str] | None = None
) -> dict[str, list[Hold]]:
    query = select(
        db.directory_holds.c.unit_id, db.directory_holds.c.case_id, db.directory_holds.c.until
    ).where(
        db.directory_holds.c.region_id == region_id,
        db.directory_holds.c.ended_at.is_(None),
        db.directory_holds.c.until > now,
    )
    if unit_ids is not None:
        query = query.where(db.directory_holds.c.unit_id.in_(list(unit_ids)))
    found: dict[str, list[Hold]] = {}
    for row in conn.execute(query.order_by(db.directory_holds.c.until)):
        found.setdefault(row.unit_id, []).append(Hold(row.case_id, _aware(row.until)))
    return found


def _publish(
    conn: Connection,
    next_seq: Callable[[], int],
    region_id: int,
    kind: str,
    object_id: str,
    data: dict[str, Any] | None,
) -> None:
    """Replace the reference change of one directory object (a tombstone when data is None)."""
    key = f"{kind}:{region_id}:{object_id}"
    conn.execute(delete(db.changes).where(db.changes.c.object_key == key))
    conn.execute(
        insert(db.changes).values(
            seq=next_seq(),
            object_key=key,
            object_id=object_id,
            kind=kind if data is not None else "tombstone",
            scope="reference",
            region_id=region_id,
            data=canonical_json(data if data is not None else {"object_kind": kind}),
            created_at=utc_now(),
        )
    )


def publish_unit(
    conn: Connection, next_seq: Callable[[], int], region_id: int, unit_id: str, now: datetime
) -> Unit:
    """Publish one unit as it stands now (capacity and running holds) to the desks."""
    row = conn.execute(
        select(db.directory_units).where(
            db.directory_units.c.region_id == region_id, db.directory_units.c.id == unit_id
        )
    ).first()
    if row is None:
        raise NotFound(f"no unit {unit_id!r}")
    unit = _unit_from_row(row, _running_holds(conn, region_id, now, [unit_id]).get(unit_id, []))
    _publish(conn, next_seq, region_id, UNIT_KIND, unit_id, unit.to_json())
    return unit


def _history(
    conn: Connection,
    region_id: int,
    unit_id: str,
    now: datetime,
    actor: Actor,
    source: str,
    old: tuple[int | None, str | None],
    new: tuple[int, int, str | None],
) -> None:
    conn.execute(
        insert(db.capacity_history).values(
            region_id=region_id,
            unit_id=unit_id,
            at=now,
            author_user_id=actor.user_id,
            author=actor.name,
            source=source,
            available_old=old[0],
            available_new=new[0],
            maximum=new[1],
            intake_stop_old=old[1],
            intake_stop_new=new[2],
        )
    )


def referral_moved(
    conn: Connection,
    next_seq: Callable[[], int],
    region_id: int,
    *,
    case_id: str,
    unit_id: str | None,
    status: str,
    actor: Actor,
    now: datetime,
) -> None:
    """A referral of ``case_id`` to ``unit_id`` moved to ``status``: a decline, cancel or
    accept ends the case's running holds on the unit; an accept also takes the place
    (``available`` one down, never below 0, with a history row)."""
    if unit_id is None or status not in ("declined", "cancelled", "accepted"):
        return
    ended = conn.execute(
        update(db.directory_holds)
        .where(
            db.directory_holds.c.region_id == region_id,
            db.directory_holds.c.unit_id == unit_id,
            db.directory_holds.c.case_id == case_id,
            db.directory_holds.c.ended_at.is_(None),
        )
        .values(ended_at=now, end_reason=f"referral_{status}")
    ).rowcount
    row = conn.execute(
        select(
            db.directory_units.c.available,
            db.directory_units.c.maximum,
            db.directory_units.c.intake_stop,
        ).where(db.directory_units.c.region_id == region_id, db.directory_units.c.id == unit_id)
    ).first()
    if row is None:
        return
    changed = False
    if status == "accepted" and row.available > 0:
        conn.execute(
            update(db.directory_units)
            .where(db.directory_units.c.region_id == region_id, db.directory_units.c.id == unit_id)
            .values(available=row.available - 1, updated_at=now)
        )
        _history(
            conn, region_id, unit_id, now, actor, "referral_accepted",
            (row.available, row.intake_stop), (row.available - 1, row.maximum, row.intake_stop),
        )  # fmt: skip
        changed = True
    if ended or changed:
        publish_unit(conn, next_seq, region_id, unit_id, now)


class DirectoryStore(StorageCore):
    """The region directories: import/export, capacity updates with history, holds."""

    # -------------------------------------------------------------------- import/export

    def import_directory(
        self, region: str, directory: Directory, author: str = "import"
    ) -> ImportSummary:
        """Replace a region's directory; a changed capacity gets a history row."""
        counts = {"created": 0, "updated": 0, "unchanged": 0, "removed": 0}
        now = utc_now()
        with self._write() as (conn, seq):

            def next_seq() -> int:
                seq[0] += 1
                return seq[0]

            region_id = self.region_id(conn, region)
            actor = Actor(None, author, "admin", region_id)
            self._import_settings(conn, next_seq, region_id, directory.freshness_limit_hours)
            orgs = {
                row.id: row
                for row in conn.execute(
                    select(db.directory_organizations).where(
                        db.directory_organizations.c.region_id == region_id
                    )
                )
            }
            for org in directory.organizations:
                before = orgs.pop(org.id, None)
                if before is not None and (before.name, before.phone_24_7) == (
                    org.name,
                    org.phone_24_7,
                ):
                    continue
                if before is None:
                    conn.execute(
                        insert(db.directory_organizations).values(
                            region_id=region_id, id=org.id, name=org.name, phone_24_7=org.phone_24_7
                        )
                    )
                else:
                    conn.execute(
                        update(db.directory_organizations)
                        .where(
                            db.directory_organizations.c.region_id == region_id,
                            db.directory_organizations.c.id == org.id,
                        )
                        .values(name=org.name, phone_24_7=org.phone_24_7)
                    )
                _publish(conn, next_seq, region_id, ORGANIZATION_KIND, org.id, org.to_json())
            units = {
                row.id: row
                for row in conn.execute(
                    select(db.directory_units).where(db.directory_units.c.region_id == region_id)
                )
            }
            running = _running_holds(conn, region_id, now)
            new = _NewUnits()
            for unit in directory.units:
                outcome = self._import_unit(
                    conn, next_seq, region_id, unit, units.pop(unit.id, None), actor, now,
                    running.get(unit.id, []), new,
                )  # fmt: skip
                counts[outcome] += 1
            new.write(conn)
            for unit_id in units:
                conn.execute(
                    delete(db.directory_units).where(
                        db.directory_units.c.region_id == region_id,
                        db.directory_units.c.id == unit_id,
                    )
                )
                _publish(conn, next_seq, region_id, UNIT_KIND, unit_id, None)
                counts["removed"] += 1
            for org_id in orgs:
                conn.execute(
                    delete(db.directory_organizations).where(
                        db.directory_organizations.c.region_id == region_id,
                        db.directory_organizations.c.id == org_id,
                    )
                )
                _publish(conn, next_seq, region_id, ORGANIZATION_KIND, org_id, None)
            self._audit(
                conn, "admin.directory_import", "ok", region_id=region_id,
                created=counts["created"], updated=counts["updated"],
                unchanged=counts["unchanged"], removed=counts["removed"],
            )  # fmt: skip
        return ImportSummary(**counts)

    def _import_settings(
        self, conn: Connection, next_seq: Callable[[], int], region_id: int, hours: float
    ) -> None:
        current = conn.execute(
            select(db.directory_settings.c.freshness_limit_hours).where(
                db.directory_settings.c.region_id == region_id
            )
        ).scalar()
        if current == hours:
            return
        if current is None:
            conn.execute(
                insert(db.directory_settings).values(
                    region_id=region_id, freshness_limit_hours=hours
                )
            )
        else:
            conn.execute(
                update(db.directory_settings)
                .where(db.directory_settings.c.region_id == region_id)
                .values(freshness_limit_hours=hours)
            )
        _publish(
            conn, next_seq, region_id, REGION_KIND, "settings", {"freshness_limit_hours": hours}
        )

    def _import_unit(
        self,
        conn: Connection,
        next_seq: Callable[[], int],
        region_id: int,
        unit: Unit,
        before: Any,
        actor: Actor,
        now: datetime,
        holds: Sequence[Hold],
        new: _NewUnits,
    ) -> str:
        cap = unit.capacity
        measured = cap.updated.astimezone(UTC)  # stored in UTC: SQLite keeps no offset
        stop = _stop_json(cap.intake_stop)
        values = {
            "organization_id": unit.organization_id,
            "name": unit.name,
            "characteristics": _characteristics(unit),
            "capacity_unit": cap.unit,
            "available": cap.available,
            "maximum": cap.maximum,
            "intake_stop": stop,
        }
        if before is None:  # new units are written together (see _write_new)
            new.units.append(
                {"region_id": region_id, "id": unit.id, "updated_at": measured, **values}
            )
            new.history.append(
                {
                    "region_id": region_id,
                    "unit_id": unit.id,
                    "at": measured,
                    "author_user_id": actor.user_id,
                    "author": actor.name,
                    "source": "import",
                    "available_old": None,
                    "available_new": cap.available,
                    "maximum": cap.maximum,
                    "intake_stop_old": None,
                    "intake_stop_new": stop,
                }
            )
            key = f"{UNIT_KIND}:{region_id}:{unit.id}"
            new.changes.append(
                {
                    "seq": next_seq(),
                    "object_key": key,
                    "object_id": unit.id,
                    "kind": UNIT_KIND,
                    "scope": "reference",
                    "region_id": region_id,
                    "data": canonical_json(_as_stored(unit, holds)),
                    "created_at": now,
                }
            )
            return "created"
        same = all(getattr(before, key) == value for key, value in values.items())
        if same:
            return "unchanged"
        capacity_changed = (before.available, before.maximum, before.intake_stop) != (
            cap.available,
            cap.maximum,
            stop,
        )
        updated_at = measured if capacity_changed else _aware(before.updated_at)
        conn.execute(
            update(db.directory_units)
            .where(db.directory_units.c.region_id == region_id, db.directory_units.c.id == unit.id)
            .values(updated_at=updated_at, **values)
        )
        if capacity_changed:
            _history(
                conn, region_id, unit.id, measured, actor, "import",
                (before.available, before.intake_stop), (cap.available, cap.maximum, stop),
            )  # fmt: skip
        if not capacity_changed:
            unit = replace(unit, capacity=replace(cap, updated=updated_at))
        _publish(conn, next_seq, region_id, UNIT_KIND, unit.id, _as_stored(unit, holds))
        return "updated"

    def export_directory(self, region: str, at: datetime | None = None) -> Directory:
        """The region's directory as it stands at ``at`` (default now), running holds in."""
        now = at or utc_now()
        with self.engine.connect() as conn:
            region_id = self.region_id(conn, region)
            limit = conn.execute(
                select(db.directory_settings.c.freshness_limit_hours).where(
                    db.directory_settings.c.region_id == region_id
                )
            ).scalar()
            orgs = tuple(
                Organization(row.id, row.name, row.phone_24_7)
                for row in conn.execute(
                    select(db.directory_organizations)
                    .where(db.directory_organizations.c.region_id == region_id)
                    .order_by(db.directory_organizations.c.id)
                )
            )
            holds = _running_holds(conn, region_id, now)
            units = tuple(
                _unit_from_row(row, holds.get(row.id, []))
                for row in conn.execute(
                    select(db.directory_units)
                    .where(db.directory_units.c.region_id == region_id)
                    .order_by(db.directory_units.c.id)
                )
            )
            conn.rollback()
        return Directory(orgs, units, float(limit) if limit else DEFAULT_FRESHNESS_HOURS)

    # -------------------------------------------------------------------- capacity

    def _unit_for(self, conn: Connection, actor: Actor, unit_id: str) -> Any:
        """The unit row the actor may update; 404 when not in the actor's region or,
        for a provider, not of its organisation (never says whose it is)."""
        if actor.role not in ("receiver", "coordinator", "admin"):
            raise DirectoryRefused(
                403, None, "Only a provider or a coordinator updates places.", "forbidden"
            )
        row = conn.execute(
            select(db.directory_units).where(
                db.directory_units.c.region_id == actor.region_id,
                db.directory_units.c.id == unit_id,
            )
        ).first()
        if row is None or (
            actor.role == "receiver" and row.organization_id != actor.organization_id
        ):
            raise DirectoryRefused(404, "unit_id", f"No unit {unit_id!r} of yours.", "not_found")
        return row

    def update_capacity(
        self,
        actor: Actor,
        unit_id: str,
        *,
        available: int | None = None,
        intake_stop: dict[str, Any] | None = UNSET,
        source: str = "api",
    ) -> Unit:
        """Set ``available`` and/or ``intake_stop`` (``None`` lifts a stop; leave it out
        to keep it). Appends a history row and publishes the unit; returns it."""
        now = utc_now()
        with self._write() as (conn, seq):

            def next_seq() -> int:
                seq[0] += 1
                return seq[0]

            row = self._unit_for(conn, actor, unit_id)
            new_available = int(row.available) if available is None else available
            check_available(new_available, int(row.maximum))
            stop = row.intake_stop
            if intake_stop is not UNSET:
                stop = _stop_json(parse_stop(intake_stop, now))
            # the same figure again is a confirmation: it still refreshes `updated`
            conn.execute(
                update(db.directory_units)
                .where(
                    db.directory_units.c.region_id == actor.region_id,
                    db.directory_units.c.id == unit_id,
                )
                .values(available=new_available, intake_stop=stop, updated_at=now)
            )
            _history(
                conn, actor.region_id, unit_id, now, actor, source,
                (row.available, row.intake_stop), (new_available, row.maximum, stop),
            )  # fmt: skip
            unit = publish_unit(conn, next_seq, actor.region_id, unit_id, now)
            self._audit(
                conn, "directory.capacity", "ok", user_id=actor.user_id,
                region_id=actor.region_id, unit_id=unit_id, available=new_available,
                intake_stop=stop is not None, source=source,
            )  # fmt: skip
        return unit

    def units_of_organization(self, region_id: int, organization_id: str) -> list[Unit]:
        """A provider's own units as they stand now (for its web page)."""
        now = utc_now()
        with self.engine.connect() as conn:
            holds = _running_holds(conn, region_id, now)
            rows = conn.execute(
                select(db.directory_units)
                .where(
                    db.directory_units.c.region_id == region_id,
                    db.directory_units.c.organization_id == organization_id,
                )
                .order_by(db.directory_units.c.name, db.directory_units.c.id)
            ).all()
            conn.rollback()
        return [_unit_from_row(row, holds.get(row.id, [])) for row in rows]

    def freshness_limit(self, region_id: int) -> float:
        with self.engine.connect() as conn:
            value = conn.execute(
                select(db.directory_settings.c.freshness_limit_hours).where(
                    db.directory_settings.c.region_id == region_id
                )
            ).scalar()
            conn.rollback()
        return float(value) if value else DEFAULT_FRESHNESS_HOURS

    def capacity_history(self, region: str, unit_id: str | None = None) -> list[HistoryRow]:
        """Every capacity change of a region (or one unit), oldest first."""
        with self.engine.connect() as conn:
            region_id = self.region_id(conn, region)
            query = select(db.capacity_history).where(db.capacity_history.c.region_id == region_id)
            if unit_id is not None:
                query = query.where(db.capacity_history.c.unit_id == unit_id)
            rows = conn.execute(
                query.order_by(db.capacity_history.c.at, db.capacity_history.c.id)
            ).all()
            conn.rollback()
        return [
            HistoryRow(
                row.unit_id,
                _aware(row.at),
                row.author,
                row.source,
                row.available_old,
                row.available_new,
                row.maximum,
                json.loads(row.intake_stop_old) if row.intake_stop_old else None,
                json.loads(row.intake_stop_new) if row.intake_stop_new else None,
            )
            for row in rows
        ]

    # -------------------------------------------------------------------- holds

    def place_hold(
        self, actor: Actor, hold_id: str, unit_id: str, case_id: str, until: datetime
    ) -> tuple[str, Unit]:
        """Reserve a place of ``unit_id`` for ``case_id`` until ``until`` (at most
        MAX_HOLD ahead). ``created`` or ``duplicate`` (same id, same hold: a retry);
        refused (409) when no place is free or an intake stop is in force, and when the
        case already holds a place of this unit."""
        if actor.role not in HOLD_ROLES:
            raise DirectoryRefused(403, None, "This role may not reserve places.", "forbidden")
        now = utc_now()
        if until <= now:
            raise DirectoryRefused(422, "until", "until must be in the future.", "invalid")
        if until > now + MAX_HOLD:
            raise DirectoryRefused(
                422, "until", "A hold lasts at most 24 hours (until).", "invalid"
            )
        with self._write() as (conn, seq):

            def next_seq() -> int:
                seq[0] += 1
                return seq[0]

            existing = conn.execute(
                select(db.directory_holds).where(db.directory_holds.c.id == hold_id)
            ).first()
            if existing is not None:
                if (existing.unit_id, existing.case_id) == (unit_id, case_id):
                    unit = publish_unit(conn, next_seq, actor.region_id, unit_id, now)
                    return "duplicate", unit
                raise DirectoryRefused(
                    409, "hold_id", "Another hold with this id is stored.", "conflict"
                )
            row = conn.execute(
                select(db.directory_units).where(
                    db.directory_units.c.region_id == actor.region_id,
                    db.directory_units.c.id == unit_id,
                )
            ).first()
            if row is None:
                raise DirectoryRefused(404, "unit_id", f"No unit {unit_id!r}.", "not_found")
            # a case the server knows must be of this region (one not pushed yet may be held)
            case_region = conn.execute(
                select(db.cases.c.region_id).where(db.cases.c.id == case_id)
            ).scalar()
            if case_region is not None and case_region != actor.region_id:
                raise DirectoryRefused(
                    404, "case_id", "No case with this id in your region.", "not_found"
                )
            holds = _running_holds(conn, actor.region_id, now, [unit_id]).get(unit_id, [])
            if any(hold.case_id == case_id for hold in holds):
                raise DirectoryRefused(
                    409, "case_id", "This case already holds a place of this unit.", "conflict"
                )
            stop = _stop_from(row.intake_stop)
            if stop is not None and stop.in_force(now):
                raise DirectoryRefused(
                    409, "unit_id", "The unit has an intake stop.", "intake_stop"
                )
            if int(row.available) - len(holds) <= 0:
                raise DirectoryRefused(409, "unit_id", "The unit has no free place.", "no_capacity")
            conn.execute(
                insert(db.directory_holds).values(
                    id=hold_id,
                    region_id=actor.region_id,
                    unit_id=unit_id,
                    case_id=case_id,
                    until=until.astimezone(UTC),
                    created_at=now,
                    created_by=actor.user_id or actor.name,
                )
            )
            unit = publish_unit(conn, next_seq, actor.region_id, unit_id, now)
            self._audit(
                conn, "directory.hold", "ok", user_id=actor.user_id, region_id=actor.region_id,
                unit_id=unit_id, case_id=case_id, hold_id=hold_id,
            )  # fmt: skip
        return "created", unit

    def release_hold(self, actor: Actor, hold_id: str) -> Unit:
        """End a hold before its time (the desk gives the place back)."""
        if actor.role not in HOLD_ROLES:
            raise DirectoryRefused(403, None, "This role may not release places.", "forbidden")
        now = utc_now()
        with self._write() as (conn, seq):

            def next_seq() -> int:
                seq[0] += 1
                return seq[0]

            row = conn.execute(
                select(db.directory_holds).where(
                    db.directory_holds.c.id == hold_id,
                    db.directory_holds.c.region_id == actor.region_id,
                )
            ).first()
            if row is None:
                raise DirectoryRefused(404, "hold_id", f"No hold {hold_id!r}.", "not_found")
            if row.ended_at is None:
                conn.execute(
                    update(db.directory_holds)
                    .where(and_(db.directory_holds.c.id == hold_id))
                    .values(ended_at=now, end_reason="released")
                )
            unit = publish_unit(conn, next_seq, actor.region_id, row.unit_id, now)
        return unit


def check_available(available: int, maximum: int) -> None:
    """Refuse an ``available`` outside 0..maximum (field ``available``)."""
    if isinstance(available, bool) or not isinstance(available, int):
        raise DirectoryRefused(422, "available", "available must be a whole number.", "invalid")
    if available < 0 or available > maximum:
        raise DirectoryRefused(
            422,
            "available",
            f"available must be between 0 and the maximum ({maximum}), not {available}.",
            "invalid",
        )


def parse_stop(value: dict[str, Any] | None, now: datetime) -> IntakeStop | None:
    """An intake stop from an update: ``reason`` (required), ``from`` (default now),
    ``until`` (optional, after ``from``). Refusals name the field."""
    from coordination.directory import parse_datetime

    if value is None:
        return None
    if not isinstance(value, dict):
        raise DirectoryRefused(
            422, "intake_stop", "intake_stop must be an object or null.", "invalid"
        )
    unknown = sorted(set(value) - {"reason", "from", "until"})
    if unknown:
        raise DirectoryRefused(
            422, f"intake_stop.{unknown[0]}", f"Unknown key {unknown[0]!r}.", "invalid"
        )
    reason = value.get("reason")
    if not isinstance(reason, str) or not reason.strip() or len(reason) > REASON_MAX:
        raise DirectoryRefused(
            422,
            "intake_stop.reason",
            f"An intake stop needs a reason (1 to {REASON_MAX} characters).",
            "invalid",
        )
    start = now
    if value.get("from") is not None:
        parsed = parse_datetime(value["from"])
        if parsed is None:
            raise DirectoryRefused(
                422, "intake_stop.from", "from must be an ISO date-time with an offset.", "invalid"
            )
        start = parsed
    until = None
    if value.get("until") is not None:
        until = parse_datetime(value["until"])
        if until is None:
            raise DirectoryRefused(
                422,
                "intake_stop.until",
                "until must be an ISO date-time with an offset.",
                "invalid",
            )
        if until <= start:
            raise DirectoryRefused(422, "intake_stop.until", "until must be after from.", "invalid")
    return IntakeStop(reason.strip(), start, until)
