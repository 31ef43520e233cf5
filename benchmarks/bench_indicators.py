"""Indicators: every indicator for one region-year, on PostgreSQL (budget ≤ 1 s at 1,000,000).

The facts (`indicator_facts`, one row per case) and their daily counts (`indicator_daily`)
are generated in the database with generate_series, then
`central_api.indicators.service.report` runs as the CLI and the API do (change-log
catch-up included; here it has nothing to do). A second figure: how fast
the catch-up turns new case versions into facts (cases per second).
Set DOORLOOP_BENCH_INDICATORS_SIZES=100000 to measure smaller regions only.
"""

from __future__ import annotations

import json
import os
import secrets
import statistics
import time
import uuid
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import insert, text, update

from central_api import db
from central_api.indicators import facts as facts_table
from central_api.indicators.service import Period, report
from central_api.storage import Storage
from coordination.indicators import load_catalogue

PG_DSN = "host=127.0.0.1 port=5432 user=postgres dbname=test connect_timeout=3"
SIZES = [
    int(s) for s in os.environ.get("DOORLOOP_BENCH_INDICATORS_SIZES", "100000,1000000").split(",")
]
YEAR = Period(date(2025, 1, 1), date(2026, 1, 1))

FILL = """
INSERT INTO indicator_facts (case_id, region_id, received_at, local_hour, iso_week,
  part_of_day, weekend, channel, caller_role, age_band, gender, urgency, decided,
  minutes_to_decision, intervention, care_type, ready, answered_mask, needed_reconciliation)
SELECT :prefix || g, :region,
  timestamptz '2025-01-01 00:00+01' + ((g * 7919) % 525600) * interval '1 minute',
  (g / 60) % 24, '2025-W' || lpad((1 + g % 52)::text, 2, '0'),
  (array['0-6','6-12','12-18','18-24'])[1 + g % 4], g % 7 >= 5,
  (array['phone','chat','walk_in','referral_letter','on_site','unknown'])[1 + g % 6],
  (array['youth','parent','relative','gp','poh_ggz','district_team','school','police',
         'veilig_thuis','child_protection','crisis_service','hospital','current_provider',
         'other','unknown'])[1 + g % 15],
  (array['<12','12-15','16-17','18-22','23+','unknown'])[1 + (g / 7) % 6],
  (array['female','male','other','unknown'])[1 + g % 4],
  CASE WHEN g % 10 < 8 THEN (array['U1','U2','U3','U4','U5'])[1 + (g / 3) % 5] END,
  g % 10 < 8,
  CASE WHEN g % 10 < 8 THEN ((g * 104729) % 6000) / 10.0 END,
  'advice_caller', NULL, g % 20 < 17, g % 64, g % 50 = 0
FROM generate_series(CAST(1 AS bigint), CAST(:n AS bigint)) AS g
"""


def daily_sql() -> str:
    """The daily counts of the new rows, as the catch-up would have added them."""
    answered = ", ".join(
        f"('answered', CASE WHEN ready AND answered_mask & {1 << bit} <> 0 THEN '{field}' END)"
        for bit, field in enumerate(load_catalogue().completeness_fields)
    )
    return f"""
INSERT INTO indicator_daily (region_id, day, dim, category, n)
SELECT region_id, day, dim, category, count(*) FROM (
  SELECT f.region_id, (f.received_at AT TIME ZONE 'Europe/Amsterdam')::date AS day,
         x.dim, x.category
  FROM indicator_facts f CROSS JOIN LATERAL (VALUES
    ('total', ''), ('age_band', age_band), ('channel', channel),
    ('caller_role', caller_role), ('hour', local_hour::text), ('urgency', urgency),
    ('decided', CASE WHEN decided THEN '' END),
    ('reconciled', CASE WHEN needed_reconciliation THEN '' END),
    ('minutes', CASE WHEN minutes_to_decision IS NOT NULL THEN '' END),
    ('ready', CASE WHEN ready THEN '' END), {answered}) AS x(dim, category)
  WHERE f.case_id LIKE :prefix || '%' AND x.category IS NOT NULL
) t GROUP BY region_id, day, dim, category
ON CONFLICT (region_id, day, dim, category) DO UPDATE SET n = indicator_daily.n + excluded.n
"""


