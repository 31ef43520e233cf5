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

from sqlalchemy import Connection, and_, case, func, or_, select

from central_api import db
from coordination.indicators import Cells
from coordination.indicators.availability import CapacityChange, FreePlaces
from coordination.indicators.availability import free_places as compute_free_places
from coordination.indicators.compute import ReferralCells

D = db.indicator_daily.c
F = db.indicator_facts.c
H = db.capacity_history.c
U = db.directory_units.c
BREAKDOWNS = {"urgency", "age_band", "caller_role", "channel", "hour"}


def cells(
    conn: Connection,
    region_id: int,
    start: date,
    end: date,
    low: datetime,
    high: datetime,
    now: datetime | None = None,
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
    out.referrals = referral_cells(conn, region_id, low, high, now or datetime.now(UTC))
    return out


R = db.referrals.c


def referral_cells(
    conn: Connection, region_id: int, low: datetime, high: datetime, now: datetime
) -> ReferralCells:
    """Counts over the referrals of the cases received in [low, high) (their facts):
    requested, declined (per reason), acknowledged on time, recorded breaches per
    timer, and first contact on time per case and urgency (the case's earliest first
    contact against its deadline, counted once the contact happened or the deadline
    passed)."""
    out = ReferralCells()
    joined = db.referrals.join(db.indicator_facts, F.case_id == R.case_id)
    period = and_(
        R.region_id == region_id, F.region_id == region_id, F.received_at >= low,
        F.received_at < high,
    )  # fmt: skip
    one = case((R.status == "declined", 1), else_=0)
    met = and_(R.acknowledged_at.isnot(None), R.acknowledged_at <= R.acknowledge_by)
    counted = and_(
        R.acknowledge_by.isnot(None), or_(R.acknowledged_at.isnot(None), R.acknowledge_by < now)
    )
    row = conn.execute(
        select(
            func.count(),
            func.sum(one),
            func.sum(case((met, 1), else_=0)),
            func.sum(case((counted, 1), else_=0)),
            func.sum(case((R.acknowledge_breached, 1), else_=0)),
            func.sum(case((R.first_contact_breached, 1), else_=0)),
        )
        .select_from(joined)
        .where(period)
    ).one()
    out.requested = int(row[0] or 0)
    out.declined = int(row[1] or 0)
    out.acknowledged_on_time = int(row[2] or 0)
    out.acknowledge_counted = int(row[3] or 0)
    out.breaches = {"acknowledge": int(row[4] or 0), "first_contact": int(row[5] or 0)}
    for reason, n in conn.execute(
        select(R.decline_reason, func.count())
        .select_from(joined)
        .where(period, R.status == "declined")
        .group_by(R.decline_reason)
    ).all():
        out.decline_reasons[str(reason)] = int(n)
    per_case = (
        select(
            F.urgency.label("urgency"),
            func.min(R.first_contact_at).label("first"),
            func.max(R.first_contact_by).label("due"),
        )
        .select_from(joined)
        .where(period, F.urgency.isnot(None))
        .group_by(R.case_id, F.urgency)
        .subquery()
    )
    on_time = and_(per_case.c.first.isnot(None), per_case.c.first <= per_case.c.due)
    due = or_(per_case.c.first.isnot(None), per_case.c.due < now)
    for urgency, good, total in conn.execute(
        select(
            per_case.c.urgency,
            func.sum(case((on_time, 1), else_=0)),
            func.sum(case((due, 1), else_=0)),
        )
        .where(per_case.c.due.isnot(None))
        .group_by(per_case.c.urgency)
    ).all():
        out.contact_on_time[str(urgency)] = int(good or 0)
        out.contact_counted[str(urgency)] = int(total or 0)
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
