"""Who sees which case (issue 21): the region's privacy settings, the visibility rule as
SQL, and break-the-glass openings.

The rule is `doorloop_protocol.privacy.may_see`; :func:`visible_cases` says the same in
SQL over `cases`, so a pull sends only the case versions and states the user may see
(tombstones and reference data stay region-wide: they carry no one's file).
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    and_,
    case,
    exists,
    false,
    func,
    insert,
    or_,
    select,
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


def visible_changes(
    conn: Connection, principal: Principal, now: datetime, settings: RegionPrivacy
) -> tuple[Any, ColumnElement[bool]]:
    """What a pull selects from, and the condition: reference data and tombstones, and
    the versions, states and referral events of the cases the principal sees. Any other
    case-scoped kind is left out. The case of each change is joined by primary key (a
    version's through `versions`, a referral event's through `referral_events`), so a
    page checks only its own rows, in seq order."""
    seen = visible_cases(conn, principal, now, settings)
    version = db.versions.alias("pulled_version")
    event = db.referral_events.alias("pulled_referral_event")
    case_id = func.coalesce(
        version.c.case_id,
        event.c.case_id,
        case((db.changes.c.kind == "case_state", db.changes.c.object_id), else_=None),
    )
    source = (
        db.changes.outerjoin(
            version,
            and_(db.changes.c.kind == "case_version", version.c.id == db.changes.c.object_id),
        )
        .outerjoin(
            event,
            and_(db.changes.c.kind == "referral_event", event.c.id == db.changes.c.object_id),
        )
        .outerjoin(db.cases, db.cases.c.id == case_id)
    )
    condition = or_(
        db.changes.c.scope != "case",
        db.changes.c.kind == "tombstone",
        and_(
            db.changes.c.kind.in_(("case_state", "case_version", "referral_event")),
            db.cases.c.id.isnot(None),
            seen,
        ),
    )
    return source, condition


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
