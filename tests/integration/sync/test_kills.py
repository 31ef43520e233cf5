"""Processes dying at the worst moment: the desk after sending, the server mid-batch."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from tests.integration.sync.conftest import (
    PASSPHRASE,
    ROOT,
    Central,
    add_user,
    new_device,
    server_versions,
)
from tests.integration.sync.helpers import local_version_hashes, offline_work
from tests.integration.sync.proxy import FaultProxy


def _wait(condition, timeout: float = 60.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_desk_killed_between_send_and_acknowledgement(
    central: Central, proxy: FaultProxy, tmp_path: Path
) -> None:
    username = add_user(central)
    data_dir = tmp_path / "desk"
    store, engine = new_device(data_dir, proxy.url, username)
    offline_work(store, 30)
    expected = local_version_hashes(store)
    engine.close()
    store.close()
    proxy.policy = lambda method, path: "hold" if path.startswith("/v1/sync/push") else None
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.integration.sync.sync_child", str(data_dir), PASSPHRASE],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    try:
        # The server has committed the first batch; its answer is held back.
        _wait(lambda: any(p.startswith("/v1/sync/push") for p in proxy.answered))
        assert server_versions(central).keys() & expected.keys()
        child.send_signal(signal.SIGKILL)
        child.wait(10)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(10)
        if child.stdout is not None:
            child.stdout.close()
    proxy.policy = lambda method, path: None
    store, engine = new_device(data_dir, proxy.url, username)
    assert {i.state for i in store.outbox.items() if i.kind == "version"} >= {"sending"}
    report = engine.sync()
    assert report.outcome == "ok"
    # local: audit events from before the desk was linked to its central user
    assert {i.state for i in store.outbox.items()} - {"local"} == {"acked"}
    held = server_versions(central)
    assert {k: held[k] for k in expected} == expected


def test_server_killed_mid_batch(central: Central, proxy: FaultProxy, tmp_path: Path) -> None:
    username = add_user(central)
    store, engine = new_device(tmp_path / "desk", proxy.url, username, push_batch=500)
    offline_work(store, 150)
    expected = local_version_hashes(store)
    killed = threading.Event()

    def policy(method: str, path: str):  # type: ignore[no-untyped-def]
        if path.startswith("/v1/sync/push") and not killed.is_set():
            killed.set()
            threading.Timer(0.05, central.kill).start()
        return None

    proxy.policy = policy
    restarted = threading.Thread(
        target=lambda: (_wait(lambda: killed.is_set() and central.process is None), central.start())
    )
    restarted.start()
    report = engine.sync()
    restarted.join(90)
    assert killed.is_set()
    assert report.outcome == "ok", report
    assert {i.state for i in store.outbox.items()} - {"local"} == {"acked"}
    held = server_versions(central)
    assert {k: held[k] for k in expected} == expected
