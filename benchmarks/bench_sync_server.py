"""Sync over loopback: versions/s pushed and pulled through a real `doorloop-central serve`.

Starts the server as a process on a free 127.0.0.1 port with a fresh SQLite database (and
PostgreSQL too when 127.0.0.1:5432 answers and DOORLOOP_BENCH_PG is not "0"), pushes
10,000 versions in batches of 500 and pulls them back in pages of 500. Budget (DESIGN.md):
≥ 2,000 versions/s each way. Traffic goes to loopback only; every loop is bounded.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from central_api.storage import Storage  # noqa: E402

TOTAL = 10_000
BATCH = 500
PASSWORD = "bench password 1"
PG_DSN = "host=127.0.0.1 port=5432 user=postgres dbname=test connect_timeout=3"


def server_env() -> dict[str, str]:
    """The environment for a `serve` the bench starts: this checkout on the path, and a
    server key (PostgreSQL refuses to start without one; each run's database is new, so
    a fresh key per bench process seals nothing it must open again)."""
    from central_api.secret_box import ENV_SECRET_KEY, new_key_text

    os.environ.setdefault(ENV_SECRET_KEY, new_key_text())
    return {**os.environ, "PYTHONPATH": str(ROOT)}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def make_version(region: str, author: str) -> dict[str, object]:
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
            "youth.birth_date": "2011-04-02",
            "situation.summary": "Synthetische casus voor de benchmark. " * 4,
        },
        "region": region,
        "created_at": stamp,
        "updated_at": stamp,
        "device_time": stamp,
        "created_by": author,  # the server refuses another user's name
        "device_id": str(uuid.uuid4()),
    }


def run(url: str, label: str) -> None:
    storage = Storage.open(url)
    storage.add_region("bench")
    storage.add_user("bench", PASSWORD, role="desk", region="bench")
    storage.close()
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "central_api", "serve", "--database-url", url,
         "--port", str(port), "--log-level", "warning", "--rate-per-minute", "0"],
        cwd=ROOT, env=server_env(),
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{base}/v1/health", timeout=2)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("server did not start") from None
                time.sleep(0.2)
        with httpx.Client(base_url=base, timeout=60) as client:
            login = client.post(
                "/v1/auth/login",
                json={"username": "bench", "password": PASSWORD, "device_name": "bench"},
            ).json()
            headers = {"Authorization": f"Bearer {login['token']}"}
            items = [make_version("bench", login["user"]["id"]) for _ in range(TOTAL)]
            started = time.perf_counter()
            for start in range(0, TOTAL, BATCH):
                response = client.post(
                    "/v1/sync/push",
                    json={"versions": items[start : start + BATCH]},
                    headers=headers,
                )
                response.raise_for_status()
            push_s = time.perf_counter() - started

            pulled, since, pages = 0, 0, 0
            started = time.perf_counter()
            while pages < 10 * TOTAL // BATCH:
                page = client.get(
                    "/v1/sync/pull", params={"since": since, "limit": BATCH}, headers=headers
                ).json()
                pulled += sum(1 for c in page["changes"] if c["kind"] == "case_version")
                since, pages = page["next_since"], pages + 1
                if not page["has_more"]:
                    break
            pull_s = time.perf_counter() - started
        assert pulled == TOTAL, pulled
        print(f"{label}: push {TOTAL / push_s:,.0f} versions/s ({push_s:.2f} s)", flush=True)
        print(f"{label}: pull {TOTAL / pull_s:,.0f} versions/s ({pull_s:.2f} s)", flush=True)
    finally:
        server.terminate()
        server.wait(timeout=15)


def main() -> None:
    print(f"{TOTAL} versions, batches/pages of {BATCH}, budget ≥ 2,000 versions/s each way")
    with tempfile.TemporaryDirectory() as tmp:
        run(f"sqlite:///{tmp}/bench.sqlite3", "sqlite")
    if os.environ.get("DOORLOOP_BENCH_PG", "1") == "0":
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
            run(f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}", "postgresql")
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
