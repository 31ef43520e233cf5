"""`indicator_facts` (one row per case, from its applied versions) and `indicator_daily`
(counts per region, local day and category, what the indicators add up).

Kept correct as versions arrive without touching the push path: :func:`catch_up` reads
the change log after the watermark (counter "indicator_facts"). Every push that applies
a version rewrites its case's `case_state` change at a new sequence number, so the cases
with a case_state change above the watermark are exactly those whose facts may be stale;
their facts are computed again from all their applied versions (coordination's
`case_facts`, the desk's own definition). Purged cases leave a tombstone (facts deleted);
when compaction may have dropped tombstones above the watermark, facts without a case
are deleted too. Every change of a fact row moves `indicator_daily` with it in the same
transaction: the old row's counts are taken off and the new row's added (an upsert
`n = n + delta`), so the daily counts always equal a count over the facts
(tests/integration/central_api/test_indicators.py holds `rebuild_daily` to that).
Sequence numbers are handed out under one lock and commit in order, so
a reader never skips a change that commits later with a smaller number.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from datetime import UTC
from typing import Any

from sqlalchemy import Connection, Engine, delete, exists, insert, select, update

from central_api import db
from coordination.indicators import load_catalogue
from coordination.indicators.facts import ZONE, case_facts

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
            orphans = list(
                conn.execute(
                    select(db.indicator_facts.c.case_id).where(
                        ~exists().where(db.cases.c.id == db.indicator_facts.c.case_id)
                    )
                ).scalars()
            )
            for start in range(0, len(orphans), CHUNK):
                remove(conn, orphans[start : start + CHUNK])
        if not rows:
            return 0
        dirty = sorted({r.object_id for r in rows if r.kind == "case_state"})
        gone = sorted({r.object_id for r in rows if r.kind == "tombstone"})
        for start in range(0, len(gone), CHUNK):
            remove(conn, gone[start : start + CHUNK])
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
    deltas = remove(conn, case_ids, apply=False)
    rows = []
    for case_id, (region_id, marked) in cases.items():
        if not versions.get(case_id):
            continue
        facts = case_facts(case_id, versions[case_id], needs_reconciliation=marked)
        rows.append({**facts.as_row(), "region_id": region_id})
    if rows:
        conn.execute(insert(db.indicator_facts), rows)
    for fact in rows:
        deltas.update(daily_keys(fact))
    apply_daily(conn, deltas)


def remove(conn: Connection, case_ids: list[str], *, apply: bool = True) -> Counter[tuple]:
    """Delete these cases' facts; their daily counts are taken off (or returned)."""
    old = conn.execute(
        select(db.indicator_facts).where(db.indicator_facts.c.case_id.in_(case_ids))
    ).all()
    deltas: Counter[tuple] = Counter()
    for row in old:
        deltas.subtract(daily_keys(row._asdict()))
    if old:
        conn.execute(delete(db.indicator_facts).where(db.indicator_facts.c.case_id.in_(case_ids)))
    if apply:
        apply_daily(conn, deltas)
    return deltas


def daily_keys(row: Mapping[Any, Any]) -> list[tuple]:
    """The (region, local day, dim, category) counts one fact row adds to."""
    received = row["received_at"]
    if received is None:
        return []  # in no period
    if received.tzinfo is None:  # SQLite hands back the stored UTC time without offset
        received = received.replace(tzinfo=UTC)
    day = received.astimezone(ZONE).date()
    region = row["region_id"]

    def key(dim: str, category: str = "") -> tuple:
        return (region, day, dim, category)

    keys = [
        key("total"),
        key("age_band", row["age_band"]),
        key("channel", row["channel"]),
        key("caller_role", row["caller_role"]),
        key("hour", str(row["local_hour"])),
    ]
    if row["urgency"] is not None:
        keys.append(key("urgency", row["urgency"]))
    if row["decided"]:
        keys.append(key("decided"))
    if row["needed_reconciliation"]:
        keys.append(key("reconciled"))
    if row["minutes_to_decision"] is not None:
        keys.append(key("minutes"))
    if row["ready"]:
        keys.append(key("ready"))
        for bit, field_id in enumerate(load_catalogue().completeness_fields):
            if row["answered_mask"] & (1 << bit):
                keys.append(key("answered", field_id))
    return keys


def apply_daily(conn: Connection, deltas: Mapping[tuple, int]) -> None:
    """Add the deltas to `indicator_daily` (an upsert on both databases)."""
    rows = [
        {"region_id": r, "day": d, "dim": dim, "category": c, "n": n}
        for (r, d, dim, c), n in deltas.items()
        if n
    ]
    if not rows:
        return
    from sqlalchemy.dialects import postgresql, sqlite

    table = db.indicator_daily
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement: Any = dialect.insert(table)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.region_id, table.c.day, table.c.dim, table.c.category],
        set_={"n": table.c.n + statement.excluded.n},
    )
    conn.execute(statement, rows)


def rebuild_daily(conn: Connection, facts: Iterable[Mapping[Any, Any]] | None = None) -> None:
    """Count `indicator_daily` again from every fact row (repair, and the tests' check)."""
    conn.execute(delete(db.indicator_daily))
    source = facts if facts is not None else conn.execute(select(db.indicator_facts)).mappings()
    counts: Counter[tuple] = Counter()
    for row in source:
        counts.update(daily_keys(row))
    apply_daily(conn, counts)
