"""`doorloop-central serve` as a real process on a loopback port: health, login, push, pull."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.helpers.central import PASSWORD, add_anna, central, serve
from tests.integration.central_api.conftest import version


@pytest.mark.slow
@pytest.mark.parametrize("workers", [1, 2])
def test_serve_answers_health_login_push_and_pull(database_url: str, workers: int) -> None:
    if workers > 1 and not database_url.startswith("postgresql"):
        refused = central("serve", "--database-url", database_url, "--workers", str(workers))
        assert refused.returncode == 2
        assert "--workers" in refused.stderr and "PostgreSQL" in refused.stderr
        return
    add_anna(database_url)
    with serve(database_url, "--log-level", "warning", "--workers", str(workers)) as server:
        health = httpx.get(f"{server.base}/v1/health", timeout=2)
        assert health.status_code == 200 and health.json()["status"] == "ok"
        with httpx.Client(base_url=server.base, timeout=10) as client:
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
