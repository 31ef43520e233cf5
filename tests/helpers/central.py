"""Running the real `doorloop-central` as a process, for the central API tests: a free
loopback port, an admin command, and `serve` on a database until its health answers."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from central_api.storage import Storage

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery"
#: login bodies for `anna`: the right password, and a wrong one
RIGHT = {"username": "anna", "password": PASSWORD, "device_name": "laptop"}
WRONG = {"username": "anna", "password": "not the password", "device_name": "laptop"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env(extra: dict[str, str] | None = None) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), **(extra or {})}


def central(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """`doorloop-central ARGS` to its end (an admin command, or a refused `serve`)."""
    return subprocess.run(
        [sys.executable, "-m", "central_api", *args],
        cwd=ROOT, env=_env(), input=stdin, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def add_anna(database_url: str) -> None:
    """Region `noord` with the desk user `anna` (password PASSWORD)."""
    storage = Storage.open(database_url)
    storage.add_region("noord")
    storage.add_user("anna", PASSWORD, role="desk", region="noord")
    storage.close()


@dataclass
class Server:
    """A running `doorloop-central serve`; `log` holds its output once it has stopped."""

    process: subprocess.Popen[str]
    base: str
    log: list[str]

    def post(self, body: dict[str, Any], **headers: str) -> httpx.Response:
        """A login; a new connection each time, so `--workers 2` spreads them."""
        return httpx.post(
            f"{self.base}/v1/auth/login",
            json=body,
            headers={"Connection": "close", **headers},
            timeout=120,
        )

    def worker_cpu(self) -> dict[int, int]:
        """CPU ticks used so far by each worker process of `--workers N`."""
        path = f"/proc/{self.process.pid}/task/{self.process.pid}/children"
        with open(path, encoding="ascii") as children:
            pids = [int(pid) for pid in children.read().split()]
        ticks = {}
        for pid in pids:
            with open(f"/proc/{pid}/cmdline", encoding="utf-8") as cmdline:
                if "multiprocessing.spawn" not in cmdline.read():
                    continue  # the resource tracker
            with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            ticks[pid] = int(fields[11]) + int(fields[12])  # utime + stime
        return ticks

    def memory_mib(self, field: str) -> int:
        with open(f"/proc/{self.process.pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) // 1024
        raise AssertionError(field)


@contextmanager
def serve(database_url: str, *args: str, env: dict[str, str] | None = None) -> Iterator[Server]:
    """`doorloop-central serve` on a free loopback port, from its first healthy answer
    until the block ends (then terminated, its output in `Server.log`)."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "central_api", "serve", "--database-url", database_url,
         "--host", "127.0.0.1", "--port", str(port), *args],
        cwd=ROOT, env=_env(env), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    server = Server(process, f"http://127.0.0.1:{port}", [])
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{server.base}/v1/health", timeout=2)
                break
            except httpx.TransportError:
                assert process.poll() is None, process.communicate()[0]
                assert time.monotonic() < deadline, "server did not answer within 30 s"
                time.sleep(0.2)
        yield server
    finally:
        process.terminate()
        try:
            out, _ = process.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            out, _ = process.communicate()
        server.log.append(out)
