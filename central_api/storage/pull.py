"""Pull: the changes after a cursor that a principal may see, as one JSON page.

A user gets only the versions, states and referral events of the cases they see
(`central_api.storage.access.visible_changes`); tombstones and reference data go
region-wide; a receiver gets its organisation's referral events only.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, Row, and_, or_, select, update

from central_api import db
from central_api.storage.access import privacy_of, visible_changes
from central_api.storage.core import CursorExpired, Principal, utc_now
from central_api.storage.referrals import Referrals

MAX_PAGE_BYTES = 8 * 1024 * 1024  # a pull page ends after the change that passes this
MAX_BATCH = 10_000  # changes a user's pull reads (and filters) at a time, at most


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
        with self.engine.connect() as conn:
            if conn.dialect.name == "postgresql":  # one snapshot for the page's statements
                conn = conn.execution_options(
                    isolation_level="REPEATABLE READ", postgresql_readonly=True
                )
            horizon = conn.execute(
                select(db.counters.c.value).where(db.counters.c.name == "horizon")
            ).scalar_one()
            if 0 < since < horizon:
                raise CursorExpired(since, int(horizon))
            rows = self._page_rows(conn, principal, since, limit)
            conn.rollback()
        has_more = len(rows) > limit
        rows = rows[:limit]
        size = 0
        for index, row in enumerate(rows):  # a page stops at MAX_PAGE_BYTES
            size += len(row.data)
            if size > MAX_PAGE_BYTES and index > 0:
                rows, has_more = rows[:index], True
                break
        next_since = int(rows[-1].seq) if rows else since
        with self.engine.begin() as conn:
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

    def _page_rows(
        self, conn: Connection, principal: Principal, since: int, limit: int
    ) -> list[Row[Any]]:
        """The first `limit` + 1 changes after `since` the principal sees, in seq order.

        The changes are read in seq order, a batch at a time, by the primary key; a
        user's batch is then filtered by `visible_changes` (key lookups of its own rows
        only) and the next batch read only while the page is not full. So a page costs
        about its own size, not the rest of the region (one statement joining every
        remaining change to its case, sorted, cost a first pull quadratic time)."""
        query = select(
            db.changes.c.seq,
            db.changes.c.kind,
            db.changes.c.object_id,
            db.changes.c.scope,
            db.changes.c.data,
        ).where(
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
            keep = visible_changes(conn, principal, self.clock(), settings)
            rows: list[Row[Any]] = []
            after, size = since, limit + 1
            while True:
                batch = query.where(db.changes.c.seq > after).order_by(db.changes.c.seq)
                found = conn.execute(batch.limit(size)).all()
                rows.extend(keep(found))
                if len(rows) > limit or len(found) < size:
                    return rows[: limit + 1]
                after, size = int(found[-1].seq), min(size * 2, MAX_BATCH)
        query = query.where(db.changes.c.seq > since).order_by(db.changes.c.seq).limit(limit + 1)
        return list(conn.execute(query).all())
