"""The indicators of one region and period as SQL over the summary tables.

Counts come from `indicator_daily` (one row per region, local day and category: a
region-year is some 25,000 rows to add up, whatever the number of cases). The median and
p90 of the minutes to decision read two values each from `indicator_facts` along the
index (region_id, minutes_to_decision) with `LIMIT 2 OFFSET k` (no sort), interpolated
linearly between closest ranks like PostgreSQL's percentile_cont. The same statements
run on PostgreSQL and SQLite. On PostgreSQL the queries share one REPEATABLE READ
snapshot, so the counts and the offsets agree even while a catch-up commits.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime

from sqlalchemy import Connection, func, select

from central_api import db
from coordination.indicators import Cells
from coordination.indicators.availability import CapacityChange, FreePlaces
from coordination.indicators.availability import free_places as compute_free_places

D = db.indicator_daily.c
F = db.indicator_facts.c
H = db.capacity_history.c
U = db.directory_units.c
BREAKDOWNS = {"urgency", "age_band", "caller_role", "channel", "hour"}


def cells(
    conn: Connection, region_id: int, start: date, end: date, low: datetime, high: datetime
) -> Cells:
    """Counts of local days [start, end); minutes of cases received in [low, high) (UTC)."""
    out = Cells()
    rows = conn.execute(
        select(D.dim, D.category, func.sum(D.n).label("n"))
        .where(D.region_id == region_id, D.day >= start, D.day < end)
        .group_by(D.dim, D.category)
    ).all()
    for row in rows:
        n = int(row.n or 0)
        if row.dim in BREAKDOWNS:
            out.add(row.dim, row.category, n)
        elif row.dim == "answered":
            out.answered[row.category] = n
        elif row.dim == "total":
            out.total = n
        elif row.dim in {"decided", "reconciled", "ready"}:
            setattr(out, row.dim, n)
        elif row.dim == "minutes":
            out.minutes_n = n
    out.median = _percentile(conn, region_id, low, high, out.minutes_n, 0.5)
    out.p90 = _percentile(conn, region_id, low, high, out.minutes_n, 0.9)
    out.free_places = free_places(conn, region_id, low, high)
    return out


def _percentile(
    conn: Connection, region_id: int, low: datetime, high: datetime, n: int, p: float
) -> float | None:
    if n <= 0:
        return None
    h = (n - 1) * p
    k = math.floor(h)
    values = [
        float(v)
        for v in conn.execute(
            select(F.minutes_to_decision)
            .where(
                F.region_id == region_id,
                F.minutes_to_decision.isnot(None),
                F.received_at >= low,
                F.received_at < high,
            )
            .order_by(F.region_id, F.minutes_to_decision)
            .limit(2)
            .offset(k)
        ).scalars()
    ]
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return values[0] + (h - k) * (values[1] - values[0])


def free_places(
    conn: Connection, region_id: int, low: datetime, high: datetime
) -> FreePlaces | None:
    """``free_places`` from the capacity history of the region's current units: the
    changes in [low, high) plus each unit's last change before ``low``; None when the
    region has no directory."""
    import json

    units = {
        row.id: json.loads(row.characteristics)["setting"]
        for row in conn.execute(select(U.id, U.characteristics).where(U.region_id == region_id))
    }
    if not units:
        return None
    before = (
        select(func.max(H.id))
        .where(H.region_id == region_id, H.at < low)
        .group_by(H.unit_id)
        .scalar_subquery()
    )
    rows = conn.execute(
        select(H.unit_id, H.at, H.available_new, H.intake_stop_new)
        .where(H.region_id == region_id)
        .where(((H.at >= low) & (H.at < high)) | H.id.in_(before))
        .order_by(H.unit_id, H.at, H.id)
    ).all()
    changes = [
        CapacityChange(
            row.unit_id,
            row.at if row.at.tzinfo else row.at.replace(tzinfo=UTC),
            int(row.available_new),
            json.loads(row.intake_stop_new) if row.intake_stop_new else None,
        )
        for row in rows
    ]
    return compute_free_places(changes, units, low, high)
