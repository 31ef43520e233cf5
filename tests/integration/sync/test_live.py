"""Live propagation between desks: a case saved on desk A shows in desk B's store within
2 s, through the server's event stream (both workers poll only once an hour, so nothing
else can explain it); after a server restart the stream comes back and nothing is lost.
Real `doorloop-central serve` processes on PostgreSQL and SQLite, real desk workers."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from desktop.store import Store, actor_for, open_store
from desktop.sync import SyncEngine, SyncWorker
from desktop.sync.worker import WorkerEvent
from tests.integration.sync.conftest import (
    PASSPHRASE,
    Central,
    add_user,
    fast_backoff,
    fresh_region,
    new_device,
)
from tests.integration.sync.helpers import local_versions

pytestmark = pytest.mark.parametrize(
    "database_url", ["postgresql", "sqlite"], indirect=True, scope="module"
)

HOUR = 3600.0


class LiveDesk:
    """A logged-in desk: its UI's store connection, and a sync worker on its own one."""

    def __init__(self, data_dir: Path, central: Central, username: str, region: str) -> None:
        self.data_dir = data_dir
        store, engine = new_device(data_dir, central.url, username, region=region)
        engine.close()  # the login is kept in the store; the worker opens its own engine
        self.ui: Store = store
        self.events: list[WorkerEvent] = []
        self.worker = SyncWorker(self._open, self.events.append, interval=HOUR)

    def _open(self) -> SyncEngine:
        store = open_store(self.data_dir, PASSPHRASE)
        return SyncEngine(store, backoff=fast_backoff(), use_keyring=False)

    def start(self) -> None:
        self.worker.start()

    def wait_streaming(self, seconds: float = 20.0) -> bool:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.worker.streaming:
                return True
            time.sleep(0.05)
        return False

    def has(self, version_id: str) -> bool:
        return version_id in local_versions(self.ui)

    def wait_for(self, version_id: str, seconds: float) -> float | None:
        """Seconds until `version_id` is in this desk's store, None when it did not come."""
        started = time.monotonic()
        while time.monotonic() - started < seconds:
            if self.has(version_id):
                return time.monotonic() - started
            time.sleep(0.02)
        return None

    def save_case(self, name: str) -> str:
        profile = self.ui.profile()
        assert profile is not None
        case = self.ui.cases.create(
            actor_for(profile), region=profile.region, answers={"youth.first_name": name}
        )
        return case.version.id

    def close(self) -> None:
        self.worker.stop()
        self.ui.close()


@pytest.fixture
def desks(central: Central, tmp_path: Path):  # type: ignore[no-untyped-def]
    region = fresh_region(central)
    username = add_user(central, region=region)
    made = [LiveDesk(tmp_path / n, central, username, region) for n in ("a", "b")]
    for desk in made:
        desk.start()
    yield made
    for desk in made:
        desk.close()


def test_a_change_saved_on_desk_a_shows_on_desk_b_within_two_seconds(
    desks: list[LiveDesk],
) -> None:
    a, b = desks
    assert a.wait_streaming() and b.wait_streaming()
    time.sleep(0.5)  # the start-up syncs are done
    timings = []
    for n in range(3):
        version_id = a.save_case(f"Live{n}")
        took = b.wait_for(version_id, 5.0)
        assert took is not None, "desk B never got the case without a poll"
        timings.append(took)
    assert max(timings) <= 2.0, timings
    # and back: B's change reaches A the same way
    version_id = b.save_case("Terug")
    took = a.wait_for(version_id, 5.0)
    assert took is not None and took <= 2.0


def test_after_a_server_restart_the_stream_resumes_and_nothing_is_lost(
    desks: list[LiveDesk], central: Central
) -> None:
    a, b = desks
    assert a.wait_streaming() and b.wait_streaming()
    central.stop()
    deadline = time.monotonic() + 10
    while (a.worker.streaming or b.worker.streaming) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not a.worker.streaming and not b.worker.streaming
    saved_while_down = a.save_case("Offline")  # committed on A while the server is away
    central.start()
    try:
        assert a.wait_streaming(30) and b.wait_streaming(30)
        # A pushes its saved case at reconnect (its local commit is noticed), B pulls it
        assert b.wait_for(saved_while_down, 10.0) is not None
        after = a.save_case("Weer online")
        took = b.wait_for(after, 5.0)
        assert took is not None and took <= 2.0
    finally:
        if central.process is None:
            central.start()


def test_stopping_the_worker_closes_its_stream(central: Central, tmp_path: Path) -> None:
    region = fresh_region(central)
    desk = LiveDesk(tmp_path / "c", central, add_user(central, region=region), region)
    desk.start()
    assert desk.wait_streaming()
    before = threading.active_count()
    started = time.monotonic()
    desk.close()
    assert time.monotonic() - started < 6.0
    assert not any(t.name == "doorloop-events" and t.is_alive() for t in threading.enumerate())
    assert threading.active_count() < before
