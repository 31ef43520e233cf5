"""The indicators of one region and period as SQL aggregates over `indicator_facts`.

PostgreSQL: one scan with GROUPING SETS (a count per urgency, age band, caller role,
channel and local hour, plus the totals) and one ordered-set aggregate
(`percentile_cont`) for the median and p90. SQLite has neither, so it runs the same
groups as a UNION ALL and sorts the minutes in Python (same linear interpolation).
Both fill a `coordination.indicators.Cells`; `assemble` shapes the report.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, case, func, literal, select, tuple_, union_all

from central_api import db
from coordination.indicators import Cells, load_catalogue, percentile

F = db.indicator_facts.c
DIMENSIONS = {
    "urgency": F.urgency,
    "age_band": F.age_band,
    "caller_role": F.caller_role,
    "channel": F.channel,
    "hour": F.local_hour,
}


def _flag(condition: Any) -> Any:
    return func.sum(case((condition, 1), else_=0))


def _totals() -> list[Any]:
    fields = load_catalogue().completeness_fields
    return [
        func.count().label("n"),
        _flag(F.decided).label("decided"),
        _flag(F.needed_reconciliation).label("reconciled"),
        _flag(F.ready).label("ready"),
        *[
            _flag(F.ready & (F.answered_mask.op("&")(1 << bit) != 0)).label(f"a{bit}")
            for bit in range(len(fields))
        ],
    ]


def cells(conn: Connection, region_id: int, low: datetime, high: datetime) -> Cells:
    where = (F.region_id == region_id, F.received_at >= low, F.received_at < high)
    fields = load_catalogue().completeness_fields
    out = Cells()
    if conn.dialect.name == "postgresql":
        rows = conn.execute(
            select(
                *[column.label(name) for name, column in DIMENSIONS.items()],
                *[func.grouping(column).label(f"g_{name}") for name, column in DIMENSIONS.items()],
                *_totals(),
            )
            .where(*where)
            .group_by(func.grouping_sets(*[tuple_(c) for c in DIMENSIONS.values()], tuple_()))
        ).all()
        for row in rows:
            grouped = [name for name in DIMENSIONS if getattr(row, f"g_{name}") == 0]
            if not grouped:
                _fill_totals(out, row, fields)
            else:
                name = grouped[0]
                value = getattr(row, name)
                if value is not None:
                    out.add(name, str(value), int(row.n))
        minutes = conn.execute(
            select(
                func.count(F.minutes_to_decision),
                func.percentile_cont(0.5).within_group(F.minutes_to_decision),
                func.percentile_cont(0.9).within_group(F.minutes_to_decision),
            ).where(*where, F.minutes_to_decision.isnot(None))
        ).one()
        out.minutes_n = int(minutes[0])
        out.median = None if minutes[1] is None else float(minutes[1])
        out.p90 = None if minutes[2] is None else float(minutes[2])
        return out
    parts = [
        select(
            literal(name).label("dim"),
            column.cast(db.String).label("category"),
            func.count().label("n"),
        )
        .where(*where)
        .group_by(column)
        for name, column in DIMENSIONS.items()
    ]
    for row in conn.execute(union_all(*parts)):
        if row.category is not None:
            out.add(row.dim, str(row.category), int(row.n))
    _fill_totals(out, conn.execute(select(*_totals()).where(*where)).one(), fields)
    ordered = [
        float(m)
        for m in conn.execute(
            select(F.minutes_to_decision)
            .where(*where, F.minutes_to_decision.isnot(None))
            .order_by(F.minutes_to_decision)
        ).scalars()
    ]
    out.minutes_n = len(ordered)
    out.median = percentile(ordered, 0.5)
    out.p90 = percentile(ordered, 0.9)
    return out


def _fill_totals(out: Cells, row: Any, fields: tuple[str, ...]) -> None:
    out.total = int(row.n)
    out.decided = int(row.decided or 0)
    out.reconciled = int(row.reconciled or 0)
    out.ready = int(row.ready or 0)
    out.answered = {f: int(getattr(row, f"a{bit}") or 0) for bit, f in enumerate(fields)}