def fill(storage: Storage, region_id: int, n: int, prefix: str) -> float:
    began = time.perf_counter()
    with storage.engine.begin() as conn:
        conn.execute(text(FILL), {"prefix": prefix, "region": region_id, "n": n})
        conn.execute(text(daily_sql()), {"prefix": prefix})
    with storage.engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(
            text("VACUUM ANALYZE indicator_facts")
        )
    return time.perf_counter() - began


def time_report(storage: Storage, region: str, runs: int = 5) -> tuple[float, int]:
    report(storage.engine, region, YEAR)  # warm-up (plans, caches)
    samples = []
    total = 0
    for _ in range(runs):
        began = time.perf_counter()
        result = report(storage.engine, region, YEAR)
        samples.append(time.perf_counter() - began)
        total = result["indicators"]["cases_total"]["value"]
    return statistics.median(samples), total


def time_catch_up(storage: Storage, region_id: int, cases: int = 5000) -> float:
    """Cases per second turned into facts: two versions each, written as a push would."""
    now = datetime.now(UTC)
    with storage.engine.begin() as conn:
        seq = int(conn.execute(text("SELECT value FROM counters WHERE name = 'seq'")).scalar_one())
        versions, case_rows, changes = [], [], []
        for i in range(cases):
            cid = str(uuid.uuid4())
            received = datetime(2025, 3, 1, tzinfo=UTC) + timedelta(minutes=37 * i)
            answers = {"call.received_at": received.isoformat(), "call.channel": "phone",
                       "call.caller_role": "parent", "youth.age_estimate": 15}  # fmt: skip
            decided_at = (received + timedelta(minutes=20)).isoformat()
            decided = {**answers, "triage.urgency": "U2", "triage.decided_at": decided_at}
            for number, (status, body_answers) in enumerate(
                [("ready_for_triage", answers), ("triaged", decided)], start=1
            ):
                body = {"case_id": cid, "status": status, "answers": body_answers,
                        "number": number, "region": "bench", "training": False}  # fmt: skip
                versions.append({"id": str(uuid.uuid4()), "case_id": cid, "base_version_id": None,
                                 "region_id": region_id, "content_hash": "0" * 64,
                                 "body": json.dumps(body), "state": "applied",
                                 "received_at": now, "pushed_by_device": "bench"})  # fmt: skip
            case_rows.append({"id": cid, "region_id": region_id, "status": "triaged", "heads": "[]",
                              "needs_reconciliation": False, "updated_at": now})  # fmt: skip
            seq += 1
            changes.append({"seq": seq, "object_key": f"case:{cid}", "object_id": cid,
                            "kind": "case_state", "scope": "case", "region_id": region_id,
                            "data": "{}", "created_at": now})  # fmt: skip
        conn.execute(insert(db.versions), versions)
        conn.execute(insert(db.cases), case_rows)
        conn.execute(insert(db.changes), changes)
        conn.execute(update(db.counters).where(db.counters.c.name == "seq").values(value=seq))
    began = time.perf_counter()
    done = facts_table.catch_up(storage.engine)
    elapsed = time.perf_counter() - began
    assert done == cases, done
    return cases / elapsed


def run(url: str) -> None:
    storage = Storage.open(url)
    try:
        other = storage.add_region("elders")
        fill(storage, other, 200_000, "o")  # another region in the same table
        rate = time_catch_up(storage, other)
        print(f"catch-up of new versions into facts: {rate:,.0f} cases/s (5,000 cases, 2 versions)")
        filled = 0
        region = storage.add_region("bench")
        for size in SIZES:
            seconds = fill(storage, region, size - filled, f"b{size}-")
            filled = size
            median, total = time_report(storage, "bench")
            verdict = "ok" if size < 1_000_000 or median <= 1.0 else "OVER BUDGET"
            print(
                f"all indicators, one region-year of {total:,} cases: {median * 1000:.0f} ms "
                f"(median of 5; data built in {seconds:.1f} s) {verdict}"
            )
    finally:
        storage.close()


def main() -> None:
    if os.environ.get("DOORLOOP_BENCH_PG", "1") == "0":
        print("postgresql: skipped (DOORLOOP_BENCH_PG=0)")
        return
    try:
        import psycopg

        admin = psycopg.connect(PG_DSN, autocommit=True)
    except Exception as exc:
        print(f"postgresql: skipped ({exc})")
        return
    name = f"doorloop_bench_{secrets.token_hex(4)}"
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')  # type: ignore[arg-type]
        try:
            run(f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}")
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
