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
from datetime import date, datetime

from sqlalchemy import Connection, func, select

from central_api import db
from coordination.indicators import Cells

D = db.indicator_daily.c
F = db.indicator_facts.c
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
