"""Retention and compaction: purging a case (by hand, or every expired one with
`retention_run`, issue 21) and dropping old tombstones."""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update

from central_api import db
from central_api.storage.access import privacy_of
from central_api.storage.core import NotFound, chunks, insert_many, one_of, utc_now
from central_api.storage.directory import publish_unit
from central_api.storage.referrals import Referrals
from doorloop_protocol import canonical_json


class Retention(Referrals):
    """Purging cases and compacting the change log."""

    def purge_case(self, case_id: str, *, reason: str = "manual") -> int:
        """Remove a case's versions (retention); pulls get tombstones. Returns versions removed.

        One transaction: an interrupted purge leaves the case whole, never half-deleted;
        running it again finishes it."""
        with self._write() as (conn, seq):
            case = conn.execute(select(db.cases).where(db.cases.c.id == case_id)).first()
            if case is None:
                raise NotFound(f"no case {case_id!r}")
            version_ids = list(
                conn.execute(select(db.versions.c.id).where(db.versions.c.case_id == case_id))
                .scalars()
                .all()
            )
            keys = {f"version:{v}": (v, "case_version") for v in version_ids}
            keys[f"case:{case_id}"] = (case_id, "case_state")
            # a referral event's tombstone keeps its addressee, so its receivers hear of it
            addressee: dict[str, str | None] = {}
            for event_id, organization in self._purge_referrals(conn, case_id):
                keys[f"referral_event:{event_id}"] = (event_id, "referral_event")
                addressee[f"referral_event:{event_id}"] = organization
            for chunk in chunks(sorted(keys)):
                conn.execute(delete(db.changes).where(one_of(conn, db.changes.c.object_key, chunk)))
            rows = []
            for key, (object_id, kind) in keys.items():
                seq[0] += 1
                rows.append(
                    {
                        "seq": seq[0],
                        "object_key": key,
                        "object_id": object_id,
                        "kind": "tombstone",
                        "scope": "case",
                        "region_id": case.region_id,
                        "data": canonical_json({"object_kind": kind}),
                        "created_at": utc_now(),
                        "organization_id": addressee.get(key),
                    }
                )
            insert_many(conn, db.changes, rows)
            # the case's holds go too; the units they were on are published again

            def next_seq() -> int:
                seq[0] += 1
                return seq[0]

            held = sorted(
                set(
                    conn.execute(
                        select(db.directory_holds.c.unit_id).where(
                            db.directory_holds.c.case_id == case_id,
                            db.directory_holds.c.region_id == case.region_id,
                        )
                    ).scalars()
                )
            )
            conn.execute(delete(db.directory_holds).where(db.directory_holds.c.case_id == case_id))
            for unit_id in held:
                with contextlib.suppress(NotFound):  # a unit removed since
                    publish_unit(conn, next_seq, case.region_id, unit_id, utc_now())
            conn.execute(delete(db.versions).where(db.versions.c.case_id == case_id))
            conn.execute(delete(db.case_grants).where(db.case_grants.c.case_id == case_id))
            conn.execute(delete(db.cases).where(db.cases.c.id == case_id))
            self._audit(
                conn,
                "admin.case_purge",
                "ok",
                region_id=case.region_id,
                case_id=case_id,
                versions=len(version_ids),
                reason=reason,
            )
        return len(version_ids)

    def expired_cases(self) -> list[dict[str, Any]]:
        """Closed cases past their region's retention (production: years after closing,
        WGBO 7:454), judged at `self.clock()`: id, region, closed (last change)."""
        now = self.clock()
        with self.engine.connect() as conn:
            regions = conn.execute(select(db.regions.c.id, db.regions.c.name)).all()
            found: list[dict[str, Any]] = []
            for region in regions:
                keep = privacy_of(conn, region.id).retention_production_days
                rows = conn.execute(
                    select(db.cases.c.id, db.cases.c.updated_at)
                    .where(
                        db.cases.c.region_id == region.id,
                        db.cases.c.status == "closed",
                        db.cases.c.updated_at < now - timedelta(days=keep),
                    )
                    .order_by(db.cases.c.updated_at, db.cases.c.id)
                ).all()
                found += [
                    {"case_id": row.id, "region": region.name, "closed": row.updated_at}
                    for row in rows
                ]
            conn.rollback()
        return found

    def retention_run(self, *, dry_run: bool = False) -> list[dict[str, Any]]:
        """Purge every expired case (with tombstones for the desks); idempotent. Each
        case is purged in its own transaction, so a run that stops half-way leaves
        whole cases only and the next run takes up the rest. Returns the report: one
        row per case (id, region, closed, versions removed; None on a dry run)."""
        report = []
        for row in self.expired_cases():
            removed = None
            if not dry_run:
                try:
                    removed = self.purge_case(row["case_id"], reason="retention")
                except NotFound:  # purged meanwhile (another run): nothing left to do
                    removed = 0
            report.append({**row, "versions": removed})
        self.record(
            "retention.run",
            "dry_run" if dry_run else "ok",
            None,
            cases=len(report),
            versions=sum(r["versions"] or 0 for r in report),
        )
        return report

    def compact(
        self, *, before: datetime | None = None, up_to_seq: int | None = None
    ) -> tuple[int, int]:
        """Drop tombstones created before `before` (or with seq ≤ `up_to_seq`).

        Returns (tombstones dropped, new horizon). Pulls with 0 < since < horizon get 410.
        """
        condition = db.changes.c.kind == "tombstone"
        if before is not None:
            condition = condition & (db.changes.c.created_at < before)
        if up_to_seq is not None:
            condition = condition & (db.changes.c.seq <= up_to_seq)
        with self._write() as (conn, _seq):
            top, count = conn.execute(
                select(func.max(db.changes.c.seq), func.count()).where(condition)
            ).one()
            horizon = int(
                conn.execute(
                    select(db.counters.c.value).where(db.counters.c.name == "horizon")
                ).scalar_one()
            )
            if count:
                conn.execute(delete(db.changes).where(condition))
                horizon = max(horizon, int(top))
                conn.execute(
                    update(db.counters).where(db.counters.c.name == "horizon").values(value=horizon)
                )
            self._audit(conn, "admin.compact", "ok", dropped=int(count), horizon=horizon)
        return int(count), horizon
