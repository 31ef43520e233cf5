"""`indicator_facts`: one row per case, derived from its applied versions.

Kept correct as versions arrive without touching the push path: :func:`catch_up` reads
the change log after the watermark (counter "indicator_facts"). Every push that applies
a version rewrites its case's `case_state` change at a new sequence number, so the cases
with a case_state change above the watermark are exactly those whose facts may be stale;
their facts are computed again from all their applied versions (coordination's
`case_facts`, the desk's own definition). Purged cases leave a tombstone (facts deleted);
when compaction may have dropped tombstones above the watermark, facts without a case
are deleted too. Sequence numbers are handed out under one lock and commit in order, so
a reader never skips a change that commits later with a smaller number.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from sqlalchemy import Connection, Engine, delete, exists, insert, select, update

from central_api import db
from coordination.indicators.facts import case_facts

CHUNK = 500
WATERMARK = "indicator_facts"


def catch_up(engine: Engine) -> int:
    """Bring the facts up to the change log; returns the number of cases recomputed."""
    with engine.begin() as conn:
        mark = int(
            conn.execute(
                select(db.counters.c.value).where(db.counters.c.name == WATERMARK).with_for_update()
            ).scalar_one()
        )
        horizon = int(
            conn.execute(
                select(db.counters.c.value).where(db.counters.c.name == "horizon")
            ).scalar_one()
        )
        changes = db.changes.c
        rows = conn.execute(
            select(changes.seq, changes.object_id, changes.kind).where(
                changes.seq > mark, changes.object_key.like("case:%")
            )
        ).all()
        if horizon > mark:  # tombstones up to the horizon may be gone: check every fact
            conn.execute(
                delete(db.indicator_facts).where(
                    ~exists().where(db.cases.c.id == db.indicator_facts.c.case_id)
                )
            )
        if not rows:
            return 0
        dirty = sorted({r.object_id for r in rows if r.kind == "case_state"})
        gone = sorted({r.object_id for r in rows if r.kind == "tombstone"})
        for start in range(0, len(gone), CHUNK):
            chunk = gone[start : start + CHUNK]
            conn.execute(delete(db.indicator_facts).where(db.indicator_facts.c.case_id.in_(chunk)))
        for start in range(0, len(dirty), CHUNK):
            refresh(conn, dirty[start : start + CHUNK])
        conn.execute(
            update(db.counters)
            .where(db.counters.c.name == WATERMARK)
            .values(value=max(r.seq for r in rows))
        )
        return len(dirty)


def refresh(conn: Connection, case_ids: list[str]) -> None:
    """Compute the facts of these cases again from their applied versions."""
    cases = {
        row.id: (row.region_id, bool(row.needs_reconciliation))
        for row in conn.execute(
            select(db.cases.c.id, db.cases.c.region_id, db.cases.c.needs_reconciliation).where(
                db.cases.c.id.in_(case_ids)
            )
        )
    }
    versions: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in conn.execute(
        select(db.versions.c.case_id, db.versions.c.body)
        .where(db.versions.c.case_id.in_(case_ids), db.versions.c.state == "applied")
        .order_by(db.versions.c.received_at, db.versions.c.id)
    ):
        try:
            body = json.loads(row.body)
        except ValueError:
            continue
        if isinstance(body, dict) and not body.get("training"):
            versions[row.case_id].append(body)
    conn.execute(delete(db.indicator_facts).where(db.indicator_facts.c.case_id.in_(case_ids)))
    rows = []
    for case_id, (region_id, marked) in cases.items():
        if not versions.get(case_id):
            continue
        facts = case_facts(case_id, versions[case_id], needs_reconciliation=marked)
        rows.append({**facts.as_row(), "region_id": region_id})
    if rows:
        conn.execute(insert(db.indicator_facts), rows)
