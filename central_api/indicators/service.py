"""Reports and exports: a checked period, the region, the facts brought up to date.

Bad input raises :class:`IndicatorInputError` naming the option/parameter (`region`,
`from`, `to`); the CLI exits 2 with it, the API answers 422 with it as `field`.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert, select
from sqlalchemy.exc import IntegrityError

from central_api import db
from central_api.indicators import facts, query
from central_api.secret_box import SecretBox
from central_api.secrets_at_rest import check_key, region_context, seal_region_in_place
from coordination.indicators import assemble
from coordination.indicators.compute import period_bounds
from coordination.indicators.dataset import Dataset, build_dataset, write_dataset
from coordination.indicators.facts import ZONE, CaseFacts


class IndicatorInputError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    @property
    def label(self) -> str:
        return f"{self.start.isoformat()}/{self.end.isoformat()}"


def parse_period(start: str | date, end: str | date, *, now: datetime | None = None) -> Period:
    """[start, end) as local dates; refuses bad dates, empty or reversed or future periods."""

    def day(value: str | date, name: str) -> date:
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(value.strip())
        except (ValueError, AttributeError):
            raise IndicatorInputError(
                name, f"{name}: {value!r} is not a date (YYYY-MM-DD)"
            ) from None

    first, last = day(start, "from"), day(end, "to")
    if last == first:
        raise IndicatorInputError(
            "to", f"to: the period {first}..{last} is empty (to is exclusive)"
        )
    if last < first:
        raise IndicatorInputError("to", f"to: {last} lies before from ({first})")
    today = (now or datetime.now(UTC)).astimezone(ZONE).date()
    if first > today:
        raise IndicatorInputError("from", f"from: {first} lies in the future (today is {today})")
    return Period(first, last)


def region_id(engine: Engine, name: str) -> int:
    with engine.connect() as conn:
        found = conn.execute(select(db.regions.c.id).where(db.regions.c.name == name)).scalar()
        conn.rollback()
    if found is None:
        raise IndicatorInputError("region", f"region: no region {name!r}")
    return int(found)


def report(
    engine: Engine,
    region: str,
    period: Period,
    *,
    public: bool = False,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Every indicator of the catalogue for `region` in `period` (exact unless public)."""
    rid = region_id(engine, region)
    facts.catch_up(engine)
    low, high = period_bounds(period.start, period.end)
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        cells = query.cells(conn, rid, period.start, period.end, low, high, now)
        conn.rollback()
    return assemble(
        cells,
        region=region,
        start=period.start,
        end=period.end,
        computed_at=now or datetime.now(UTC),
        public=public,
    )


def region_secret(engine: Engine, rid: int, box: SecretBox) -> bytes:
    """The region's pseudonym key: made on first use (32 random bytes), then kept, sealed
    with `box` (its hex is what is sealed; a key stored in the clear by an older server
    is sealed here). `SecretKeyError` when the stored key does not open."""
    for _ in range(2):
        with engine.begin() as conn:
            found = conn.execute(
                select(db.region_secrets.c.secret).where(db.region_secrets.c.region_id == rid)
            ).scalar()
            if found is not None:
                if box.is_sealed(found):
                    return bytes.fromhex(box.open(found, region_context(rid)))
                seal_region_in_place(conn, box, rid, found)
                return bytes.fromhex(found)
            check_key(conn, box)  # never seal a new key under another server key
            key = secrets.token_bytes(32)
            try:
                conn.execute(
                    insert(db.region_secrets).values(
                        region_id=rid,
                        secret=box.seal(key.hex(), region_context(rid)),
                        created_at=datetime.now(UTC),
                    )
                )
            except IntegrityError:
                continue  # made at the same moment by another export: read it
            return key
    raise RuntimeError("the region secret could not be stored")


def dataset(
    engine: Engine, region: str, period: Period, directory: Path, box: SecretBox
) -> Dataset:
    """Write the minimal dataset of `region` in `period` to `directory` (pseudonyms keyed
    by the region's secret, sealed with `box`)."""
    rid = region_id(engine, region)
    facts.catch_up(engine)
    secret = region_secret(engine, rid, box)
    low, high = period_bounds(period.start, period.end)
    columns = [c for c in db.indicator_facts.c if c.name != "region_id"]
    with engine.connect() as conn:
        rows = conn.execute(
            select(*columns).where(
                db.indicator_facts.c.region_id == rid,
                db.indicator_facts.c.received_at >= low,
                db.indicator_facts.c.received_at < high,
            )
        ).all()
        conn.rollback()
    case_facts = [CaseFacts(**row._asdict()) for row in rows]
    result = build_dataset(case_facts, region, secret)
    write_dataset(result, directory, region=region, period=period.label)
    return result
