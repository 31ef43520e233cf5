"""`doorloop-central serve` as a real process on a loopback port: health, login, push, pull."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from central_api.storage import Storage
from tests.integration.central_api.conftest import PASSWORD, version

ROOT = Path(__file__).resolve().parents[3]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.slow
@pytest.mark.parametrize("workers", [1, 2])
def test_serve_answers_health_login_push_and_pull(database_url: str, workers: int) -> None:
    if workers > 1 and not database_url.startswith("postgresql"):
        refused = subprocess.run(
            [sys.executable, "-m", "central_api", "serve", "--database-url", database_url,
             "--workers", str(workers)],
            cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert refused.returncode == 2
        assert "--workers" in refused.stderr and "PostgreSQL" in refused.stderr
        return
    storage = Storage.open(database_url)
    storage.add_region("noord")
    storage.add_user("anna", PASSWORD, role="desk", region="noord")
    storage.close()

    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-m", "central_api", "serve", "--database-url", database_url,
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
         "--workers", str(workers)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                health = httpx.get(f"{base}/v1/health", timeout=2)
                break
            except httpx.TransportError:
                assert process.poll() is None, process.communicate()[1]
                assert time.monotonic() < deadline, "server did not answer within 30 s"
                time.sleep(0.2)
        assert health.status_code == 200 and health.json()["status"] == "ok"

        with httpx.Client(base_url=base, timeout=10) as client:
            login = client.post(
                "/v1/auth/login",
                json={"username": "anna", "password": PASSWORD, "device_name": "laptop"},
            )
            assert login.status_code == 200
            headers = {"Authorization": f"Bearer {login.json()['token']}"}
            user_id = login.json()["user"]["id"]
            item = version(created_by=user_id)
            pushed = client.post("/v1/sync/push", json={"versions": [item]}, headers=headers)
            assert pushed.json()["versions"][0]["result"] == "created"
            pulled = client.get("/v1/sync/pull", params={"since": 0}, headers=headers).json()
            assert [c["id"] for c in pulled["changes"]] == [item["version_id"], item["case_id"]]
            # concurrent pushes (served by every worker): each stored once, in one sequence
            batches = [[version(created_by=user_id) for _ in range(5)] for _ in range(8)]
            with ThreadPoolExecutor(4) as pool:
                answers = list(
                    pool.map(
                        lambda batch: client.post(
                            "/v1/sync/push", json={"versions": batch}, headers=headers
                        ).json(),
                        batches,
                    )
                )
            assert all(r["result"] == "created" for a in answers for r in a["versions"])
            pulled = client.get(
                "/v1/sync/pull", params={"since": 0, "limit": 1000}, headers=headers
            ).json()
            ids = [c["id"] for c in pulled["changes"] if c["kind"] == "case_version"]
            assert sorted(ids) == sorted(
                [item["version_id"]] + [v["version_id"] for b in batches for v in b]
            )
            seqs = [c["seq"] for c in pulled["changes"]]
            assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
            assert client.get("/openapi.json").json()["info"]["title"] == "Doorloop central API"
            assert client.get("/docs").status_code == 200
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stdout.close()  # type: ignore[union-attr]
        process.stderr.close()  # type: ignore[union-attr]
