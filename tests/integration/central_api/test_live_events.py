"""The live event stream and scale-out against real `doorloop-central serve` processes:
news only for the device's own region, two servers on one PostgreSQL database (exactly
once, strictly increasing seq as each desk sees it, events on both), abandoned and idle
streams that cost nothing and starve no push, and the per-device rate limit shared by
the workers of `--workers 2`."""

from __future__ import annotations

import json
import secrets
import socket
import statistics
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import httpx
import psycopg
import pytest

from central_api.db import DEFAULT_POOL_SIZE
from central_api.rate_limit import SharedRateLimiter
from central_api.storage import Storage
from tests.integration.central_api.conftest import PASSWORD, PG_DSN, PG_URL, _admin_sql
from tests.integration.central_api.conftest import version as make_version
from tests.integration.central_api.test_login_processes import serve

pytestmark = pytest.mark.slow


@pytest.fixture
def pg_url(pg_template: str) -> Iterator[str]:
    name = f"doorloop_test_{secrets.token_hex(6)}"
    _admin_sql(f'CREATE DATABASE "{name}" TEMPLATE "{pg_template}"')
    try:
        yield PG_URL.format(name=name)
    finally:
        _admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class Desk:
    token: str
    user_id: str
    region: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def desks(url: str, region: str, count: int) -> list[Desk]:
    """`count` devices of one new user in `region` (registered directly: no hashing)."""
    storage = Storage.open(url, migrate=False)
    try:
        if region not in storage.regions():
            storage.add_region(region)
        username = f"desk-{secrets.token_hex(3)}"
        storage.add_user(username, PASSWORD, role="desk", region=region)
        user = storage.authenticate(username, PASSWORD)
        assert user is not None
        return [
            Desk(storage.register_device(user, f"desk {n}")[1], user.id, region)
            for n in range(count)
        ]
    finally:
        storage.close()


def push(base: str, desk: Desk, n: int = 1) -> list[str]:
    items = [make_version(region=desk.region, created_by=desk.user_id) for _ in range(n)]
    response = httpx.post(
        f"{base}/v1/sync/push", json={"versions": items}, headers=desk.headers, timeout=30
    )
    assert response.status_code == 200, response.text
    assert all(r["result"] == "created" for r in response.json()["versions"])
    return [str(item["version_id"]) for item in items]


class Stream:
    """A client of /v1/sync/events on a thread, collecting the announced seqs."""

    def __init__(self, base: str, desk: Desk) -> None:
        self.seqs: list[int] = []
        self.opened = threading.Event()
        self._client = httpx.Client(base_url=base, timeout=httpx.Timeout(30.0))
        self._desk = desk
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        assert self.opened.wait(15), "the stream did not open"

    def _run(self) -> None:
        try:
            with self._client.stream("GET", "/v1/sync/events", headers=self._desk.headers) as r:
                assert r.status_code == 200
                assert r.headers["content-type"].startswith("text/event-stream")
                for line in r.iter_lines():
                    if line.startswith("data:"):
                        self.seqs.append(json.loads(line[5:])["seq"])
                        self.opened.set()
        except (httpx.HTTPError, RuntimeError):
            pass

    def wait_past(self, seq: int, seconds: float) -> bool:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.seqs and max(self.seqs) >= seq:
                return True
            time.sleep(0.02)
        return False

    def close(self) -> None:
        self._client.close()


def last_seq(url: str) -> int:
    storage = Storage.open(url, migrate=False)
    try:
        return storage.last_seq()
    finally:
        storage.close()


def test_a_stream_announces_pushes_of_its_own_region_only(database_url: str) -> None:
    """On PostgreSQL (NOTIFY) and SQLite (the feed polls): the first event comes at once
    with the current seq; a push in the region follows within a second; another
    region's push is not announced."""
    a1, a2 = desks(database_url, "noord", 2)
    (b,) = desks(database_url, "zuid", 1)
    with serve(database_url, "--log-level", "warning", "--rate-per-minute", "0") as server:
        stream_a, stream_b = Stream(server.base, a2), Stream(server.base, b)
        try:
            assert stream_a.seqs == [last_seq(database_url)]
            started = time.monotonic()
            push(server.base, a1, 3)
            seq = last_seq(database_url)
            assert stream_a.wait_past(seq, 5.0)
            assert time.monotonic() - started < 1.5
            time.sleep(1.0)
            assert stream_b.seqs == stream_b.seqs[:1], "zuid heard of noord's push"
        finally:
            stream_a.close()
            stream_b.close()


def test_without_a_token_there_is_no_stream(database_url: str) -> None:
    with serve(database_url, "--log-level", "warning") as server:
        response = httpx.get(f"{server.base}/v1/sync/events", timeout=10)
        assert response.status_code == 401
        bad = httpx.get(
            f"{server.base}/v1/sync/events", headers={"Authorization": "Bearer x"}, timeout=10
        )
        assert bad.status_code == 401


def pull_all(base: str, desk: Desk, since: int) -> tuple[list[tuple[int, str]], int]:
    seen: list[tuple[int, str]] = []
    for _ in range(100):
        page = httpx.get(
            f"{base}/v1/sync/pull",
            params={"since": since, "limit": 50},
            headers=desk.headers,
            timeout=30,
        ).json()
        seen += [(c["seq"], c["id"]) for c in page["changes"] if c["kind"] == "case_version"]
        since = page["next_since"]
        if not page["has_more"]:
            break
    return seen, since


