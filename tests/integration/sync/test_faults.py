"""Offline work from several desks arrives exactly once through an unreliable network."""

from __future__ import annotations

import threading
from pathlib import Path

from desktop.sync import SyncReport
from tests.integration.sync.conftest import (
    Central,
    add_user,
    new_device,
    server_versions,
)
from tests.integration.sync.helpers import local_version_hashes, local_versions, offline_work
from tests.integration.sync.proxy import FaultProxy, random_policy


def test_thousand_offline_versions_from_three_desks_under_30_percent_faults(
    central: Central, proxy: FaultProxy, tmp_path: Path
) -> None:
    username = add_user(central)
    devices = [
        new_device(tmp_path / f"desk{n}", proxy.url, username, push_batch=100, pull_limit=200)
        for n in range(3)
    ]
    expected: dict[str, str] = {}
    for n, (store, _engine) in enumerate(devices):
        offline_work(store, 112, tag=str(n))
        expected.update(local_version_hashes(store))
    assert len(expected) == 1008
    proxy.policy = random_policy(0.3, seed=20261123)

    reports: list[SyncReport] = []

    def run(engine_index: int) -> None:
        engine = devices[engine_index][1]
        for _ in range(20):
            report = engine.sync()
            reports.append(report)
            if report.outcome == "ok" and engine.status().unsynced == 0:
                return

    threads = [threading.Thread(target=run, args=(n,)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(240)

    # Exactly once, contents intact: the server holds each version once with its hash.
    assert server_versions(central) == expected
    for kind in ("drop_request", "drop_response", "reset", "truncate", "delay"):
        assert proxy.count("/v1/sync", kind) > 0, kind
    proxy.policy = lambda method, path: None
    for store, engine in devices:
        report = engine.sync()
        assert report.outcome == "ok", report
        states = {item.state for item in store.outbox.items()}
        assert states - {"local"} == {"acked"}  # local: events from before the login
        # Every desk pulled every other desk's versions too.
        assert local_versions(store) == set(expected)
        assert store.verify_audit_chain().ok
