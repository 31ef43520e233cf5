"""A region's real load: 200 desks pushing and pulling small batches through a real
`doorloop-central serve --workers 2` on PostgreSQL, with live event streams.

Every simulated desk (10 regions of 20) repeats: think for 5-25 s, push 1-20 new
versions, pull what its region changed since its cursor. One desk per region also keeps
the live event stream (`/v1/sync/events`) open and pulls as soon as it announces news:
the *propagation* figure is the time from desk A starting its push to that desk having
pulled A's version. Reports p50/p95/p99 of every request, errors, and propagation
p50/p95; each figure is the median of RUNS runs, with the spread (min-max). Budgets
(DESIGN.md): request p95 <= 150 ms at 200 desks, propagation p95 <= 2 s.

Environment: DOORLOOP_BENCH_PG=0 skips (needs PostgreSQL on 127.0.0.1:5432),
DOORLOOP_BENCH_LOAD_DEVICES / _SECONDS / _RUNS / _WORKERS / _THINK change the size.
Loopback only; every loop is bounded by the run's duration.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import secrets
import signal
import statistics
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.bench_sync_server import PG_DSN, free_port, server_env  # noqa: E402
from benchmarks.common import percentile  # noqa: E402
from central_api.storage import Storage  # noqa: E402

DEVICES = int(os.environ.get("DOORLOOP_BENCH_LOAD_DEVICES", "200"))
SECONDS = float(os.environ.get("DOORLOOP_BENCH_LOAD_SECONDS", "40"))
RUNS = int(os.environ.get("DOORLOOP_BENCH_LOAD_RUNS", "3"))
WORKERS = int(os.environ.get("DOORLOOP_BENCH_LOAD_WORKERS", "2"))
REGIONS = 10
# seconds between one desk's syncs: a desk syncs when a person saves (every 5-25 s while
# working a case); DOORLOOP_BENCH_LOAD_THINK="2,10" is a heavier, rush-hour profile
THINK = tuple(float(x) for x in os.environ.get("DOORLOOP_BENCH_LOAD_THINK", "5,25").split(","))
BATCH = (1, 20)
PASSWORD = "bench password 1"
P95_BUDGET_MS = 150.0
PROPAGATION_BUDGET_S = 2.0


def version(region: str, author: str, device: str) -> dict[str, object]:
    stamp = "2026-11-23T03:12:00+01:00"
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
            "situation.summary": "Synthetische casus voor de belastingtest.",
        },
        "region": region,
        "created_at": stamp,
        "updated_at": stamp,
        "device_time": stamp,
        "created_by": author,
        "device_id": device,
    }


@dataclass
class Device:
    token: str
    user_id: str
    device_id: str
    region: str
    since: int = 0


@dataclass
class Results:
    latencies: dict[str, list[float]] = field(default_factory=lambda: {"push": [], "pull": []})
    errors: dict[str, int] = field(default_factory=dict)
    pushed_at: dict[str, float] = field(default_factory=dict)  # version id -> push start
    propagation: list[float] = field(default_factory=list)

    def error(self, what: str) -> None:
        self.errors[what] = self.errors.get(what, 0) + 1


def setup(url: str) -> list[Device]:
    storage = Storage.open(url)
    devices: list[Device] = []
    try:
        for r in range(REGIONS):
            region = f"regio-{r}"
            storage.add_region(region)
            storage.add_user(f"desk-{r}", PASSWORD, role="desk", region=region)
            user = storage.authenticate(f"desk-{r}", PASSWORD)
            assert user is not None
            for d in range(DEVICES // REGIONS):
                device_id, token = storage.register_device(user, f"desk {r}-{d}")
                devices.append(Device(token, user.id, device_id, region))
    finally:
        storage.close()
    return devices


async def timed(results: Results, kind: str, call: object) -> httpx.Response | None:
    started = time.perf_counter()
    try:
        response = await call  # type: ignore[misc]
    except httpx.HTTPError as exc:
        results.error(f"{kind}: {type(exc).__name__}")
        return None
    results.latencies[kind].append(time.perf_counter() - started)
    if response.status_code != 200:
        results.error(f"{kind}: HTTP {response.status_code}")
        return None
    return response


async def pull(client: httpx.AsyncClient, device: Device, results: Results) -> list[str]:
    """Pull everything new for `device`; the version ids it got."""
    seen: list[str] = []
    for _page in range(50):
        response = await timed(
            results,
            "pull",
            client.get(
                "/v1/sync/pull",
                params={"since": device.since, "limit": 1000},
                headers={"Authorization": f"Bearer {device.token}"},
            ),
        )
        if response is None:
            return seen
        page = json.loads(response.content)
        seen += [c["id"] for c in page["changes"] if c["kind"] == "case_version"]
        device.since = page["next_since"]
        if not page["has_more"]:
            break
    return seen


async def desk(
    client: httpx.AsyncClient, device: Device, results: Results, rng: random.Random, ends: float
) -> None:
    headers = {"Authorization": f"Bearer {device.token}"}
    await asyncio.sleep(rng.uniform(0, sum(THINK) / 2))  # desks do not start in step
    while time.monotonic() < ends:
        items = [
            version(device.region, device.user_id, device.device_id)
            for _ in range(rng.randint(*BATCH))
        ]
        started = time.monotonic()
        results.pushed_at[str(items[0]["version_id"])] = started
        await timed(
            results, "push", client.post("/v1/sync/push", json={"versions": items}, headers=headers)
        )
        await pull(client, device, results)
        await asyncio.sleep(rng.uniform(*THINK))


async def observer(
    base: str, client: httpx.AsyncClient, device: Device, results: Results, ends: float
) -> None:
    """Keeps the event stream open; pulls at once on news, and notes when versions land."""
    news = asyncio.Event()

    async def listen() -> None:
        while time.monotonic() < ends:
            try:
                async with (
                    httpx.AsyncClient(base_url=base, timeout=30) as stream_client,
                    stream_client.stream(
                        "GET",
                        "/v1/sync/events",
                        headers={"Authorization": f"Bearer {device.token}"},
                    ) as response,
                ):
                    if response.status_code == 404:
                        return  # a server without the stream: its desks learn by polling
                    if response.status_code != 200:
                        results.error(f"stream: HTTP {response.status_code}")
                        await asyncio.sleep(1.0)
                        continue
                    async for line in response.aiter_lines():
                        if line.startswith("data:"):
                            news.set()
            except httpx.HTTPError:
                results.error("stream: broken")
                await asyncio.sleep(0.5)

    listener = asyncio.create_task(listen())
    try:
        await pull(client, device, results)
        while time.monotonic() < ends:
            try:
                await asyncio.wait_for(news.wait(), max(0.01, ends - time.monotonic()))
            except TimeoutError:
                break
            news.clear()
            for version_id in await pull(client, device, results):
                pushed = results.pushed_at.get(version_id)
                if pushed is not None:
                    results.propagation.append(time.monotonic() - pushed)
    finally:
        listener.cancel()


async def load(base: str, devices: list[Device], seed: int) -> Results:
    results = Results()
    rng = random.Random(seed)
    ends = time.monotonic() + SECONDS
    limits = httpx.Limits(max_connections=len(devices) + 50, max_keepalive_connections=len(devices))
    async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits) as client:
        observers, seen = [], set()
        for device in devices:
            if device.region not in seen:
                seen.add(device.region)
                observers.append(
                    Device(device.token, device.user_id, device.device_id, device.region)
                )
        await asyncio.gather(
            *(desk(client, d, results, random.Random(rng.random()), ends) for d in devices),
            *(observer(base, client, o, results, ends + 3) for o in observers),
        )
    return results


def start_server(url: str, workers: int) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    profile = os.environ.get("DOORLOOP_BENCH_PROFILE")  # a cProfile output file (1 worker)
    prefix = ["-m", "cProfile", "-o", profile] if profile else []
    server = subprocess.Popen(
        [sys.executable, *prefix, "-m", "central_api", "serve", "--database-url", url,
         "--port", str(port), "--log-level", "warning", "--workers", str(workers)],
        cwd=ROOT, env=server_env(),
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{base}/v1/health", timeout=2).status_code == 200:
                return server, base
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline or server.poll() is not None:
            server.kill()
            raise SystemExit("server did not start")
        time.sleep(0.2)


def server_cpu(pid: int) -> float:
    """CPU seconds used so far by the server process and its workers (Linux /proc)."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    pids = [pid]
    try:
        with open(f"/proc/{pid}/task/{pid}/children", encoding="ascii") as children:
            pids += [int(p) for p in children.read().split()]
    except OSError:
        return 0.0
    for each in pids:
        try:
            with open(f"/proc/{each}/stat", encoding="ascii") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def one_run(admin: object, seed: int) -> dict[str, float]:
    name = f"doorloop_bench_{secrets.token_hex(4)}"
    admin.execute(f'CREATE DATABASE "{name}"')  # type: ignore[attr-defined]
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    try:
        devices = setup(url)
        server, base = start_server(url, WORKERS)
        try:
            cpu_before, own_before = server_cpu(server.pid), time.process_time()
            results = asyncio.run(load(base, devices, seed))
            cpu = server_cpu(server.pid) - cpu_before
            own = time.process_time() - own_before
        finally:
            server.send_signal(signal.SIGINT)
            server.wait(timeout=30)
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[attr-defined]
    every = results.latencies["push"] + results.latencies["pull"]
    figures = {
        "requests": float(len(every)),
        "req/s": len(every) / SECONDS,
        "p50 ms": percentile(every, 50) * 1000,
        "p95 ms": percentile(every, 95) * 1000,
        "p99 ms": percentile(every, 99) * 1000,
        "push p95 ms": percentile(results.latencies["push"], 95) * 1000,
        "pull p95 ms": percentile(results.latencies["pull"], 95) * 1000,
        "errors": float(sum(results.errors.values())),
        "server cpu %": 100 * cpu / (SECONDS + 3),
        "client cpu %": 100 * own / (SECONDS + 3),
        "propagation p50 s": percentile(results.propagation, 50) if results.propagation else -1,
        "propagation p95 s": percentile(results.propagation, 95) if results.propagation else -1,
    }
    if results.errors:
        print(f"  run {seed}: errors {results.errors}", flush=True)
    return figures