def test_two_servers_on_one_database_exactly_once_in_order_with_events_on_both(
    pg_url: str,
) -> None:
    team = desks(pg_url, "noord", 4)
    args = ("--log-level", "warning", "--rate-per-minute", "0")
    with serve(pg_url, *args) as one, serve(pg_url, *args) as two:
        bases = [one.base, two.base]
        streams = [Stream(one.base, team[0]), Stream(two.base, team[1])]
        pushed: list[str] = []
        lock = threading.Lock()

        def work(index: int) -> list[tuple[int, str]]:
            """Push through one server and pull through the other, in turns."""
            desk, since, seen = team[index], 0, []
            for n in range(8):
                ids = push(bases[(index + n) % 2], desk, 1 + n % 3)
                with lock:
                    pushed.extend(ids)
                got, since = pull_all(bases[(index + n + 1) % 2], desk, since)
                seen += got
            return seen

        try:
            with ThreadPoolExecutor(4) as pool:
                views = list(pool.map(work, range(4)))
            final = last_seq(pg_url)
            for stream in streams:  # each server announced pushes made through both
                assert stream.wait_past(final, 5.0)
        finally:
            for stream in streams:
                stream.close()
        for index, view in enumerate(views):
            rest, _ = pull_all(bases[index % 2], team[index], max([0, *(s for s, _ in view)]))
            view += rest
            seqs = [seq for seq, _ in view]
            assert seqs == sorted(set(seqs)), "a desk saw a seq twice or out of order"
            ids = [vid for _, vid in view]
            assert len(ids) == len(set(ids)), "a version arrived twice"
            assert set(ids) == set(pushed), "a version was lost"


def backends(url: str) -> int:
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(PG_DSN, autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s", (name,)
        ).fetchone()
    assert row is not None
    return int(row[0])


def open_raw_stream(port: int, token: str) -> socket.socket:
    """A stream opened by hand that is then never read (a slow or idle client)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.sendall(
        f"GET /v1/sync/events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: Bearer {token}\r\nAccept: text/event-stream\r\n\r\n".encode()
    )
    return sock


def test_abandoned_and_idle_streams_cost_nothing_and_starve_no_push(pg_url: str) -> None:
    """300 streams open at once (never read: they hold no connection and no lock),
    pushes still answer quickly; the database sees no more connections than one
    worker's pool and its LISTEN, before and after the clients vanish without a
    goodbye, and the server still serves new streams."""
    pusher, idle = desks(pg_url, "noord", 2)
    with serve(pg_url, "--log-level", "warning", "--rate-per-minute", "0") as server:
        port = int(server.base.rsplit(":", 1)[1])
        push(server.base, pusher)  # warm: the pool has its connections, the feed listens
        probe = Stream(server.base, idle)
        probe.close()
        time.sleep(0.5)
        socks = [open_raw_stream(port, idle.token) for _ in range(300)]
        try:
            time.sleep(1.0)
            timings = []
            for _ in range(15):
                started = time.monotonic()
                push(server.base, pusher, 5)
                timings.append(time.monotonic() - started)
            assert statistics.median(timings) < 0.5, timings
            assert max(timings) < 2.0, timings
            # streams hold no database connection: the pool's size bounds them, not 300
            assert backends(pg_url) <= DEFAULT_POOL_SIZE + 2  # + the feed's LISTEN + ours
        finally:
            for sock in socks:  # abandoned: reset, without a goodbye
                sock.setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
                )
                sock.close()
        time.sleep(1.0)
        assert backends(pg_url) <= DEFAULT_POOL_SIZE + 2
        stream = Stream(server.base, idle)  # the server still serves streams
        try:
            push(server.base, pusher)
            assert stream.wait_past(last_seq(pg_url), 5.0)
        finally:
            stream.close()
        assert server.process.poll() is None


def test_the_rate_limit_is_shared_by_the_workers(pg_url: str) -> None:
    """6 requests a minute with a burst of 5: through `--workers 2` (new connections,
    so both workers serve) still only about 5 pass, not 5 per worker."""
    (desk,) = desks(pg_url, "noord", 1)
    env = {"DOORLOOP_CENTRAL_RATE_BURST": "5"}
    with serve(pg_url, "--log-level", "warning", "--workers", "2", "--rate-per-minute", "6",
               env=env) as server:  # fmt: skip
        codes = [
            httpx.get(
                f"{server.base}/v1/me",
                headers={**desk.headers, "Connection": "close"},
                timeout=30,
            ).status_code
            for _ in range(24)
        ]
        assert len(server.worker_cpu()) == 2
    assert codes.count(200) in (5, 6), codes  # one more may flow in during the test
    assert set(codes) == {200, 429}


def test_two_limiters_on_one_database_share_the_bucket(pg_url: str) -> None:
    """Two workers' limiters (here: two instances) take from one bucket per device."""
    storage = Storage.open(pg_url, migrate=False)
    try:
        one = SharedRateLimiter(storage.engine, per_minute=60, burst=4)
        two = SharedRateLimiter(storage.engine, per_minute=60, burst=4)
        device = str(uuid.uuid4())
        answers = [(one if n % 2 else two).take(device) for n in range(8)]
        assert answers[:4] == [None] * 4
        assert all(isinstance(a, int) and a >= 1 for a in answers[4:]), answers
        assert one.take(str(uuid.uuid4())) is None  # another device has its own bucket
    finally:
        storage.close()


def test_open_streams_do_not_keep_a_stopping_server_alive(database_url: str) -> None:
    """SIGTERM with a stream open: the server ends within its graceful timeout (5 s),
    not when the stream would (minutes later)."""
    (desk,) = desks(database_url, "noord", 1)
    with serve(database_url, "--log-level", "warning") as server:
        stream = Stream(server.base, desk)
        try:
            started = time.monotonic()
            server.process.terminate()
            server.process.wait(timeout=20)
            assert time.monotonic() - started < 10
            # uvicorn ends by re-raising the SIGTERM it handled: -15, not a kill (-9)
            assert server.process.returncode in (0, -15)
        finally:
            stream.close()
