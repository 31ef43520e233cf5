"""Pull: the changes after a cursor that a principal may see, as one JSON page.

A user gets only the versions, states and referral events of the cases they see
(`central_api.storage.access.visible_changes`); tombstones and reference data go
region-wide; a receiver gets its organisation's referral events only.
"""

from __future__ import annotations

from json.encoder import encode_basestring_ascii as quote

from sqlalchemy import ColumnElement, Connection, and_, func, or_, select, update

from central_api import db
from central_api.storage.access import ChangeRow, privacy_of, visible_changes
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
                # Read the changes along the primary key from the cursor, never all of
                # them sorted: a table not analysed yet (a region just loaded) looks
                # tiny to the planner, which then sorts every change for each page.
                # No JIT either: compiling costs more than these statements run.
                conn.execute(
                    select(
                        func.set_config("enable_sort", "off", True),
                        func.set_config("jit", "off", True),
                    )
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
            size += len(row[-1])
            if size > MAX_PAGE_BYTES and index > 0:
                rows, has_more = rows[:index], True
                break
        next_since = int(rows[-1][0]) if rows else since
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
        parts = [  # the stored JSON of each change as it is; quote() is json.dumps of a str
            f'{{"seq":{int(seq)},"kind":{quote(kind)},"id":{quote(object_id)},"data":{data}}}'
            for seq, kind, object_id, _scope, data in rows
        ]
        more = "true" if has_more else "false"
        body = f'{{"changes":[{",".join(parts)}],"next_since":{next_since},"has_more":{more}}}'
        return body.encode("utf-8")

    def _page_rows(
        self, conn: Connection, principal: Principal, since: int, limit: int
    ) -> list[ChangeRow]:
        """The first `limit` + 1 changes after `since` the principal sees, in seq order.

        The changes are read in seq order, a batch at a time (`_changes_after`); a user's
        batch is then filtered by `visible_changes` (key lookups of its own rows only)
        and the next batch read only while the page is not full. So a page costs about
        its own size, not the rest of the region (one statement joining every remaining
        change to its case, then sorting, made a first pull quadratic)."""
        if principal.role == "trainer":
            only: list[ColumnElement[bool]] = [db.changes.c.scope == "reference"]
        elif principal.role == "receiver":
            only = [
                or_(
                    db.changes.c.scope == "reference",
                    and_(  # its referral events and their tombstones
                        db.changes.c.kind.in_(("referral_event", "tombstone")),
                        db.changes.c.organization_id == principal.organization_id,
                    ),
                )
            ]
        else:  # only the cases this user may see (issue 21)
            settings = privacy_of(conn, principal.region_id)
            keep = visible_changes(conn, principal, self.clock(), settings)
            rows: list[ChangeRow] = []
            after, size = since, limit + 1
            while True:
                found = self._changes_after(conn, principal.region_id, [], after, size)
                rows.extend(keep(found))
                if len(rows) > limit or len(found) < size:
                    return rows[: limit + 1]
                after, size = int(found[-1][0]), min(size * 2, MAX_BATCH)
        return self._changes_after(conn, principal.region_id, only, since, limit + 1)

    @staticmethod
    def _changes_after(
        conn: Connection,
        region_id: int,
        only: list[ColumnElement[bool]],
        after: int,
        size: int,
    ) -> list[ChangeRow]:
        """The first `size` changes after seq `after` of the region and region-wide
        (region NULL) meeting `only`, in seq order (along the primary key)."""
        query = (
            select(
                db.changes.c.seq,
                db.changes.c.kind,
                db.changes.c.object_id,
                db.changes.c.scope,
                db.changes.c.data,
            )
            .where(
                db.changes.c.seq > after,
                or_(db.changes.c.region_id == region_id, db.changes.c.region_id.is_(None)),
                *only,
            )
            .order_by(db.changes.c.seq)
            .limit(size)
        )
        return list(conn.execute(query).all())
