"""Who sees which case (issue 21): the region's privacy settings, the visibility rule as
SQL, and break-the-glass openings.

The rule is `doorloop_protocol.privacy.may_see`; :func:`visible_cases` says the same in
SQL over `cases`, so a pull sends only the case versions and states the user may see
(tombstones and reference data stay region-wide: they carry no one's file).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Row,
    and_,
    any_,
    exists,
    false,
    insert,
    or_,
    select,
    text,
    update,
)

from central_api import db
from central_api.storage.core import NotFound, Principal, StorageCore, StorageError
from doorloop_protocol.privacy import (
    CLOSED,
    GRANT_HOURS,
    NO_CASE_ROLES,
    WIDE_ROLES,
    RegionPrivacy,
    reason_problem,
)


class AccessRefused(StorageError):
    """The role may not open production cases (a trainer)."""


class BadReason(StorageError):
    """A break-the-glass reason that is empty or not on the list; `field` names it."""

    def __init__(self, field: str) -> None:
        super().__init__(f"a break-the-glass opening needs a valid {field}")
        self.field = field


SETTINGS = tuple(RegionPrivacy.__dataclass_fields__)


def privacy_of(conn: Connection, region_id: int) -> RegionPrivacy:
    """The region's privacy settings (the defaults when it has no row)."""
    row = conn.execute(
        select(db.region_privacy).where(db.region_privacy.c.region_id == region_id)
    ).first()
    if row is None:
        return RegionPrivacy()
    return RegionPrivacy(**{name: int(getattr(row, name)) for name in SETTINGS})


def visible_cases(
    conn: Connection, principal: Principal, now: datetime, settings: RegionPrivacy
) -> ColumnElement[bool]:
    """A condition on `db.cases`: the principal sees this case without a reason."""
    if principal.role in NO_CASE_ROLES:
        return false()
    cutoff = now - timedelta(days=settings.window_days)
    devices = list(
        conn.execute(select(db.devices.c.id).where(db.devices.c.user_id == principal.user_id))
        .scalars()
        .all()
    )
    worked = db.versions.alias("worked")
    worked_on = (
        exists()
        .where(worked.c.case_id == db.cases.c.id, worked.c.pushed_by_device.in_(devices))
        .correlate(db.cases)
    )
    granted = (
        exists()
        .where(
            db.case_grants.c.case_id == db.cases.c.id,
            db.case_grants.c.user_id == principal.user_id,
            db.case_grants.c.expires_at > now,
        )
        .correlate(db.cases)
    )
    recent = db.cases.c.updated_at >= cutoff
    if principal.role in WIDE_ROLES:
        ordinary = or_(db.cases.c.status != CLOSED, recent)
    else:
        ordinary = and_(db.cases.c.status != CLOSED, recent)
    return and_(db.cases.c.region_id == principal.region_id, or_(ordinary, worked_on, granted))


CASE_KINDS = ("case_state", "case_version", "referral_event")
# a change as a pull reads it: seq, kind, object_id, scope, data (the stored JSON)
ChangeRow = Row[int, str, str, str, str]


def visible_changes(
    conn: Connection, principal: Principal, now: datetime, settings: RegionPrivacy
) -> Callable[[Sequence[ChangeRow]], list[ChangeRow]]:
    """A filter over change rows (seq, kind, object_id, scope, data: as `Pull` reads
    them) keeping, in their order, what the principal sees: reference data and
    tombstones, and the versions, states and referral events of the cases the principal
    sees. Any other case-scoped kind is left out. The case of a version (a referral
    event) is looked up in `versions` (`referral_events`) by primary key, and the cases
    in `cases` by theirs, so filtering a pull's batch costs about the batch, whatever the
    size of the region; no join the planner could turn into a scan of every case."""
    seen = visible_cases(conn, principal, now, settings)
    postgresql = conn.dialect.name == "postgresql"

    def among(column: Any, values: set[str]) -> ColumnElement[bool]:
        """`column IN values`; on PostgreSQL one JSON text parameter, so a statement with
        a thousand ids is neither compiled anew each time nor dumped as an array (slow)."""
        if postgresql:
            ids = text("(ARRAY(SELECT json_array_elements_text(CAST(:ids AS json))))")
            return column == any_(ids.bindparams(ids=json.dumps(sorted(values))))
        return column.in_(values)

    def case_of(table: Any, ids: set[str]) -> dict[str, str]:
        if not ids:
            return {}
        query = select(table.c.id, table.c.case_id).where(among(table.c.id, ids))
        return {object_id: case_id for object_id, case_id in conn.execute(query).all()}

    def keep(rows: Sequence[ChangeRow]) -> list[ChangeRow]:
        ids: dict[str, set[str]] = {kind: set() for kind in CASE_KINDS}
        for _seq, kind, object_id, scope, _data in rows:
            if scope == "case" and kind in ids:
                ids[kind].add(object_id)
        cases = {
            "case_version": case_of(db.versions, ids["case_version"]),
            "referral_event": case_of(db.referral_events, ids["referral_event"]),
            "case_state": {case_id: case_id for case_id in ids["case_state"]},
        }
        wanted = {case_id for found in cases.values() for case_id in found.values()}
        visible: set[str] = set()
        if wanted:
            query = select(db.cases.c.id).where(among(db.cases.c.id, wanted), seen)
            visible = set(conn.execute(query).scalars().all())
        kept = []
        for row in rows:
            _seq, kind, object_id, scope, _data = row
            if (
                scope != "case"
                or kind == "tombstone"
                or (kind in cases and cases[kind].get(object_id) in visible)
            ):
                kept.append(row)
        return kept

    return keep


