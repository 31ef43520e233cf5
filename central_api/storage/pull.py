"""Pull: the changes after a cursor that a principal may see, as one JSON page.

A user gets only the versions, states and referral events of the cases they see
(`central_api.storage.access.visible_changes`); tombstones and reference data go
region-wide; a receiver gets its organisation's referral events only.
"""

from __future__ import annotations

import json

from sqlalchemy import and_, or_, select, update

from central_api import db
from central_api.storage.access import privacy_of, visible_changes
from central_api.storage.core import CursorExpired, Principal, utc_now
from central_api.storage.referrals import Referrals

MAX_PAGE_BYTES = 8 * 1024 * 1024  # a pull page ends after the change that passes this


class Pull(Referrals):
    """The pull of changes."""

    def pull(self, principal: Principal, since: int, limit: int) -> bytes:
        """The PullResponse JSON (bytes) of changes after `since` this principal may see:
        at most `limit` changes and about MAX_PAGE_BYTES (always at least one change).

        A ``receiver`` sees reference data and the referral events addressed to its
        organisation only. Breaches of the region not yet recorded are recorded first
        (``Referrals.sweep_breaches``), so the page carries them.

        Raises CursorExpired when `0 < since < horizon`.
        """
        if principal.role != "trainer":
            self.sweep_breaches(principal.region_id)
        if principal.role != "trainer":
            self.sweep_breaches(principal.region_id)
        with self.engine.begin() as conn:
            if conn.dialect.name == "postgresql":  # compiling this query costs more than it
                conn.exec_driver_sql("SET LOCAL jit = off")  # runs (about 0.6 s a page)
            query = select(
                db.changes.c.seq, db.changes.c.kind, db.changes.c.object_id, db.changes.c.data
            ).where(
                db.changes.c.seq > since,
                or_(
                    db.changes.c.region_id == principal.region_id,
                    db.changes.c.region_id.is_(None),
                ),
            )
            if principal.role == "trainer":
                query = query.where(db.changes.c.scope == "reference")
            elif principal.role == "receiver":
                query = query.where(
                    or_(
                        db.changes.c.scope == "reference",
                        and_(  # its referral events and their tombstones
                            db.changes.c.kind.in_(("referral_event", "tombstone")),
                            db.changes.c.organization_id == principal.organization_id,
                        ),
                    )
                )
            else:  # only the cases this user may see (issue 21)
                settings = privacy_of(conn, principal.region_id)
                source, seen = visible_changes(conn, principal, self.clock(), settings)
                query = query.select_from(source).where(seen)
            query = query.order_by(db.changes.c.seq).limit(limit + 1)
            horizon = conn.execute(
                select(db.counters.c.value).where(db.counters.c.name == "horizon")
            ).scalar_one()
            if 0 < since < horizon:
                raise CursorExpired(since, int(horizon))
            rows = conn.execute(query).all()
            has_more = len(rows) > limit
            rows = rows[:limit]
            size = 0
            for index, row in enumerate(rows):  # a page stops at MAX_PAGE_BYTES
                size += len(row.data)
                if size > MAX_PAGE_BYTES and index > 0:
                    rows, has_more = rows[:index], True
                    break
            next_since = int(rows[-1].seq) if rows else since
            self._audit(
                conn,
                "sync.pull",
                "ok",
                user_id=principal.user_id,
                device_id=principal.device_id,
                region_id=principal.region_id,
                since=since,
                changes=len(rows),
                next_since=next_since,
            )
            conn.execute(
                update(db.devices)
                .where(db.devices.c.id == principal.device_id)
                .values(last_seen_at=utc_now())
            )
        parts = [
            f'{{"seq":{int(row.seq)},"kind":{json.dumps(row.kind)},'
            f'"id":{json.dumps(row.object_id)},"data":{row.data}}}'
            for row in rows
        ]
        more = "true" if has_more else "false"
        body = f'{{"changes":[{",".join(parts)}],"next_since":{next_since},"has_more":{more}}}'
        return body.encode("utf-8")