def main() -> None:
    print(
        f"{DEVICES} desks in {REGIONS} regions, {SECONDS:.0f} s per run, {RUNS} runs, "
        f"--workers {WORKERS}, PostgreSQL; think {THINK[0]:.0f}-{THINK[1]:.0f} s, "
        f"batches of {BATCH[0]}-{BATCH[1]} versions; budgets: p95 <= {P95_BUDGET_MS:.0f} ms, "
        f"propagation p95 <= {PROPAGATION_BUDGET_S:.0f} s"
    )
    if os.environ.get("DOORLOOP_BENCH_PG", "1") == "0":
        print("postgresql: skipped (DOORLOOP_BENCH_PG=0)")
        return
    try:
        import psycopg

        admin = psycopg.connect(PG_DSN, autocommit=True)
    except Exception as exc:
        print(f"postgresql: skipped ({exc})")
        return
    runs: list[dict[str, float]] = []
    with admin:
        for seed in range(1, RUNS + 1):
            runs.append(one_run(admin, seed))
            shown = ", ".join(
                f"{k} {v:,.0f}" if v >= 10 else f"{k} {v:.2f}" for k, v in runs[-1].items()
            )
            print(f"  run {seed}: {shown}", flush=True)
    for key in runs[0]:
        values = [run[key] for run in runs]
        middle = statistics.median(values)
        fmt = "{:,.0f}" if middle >= 10 else "{:.2f}"
        spread = f"{fmt.format(min(values))}-{fmt.format(max(values))}"
        print(f"{key}: {fmt.format(middle)} (median of {len(runs)}, spread {spread})")
    p95 = statistics.median(run["p95 ms"] for run in runs)
    prop = statistics.median(run["propagation p95 s"] for run in runs)
    prop_ok = 0 <= prop <= PROPAGATION_BUDGET_S
    print(f"verdict: request p95 {'OK' if p95 <= P95_BUDGET_MS else 'OVER BUDGET'}, "
          f"propagation p95 {'OK' if prop_ok else 'OVER BUDGET'}")  # fmt: skip


if __name__ == "__main__":
    main()
