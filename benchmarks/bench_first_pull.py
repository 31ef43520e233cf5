"""A new laptop's first sync: a desk with an empty store pulls a region of 100,000 cases
from a real `doorloop-central serve --workers 2` on PostgreSQL (DESIGN.md budget: <= 30 s).

The region is seeded over HTTP (batches of 1,000 new cases, one version each, received
today so every case is within the desk's view); then a new desk registers, logs in and
pulls until the server says there is no more. Reports the wall time from the first pull
request to the last page stored, the cases in the desk's encrypted store and the rate.
Creates and drops its own database. DOORLOOP_BENCH_FIRST_PULL_CASES changes the size;
DOORLOOP_BENCH_PG=0 skips.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from central_api.storage import Storage  # noqa: E402
from desktop.store import open_store  # noqa: E402
from desktop.sync import SyncEngine  # noqa: E402
from tests.integration.sync.conftest import (  # noqa: E402
    PASSWORD,
    Central,
    create_pg_database,
    drop_pg_database,
)

CASES = int(os.environ.get("DOORLOOP_BENCH_FIRST_PULL_CASES", "100000"))
BATCH = 1_000
WORKERS = 2
BUDGET_S = 30.0


def new_case(stamp: str, author: str, device: str) -> dict[str, object]:
    return {
        "version_id": str(uuid.uuid4()),
        "case_id": str(uuid.uuid4()),
        "base_version_id": None,
        "form": {"id": "intake", "version": "1"},
        "status": "ready_for_triage",
        "answers": {
            "call.received_at": stamp,
            "call.caller_role": "parent",
            "youth.first_name": "Sem",
            "situation.summary": "Synthetische casus voor de eerste synchronisatie.",
        },
        "region": "demo",
        "created_at": stamp,
        "updated_at": stamp,
        "device_time": stamp,
        "created_by": author,
        "device_id": device,
    }


def seed(url: str) -> float:
    """Push CASES new cases as another desk of the region; seconds taken."""
    started = time.perf_counter()
    with httpx.Client(base_url=url, timeout=120) as client:
        login = client.post(
            "/v1/auth/login",
            json={"username": "seeder", "password": PASSWORD, "device_name": "seeder"},
        )
        login.raise_for_status()
        session = login.json()
        client.headers["Authorization"] = f"Bearer {session['token']}"
        author, device = str(session["user"]["id"]), str(session["device_id"])
        stamp = datetime.now(UTC).isoformat(timespec="milliseconds")
        for start in range(0, CASES, BATCH):
            count = min(BATCH, CASES - start)
            body = {"versions": [new_case(stamp, author, device) for _ in range(count)]}
            response = client.post("/v1/sync/push", json=body)
            response.raise_for_status()
            refused = [r for r in response.json()["versions"] if not r.get("stored")]
            if refused:
                raise RuntimeError(f"the server refused seeded cases: {refused[:1]}")
    return time.perf_counter() - started


def main() -> None:
    print(
        f"first pull: a new desk pulls a region of {CASES:,} cases from `serve --workers "
        f"{WORKERS}` on PostgreSQL; budget <= {BUDGET_S:.0f} s"
    )
    if os.environ.get("DOORLOOP_BENCH_PG", "1") == "0":
        print("postgresql: skipped (DOORLOOP_BENCH_PG=0)")
        return
    name, url = create_pg_database()
    central = Central(
        url,
        extra_args=(
            "--rate-per-minute", "0", "--log-level", "warning", "--workers", str(WORKERS),
        ),
    )  # fmt: skip
    root = Path(tempfile.mkdtemp(prefix="doorloop-bench-first-pull-"))
    try:
        central.start()
        storage = Storage.open(url, migrate=False)
        storage.add_region("demo")
        storage.add_user("seeder", PASSWORD, role="desk", region="demo")
        storage.add_user("nieuw", PASSWORD, role="desk", region="demo")
        storage.close()
        seconds = seed(central.url)
        print(f"seeded {CASES:,} cases in {seconds:.1f} s")
        store = open_store(root / "new-laptop", "bench passphrase")
        store.create_profile("Nieuwe laptop", "desk")
        engine = SyncEngine(store, use_keyring=False)
        engine.login(central.url, "nieuw", PASSWORD)
        started = time.perf_counter()
        engine._pull({"pulled": 0}, [], [False])
        elapsed = time.perf_counter() - started
        got = store.db.execute("SELECT count(DISTINCT case_id) FROM case_versions").fetchone()[0]
        engine.close()
        store.close()
        verdict = "OK" if got == CASES and elapsed <= BUDGET_S else "OVER BUDGET"
        print(
            f"first pull: {got:,} cases in {elapsed:.1f} s ({got / elapsed:,.0f} cases/s), "
            f"budget <= {BUDGET_S:.0f} s: {verdict}"
        )
    finally:
        central.stop()
        drop_pg_database(name)


if __name__ == "__main__":
    main()