class Access(StorageCore):
    """Region privacy settings, visibility and break-the-glass."""

    def region_privacy(self, region: str) -> RegionPrivacy:
        with self.engine.connect() as conn:
            settings = privacy_of(conn, self.region_id(conn, region))
            conn.rollback()
        return settings

    def set_region_privacy(self, region: str, **values: int) -> RegionPrivacy:
        """Change some of a region's privacy settings (days, each at least 1)."""
        for name, value in values.items():
            if name not in SETTINGS:
                raise ValueError(f"unknown setting {name!r}")
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a whole number of days, at least 1")
        with self.engine.begin() as conn:
            region_id = self.region_id(conn, region)
            merged = asdict(privacy_of(conn, region_id)) | values
            found = conn.execute(
                select(db.region_privacy.c.region_id).where(
                    db.region_privacy.c.region_id == region_id
                )
            ).first()
            row = {**merged, "updated_at": self.clock()}
            if found is None:
                conn.execute(insert(db.region_privacy).values(region_id=region_id, **row))
            else:
                conn.execute(
                    update(db.region_privacy)
                    .where(db.region_privacy.c.region_id == region_id)
                    .values(**row)
                )
            self._audit(conn, "admin.region_privacy", "ok", region_id=region_id, **merged)
        return RegionPrivacy(**merged)

    def visible_case_ids(self, principal: Principal) -> set[str]:
        """The ids of the cases the principal sees now without a reason."""
        now = self.clock()
        with self.engine.connect() as conn:
            settings = privacy_of(conn, principal.region_id)
            condition = visible_cases(conn, principal, now, settings)
            ids = set(conn.execute(select(db.cases.c.id).where(condition)).scalars())
            conn.rollback()
        return ids

    def break_glass(
        self, principal: Principal, case_id: str, reason: str, note: str
    ) -> dict[str, Any]:
        """Open a case outside the principal's view, with a reason: allowed at once,
        recorded as a grant (the case stays in view for GRANT_HOURS) and audited as
        ``case.break_glass``. Returns the case's applied versions (the bodies as pushed)
        and when the grant ends. NotFound for a case of another region or none."""
        field = reason_problem(reason, note)
        if field is not None:
            self.record("case.break_glass", "refused", principal, case_id=case_id, field=field)
            raise BadReason(field)
        if principal.role in NO_CASE_ROLES:
            self.record("case.break_glass", "forbidden", principal, case_id=case_id)
            raise AccessRefused(f"the role {principal.role} never opens production cases")
        now = self.clock()
        until = now + timedelta(hours=GRANT_HOURS)
        with self.engine.begin() as conn:
            case = conn.execute(
                select(db.cases.c.id, db.cases.c.status).where(
                    db.cases.c.id == case_id, db.cases.c.region_id == principal.region_id
                )
            ).first()
            if case is None:
                raise NotFound(f"no case {case_id!r} in region {principal.region}")
            conn.execute(
                insert(db.case_grants).values(
                    case_id=case_id,
                    region_id=principal.region_id,
                    user_id=principal.user_id,
                    device_id=principal.device_id,
                    reason=reason,
                    note=note.strip(),
                    granted_at=now,
                    expires_at=until,
                )
            )
            bodies = conn.execute(
                select(db.versions.c.body)
                .where(db.versions.c.case_id == case_id, db.versions.c.state == "applied")
                .order_by(db.versions.c.received_at, db.versions.c.id)
            ).scalars()
            versions = [json.loads(body) for body in bodies]
            self._audit(
                conn,
                "case.break_glass",
                "ok",
                user_id=principal.user_id,
                device_id=principal.device_id,
                region_id=principal.region_id,
                case_id=case_id,
                reason=reason,
                note=note.strip(),
                status=case.status,
            )
        return {"case_id": case_id, "granted_until": until.isoformat(), "versions": versions}
