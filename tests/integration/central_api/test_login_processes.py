"""Login hardening against real `doorloop-central` processes: X-Forwarded-For is trusted
only from a configured proxy, the throttle is shared by the workers of `serve --workers 2`,
a flood of logins stays within a memory bound (503 instead of growing), tokens stay out
of the logs."""

from __future__ import annotations

import statistics
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.helpers.central import PASSWORD, RIGHT, WRONG, add_anna, central, serve

pytestmark = pytest.mark.slow


def test_rotating_x_forwarded_for_gives_no_bypass_without_a_configured_proxy(
    database_url: str,
) -> None:
    add_anna(database_url)
    with serve(database_url, "--log-level", "warning") as server:
        codes = [
            server.post(WRONG, **{"X-Forwarded-For": f"203.0.113.{i}"}).status_code
            for i in range(1, 9)
        ]
    assert codes == [401] * 5 + [429] * 3


def test_a_configured_proxy_passes_the_client_address_through(database_url: str) -> None:
    """Behind the proxy (here: 127.0.0.1), each client is throttled on its own: the
    attacker's address is blocked, the colleague behind the same proxy logs in."""
    add_anna(database_url)
    with serve(database_url, "--forwarded-allow-ips", "127.0.0.1,::1") as server:
        attacker = {"X-Forwarded-For": "203.0.113.66"}
        codes = [server.post(WRONG, **attacker).status_code for _ in range(7)]
        assert codes == [401] * 5 + [429] * 2
        assert server.post(RIGHT, **attacker).status_code == 429
        colleague = server.post(RIGHT, **{"X-Forwarded-For": "198.51.100.7"})
        assert colleague.status_code == 200, colleague.text
    # another proxy configured: the header from 127.0.0.1 is not believed, rotating it
    # does not help
    with serve(database_url, "--forwarded-allow-ips", "10.20.0.0/16") as server:
        codes = [
            server.post(WRONG, **{"X-Forwarded-For": f"198.51.100.{i}"}).status_code
            for i in range(10, 16)
        ]
        assert codes == [401] * 5 + [429]


def test_forwarded_allow_ips_refuses_a_wildcard(database_url: str) -> None:
    refused = central("serve", "--database-url", database_url, "--forwarded-allow-ips", "*")
    assert refused.returncode == 2 and "--forwarded-allow-ips" in refused.stderr


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_the_login_throttle_is_shared_by_two_workers(database_url: str) -> None:
    """--workers above 1 runs on PostgreSQL only."""
    add_anna(database_url)
    with serve(database_url, "--workers", "2", "--log-level", "warning") as server:
        before = server.worker_cpu()
        codes = [server.post(WRONG).status_code for _ in range(14)]
        used = {pid: ticks - before[pid] for pid, ticks in server.worker_cpu().items()}
    assert len(used) == 2 and all(used.values()), used  # both workers answered logins
    # per-process counters would have allowed 5 failures in each worker
    assert codes == [401] * 5 + [429] * 9


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_flood_of_unknown_user_logins_stays_within_a_memory_bound(database_url: str) -> None:
    """60 concurrent logins for unknown users from 60 addresses (behind the proxy) on
    production argon2 parameters (64 MiB each): two are checked at once, 16 wait, the
    rest get 503 with Retry-After; memory stays bounded instead of 60 x 64 MiB. (The
    memory is the server process's own: one database is enough.)"""
    add_anna(database_url)
    env = {"DOORLOOP_CENTRAL_LOGIN_HASH_SLOTS": "2", "DOORLOOP_CENTRAL_LOGIN_HASH_QUEUE": "16"}
    args = ("--forwarded-allow-ips", "127.0.0.1", "--log-level", "warning")
    with serve(database_url, *args, env=env) as server:
        warm = {"username": "warm-up", "password": "x" * 12, "device_name": "d"}
        assert server.post(warm).status_code == 401  # makes the dummy hash
        before = server.memory_mib("VmRSS")

        def one(i: int) -> tuple[int, float, str | None]:
            started = time.monotonic()
            answer = server.post(
                {"username": f"nobody{i}", "password": "wrong-password-x", "device_name": "d"},
                **{"X-Forwarded-For": f"10.1.{i // 250}.{i % 250 + 1}"},
            )
            return answer.status_code, time.monotonic() - started, answer.headers.get("Retry-After")

        with ThreadPoolExecutor(60) as pool:
            results = list(pool.map(one, range(60)))
        peak = server.memory_mib("VmHWM")
    codes = Counter(code for code, _, _ in results)
    latency = statistics.median(t for _, t, _ in results)
    print(f"flood: rss {before} MiB, peak {peak} MiB, {dict(codes)}, median {latency:.2f} s")
    assert set(codes) <= {401, 503} and codes[503] >= 30 and codes[401] >= 2
    assert all(int(after) >= 1 for code, _, after in results if code == 503 and after)
    assert all(after for code, _, after in results if code == 503)
    # two argon2 checks at once (2 x 64 MiB) plus headroom; unbounded it was ~2 GiB
    assert peak - before < 320, (before, peak)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_tokens_and_passwords_never_reach_the_log(database_url: str) -> None:
    add_anna(database_url)
    with serve(database_url, "--log-level", "debug") as server:
        token = server.post(RIGHT).json()["token"]
        headers = {"Authorization": f"Bearer {token}"}
        assert httpx.get(f"{server.base}/v1/me", headers=headers).status_code == 200
        assert httpx.post(f"{server.base}/v1/auth/logout", headers=headers).status_code == 204
        assert httpx.get(f"{server.base}/v1/me", headers=headers).status_code == 401
        assert server.post(WRONG).status_code == 401
    log = "".join(server.log)
    assert "/v1/auth/login" in log  # the access log was written
    assert token not in log and PASSWORD not in log and WRONG["password"] not in log
