"""Sync over loopback on PostgreSQL: push and pull of 10,000 queued versions (and their
10,000 audit events), and the server's p95 latency with 50 concurrent simulated devices.
Creates and drops its own database (doorloop_bench_<random>); prints medians and the
budget verdicts."""

from __future__ import annotations

import random
import secrets
import statistics
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from central_api.storage import Storage  # noqa: E402
from desktop.store import actor_for, open_store  # noqa: E402
from desktop.sync import SyncEngine  # noqa: E402
from tests.integration.sync.conftest import (  # noqa: E402
    PASSWORD,
    Central,
    create_pg_database,
    drop_pg_database,
)

VERSIONS = 10_000
DEVICES = 50
REQUESTS_PER_DEVICE = 20
BUDGET = 2_000.0
WORKERS = 2


def queue_versions(store, n: int) -> None:  # type: ignore[no-untyped-def]
    """n versions queued offline (fast path: one transaction per 500 cases)."""
    actor = actor_for(store.profile())
    for start in range(0, n, 500):
        with store.atomic():
            for i in range(start, min(n, start + 500)):
                store.cases.create(actor, answers={"youth.first_name": f"Kind {i}"})


def main() -> None:
    name, url = create_pg_database()
    # as a region would run it on PostgreSQL: one worker process per core
    central = Central(
        url,
        extra_args=(
            "--rate-per-minute", "0", "--log-level", "warning", "--workers", str(WORKERS),
        ),
    )  # fmt: skip
    root = Path(tempfile.mkdtemp(prefix="doorloop-bench-sync-"))
    try:
        central.start()
        storage = Storage.open(url, migrate=False)
        storage.add_region("demo")
        storage.add_user("bench", PASSWORD, role="desk", region="demo")
        storage.close()
        push_rates, pull_rates = [], []
        for run in range(3):
            sender = open_store(root / f"sender{run}", "bench passphrase")
            sender.create_profile("Bench", "desk")
            queue_versions(sender, VERSIONS)
            engine = SyncEngine(sender, use_keyring=False, push_batch=1000, pull_limit=5000)
            engine.login(central.url, "bench", PASSWORD)
            engine.state.set_pull_since(10**12)  # measure the push alone
            t0 = time.perf_counter()
            engine._push({"pushed": 0, "acknowledged": 0, "quarantined": 0}, [])
            push_rates.append(VERSIONS / (time.perf_counter() - t0))
            assert sender.outbox.unsynced_count() == 0
            receiver = open_store(root / f"receiver{run}", "bench passphrase")
            receiver.create_profile("Bench", "desk")
            puller = SyncEngine(receiver, use_keyring=False, pull_limit=5000)
            puller.login(central.url, "bench", PASSWORD)
            t0 = time.perf_counter()
            puller._pull({"pulled": 0}, [], [False])
            elapsed = time.perf_counter() - t0
            got = receiver.db.execute("SELECT count(*) FROM case_versions").fetchone()[0]
            pull_rates.append(got / elapsed)
            for item in (engine, puller):
                item.close()
            sender.close()
            receiver.close()
        push, pull = statistics.median(push_rates), statistics.median(pull_rates)
        print("runs: push", [round(r) for r in push_rates], "pull", [round(r) for r in pull_rates])
        print(f"central API: {WORKERS} worker processes on PostgreSQL; desk: 2 batches in flight")
        print(f"push: median {push:,.0f} versions/s over 3 runs of {VERSIONS:,}")
        print(f"pull: median {pull:,.0f} versions/s (cumulative stores up to {3 * VERSIONS:,})")
        print(f"  push budget >= {BUDGET:,.0f}/s: {'PASS' if push >= BUDGET else 'FAIL'}")
        print(f"  pull budget >= {BUDGET:,.0f}/s: {'PASS' if pull >= BUDGET else 'FAIL'}")
        print(f"p95 with {DEVICES} concurrent devices: {concurrent_p95(central):.1f} ms")
    finally:
        central.stop()
        drop_pg_database(name)


def concurrent_p95(central: Central) -> float:
    """50 devices, each pushing small batches and pulling, at the same time."""
    tokens = []
    for n in range(DEVICES):
        response = httpx.post(
            f"{central.url}/v1/auth/login",
            json={"username": "bench", "password": PASSWORD, "device_name": f"sim{n}"},
            timeout=30,
        )
        tokens.append(response.json()["token"])
    latencies: list[float] = []
    lock = threading.Lock()

    def device(token: str) -> None:
        rng = random.Random(token)
        with httpx.Client(
            base_url=central.url, headers={"Authorization": f"Bearer {token}"}, timeout=60
        ) as client:
            for _ in range(REQUESTS_PER_DEVICE):
                now = datetime.now(UTC).isoformat()
                if rng.random() < 0.5:
                    body = {"versions": [_version(now) for _ in range(5)]}
                    t0 = time.perf_counter()
                    client.post("/v1/sync/push", json=body).raise_for_status()
                else:
                    t0 = time.perf_counter()
                    client.get("/v1/sync/pull", params={"since": 0, "limit": 100})
                with lock:
                    latencies.append((time.perf_counter() - t0) * 1000)

    threads = [threading.Thread(target=device, args=(t,)) for t in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)
    return statistics.quantiles(latencies, n=20)[18]


def _version(now: str) -> dict[str, object]:
    return {
        "version_id": str(uuid.uuid4()),
        "case_id": str(uuid.uuid4()),
        "form": {"id": "intake", "version": "1"},
        "status": "draft",
        "answers": {"youth.first_name": secrets.token_hex(4)},
        "region": "demo",
        "created_at": now,
        "updated_at": now,
        "device_time": now,
        "created_by": "bench",
        "device_id": str(uuid.uuid4()),
    }


if __name__ == "__main__":
    main()
