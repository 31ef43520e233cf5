"""Directory sync: a region of 5,000 units with 1,000 capacity changes reaching a desk.

Budget (issue 17): the directory sync of 5,000 units with 1,000 capacity changes <= 2 s.
Per run (3 runs, each a fresh region in one central database, PostgreSQL when it is
reachable, else SQLite): import the synthetic region of ``bench_matching`` (5,000 units,
timed), apply 1,000 capacity changes (each with its history row; median per change),
then a new desk's first sync over loopback (the whole directory: units, organisations,
settings), building the kept directory for an offline search, and, after 1,000 more
changes, the desk's next sync. Prints medians and the verdict.

Run as ``python benchmarks/bench_directory_sync.py`` or ``python -m benchmarks directory_sync``.
"""

from __future__ import annotations

import random
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.bench_matching import synthetic_directory  # noqa: E402
from central_api.storage import Storage  # noqa: E402
from central_api.storage.directory import Actor  # noqa: E402
from desktop.store import open_store  # noqa: E402
from desktop.sync import SyncEngine  # noqa: E402
from tests.integration.sync.conftest import (  # noqa: E402
    PASSWORD,
    Central,
    create_pg_database,
    drop_pg_database,
    pg_available,
)

UNITS = 5_000
CHANGES = 1_000
RUNS = 3
BUDGET_S = 2.0


def changes(storage: Storage, region: str, units: list[str], count: int, seed: int) -> list[float]:
    """``count`` capacity changes by a coordinator; the time of each in ms."""
    pick = random.Random(seed)
    with storage.engine.connect() as conn:
        region_id = storage.region_id(conn, region)
        conn.rollback()
    actor = Actor(None, "bench", "coordinator", region_id)
    maxima = {u.id: u.capacity.maximum for u in storage.export_directory(region).units}
    times = []
    for _ in range(count):
        unit_id = pick.choice(units)
        t0 = time.perf_counter()
        storage.update_capacity(actor, unit_id, available=pick.randint(0, maxima[unit_id]))
        times.append((time.perf_counter() - t0) * 1000)
    return times


def main() -> bool:
    directory = synthetic_directory(UNITS)
    unit_ids = [unit.id for unit in directory.units]
    backend = "postgresql" if pg_available() else "sqlite"
    root = Path(tempfile.mkdtemp(prefix="doorloop-bench-directory-"))
    if backend == "postgresql":
        name, url = create_pg_database()
    else:
        name, url = "", f"sqlite:///{root / 'central.sqlite3'}"
    central = Central(url, extra_args=("--rate-per-minute", "0"))
    imports, per_change, first, build, again = [], [], [], [], []
    try:
        storage = Storage.open(url)
        central.start()
        for run in range(RUNS):
            region = f"bench-{run}-{secrets.token_hex(3)}"
            storage.add_region(region)
            storage.add_user(f"desk-{region}", PASSWORD, role="desk", region=region)
            t0 = time.perf_counter()
            storage.import_directory(region, directory)
            imports.append(time.perf_counter() - t0)
            per_change += changes(storage, region, unit_ids, CHANGES, run)
            desk = open_store(root / f"desk{run}", "bench passphrase")
            desk.create_profile("Bench", "desk", region=region)
            engine = SyncEngine(desk, use_keyring=False, pull_limit=1000)
            engine.login(central.url, f"desk-{region}", PASSWORD)
            t0 = time.perf_counter()
            report = engine.sync()
            first.append(time.perf_counter() - t0)
            assert report.outcome == "ok", report
            t0 = time.perf_counter()
            kept = engine.directory()
            build.append(time.perf_counter() - t0)
            assert kept is not None and len(kept.directory.units) == UNITS
            changes(storage, region, unit_ids, CHANGES, 100 + run)
            t0 = time.perf_counter()
            assert engine.sync().outcome == "ok"
            again.append(time.perf_counter() - t0)
            engine.close()
            desk.close()
        storage.close()
    finally:
        central.stop()
        if backend == "postgresql":
            drop_pg_database(name)
    sync_s = statistics.median(first)
    ok = sync_s <= BUDGET_S
    print(f"central database: {backend}; {UNITS:,} units, {CHANGES:,} capacity changes per run")
    print(f"  import of the region: {statistics.median(imports):.2f} s (median of {RUNS})")
    print(f"  one capacity change (current figure + history + publish): "
          f"{statistics.median(per_change):.1f} ms (median of {len(per_change):,})")  # fmt: skip
    print(f"  kept directory built for an offline search: {statistics.median(build) * 1000:.0f} ms")
    print(f"  next sync after {CHANGES:,} more changes: {statistics.median(again):.2f} s")
    print(
        f"directory sync of {UNITS:,} units after {CHANGES:,} changes (a desk's first sync): "
        f"{sync_s:.2f} s (median of {RUNS}), budget <= {BUDGET_S:.0f} s: "
        f"{'OK' if ok else 'OVER BUDGET'}"
    )
    return ok


if __name__ == "__main__":
    main()
