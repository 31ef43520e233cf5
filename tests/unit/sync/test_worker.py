"""The sync worker after a lock: it sends what is committed, then ends (closing its store);
an unlock before that keeps it running; without a server it ends at the deadline."""

from __future__ import annotations

import random
import threading
from pathlib import Path

from desktop.store import actor_for, open_store
from desktop.sync import Backoff, ServerBusy, SyncEngine, SyncWorker, WorkerStopped
from desktop.sync.worker import WorkerEvent
from tests.unit.sync.test_engine import PASSPHRASE, FakeServer


class Desk:
    """A data dir with one committed case, a fake server and a worker on it."""

    def __init__(self, tmp_path: Path, server: FakeServer, *, login: bool = True) -> None:
        self.data = tmp_path / "data"
        store = open_store(self.data, PASSPHRASE)
        profile = store.create_profile("Anna", "desk")
        store.cases.create(actor_for(profile), answers={"youth.first_name": "Sem"})
        store.close()
        self.server = server
        self.login = login
        self.events: list[WorkerEvent] = []
        self.stopped = threading.Event()
        self.closed: list[bool] = []
        self.worker = SyncWorker(self._open, self._listen, interval=0.05)

    def _open(self) -> SyncEngine:
        store = open_store(self.data, PASSPHRASE)
        original = store.close

        def close() -> None:
            self.closed.append(True)
            original()

        store.close = close  # type: ignore[method-assign]
        engine = SyncEngine(
            store,
            transport_factory=self.server.transport,
            backoff=Backoff(base=0.001, cap=0.002, rng=random.Random(1)),
            max_attempts=2,
            use_keyring=False,
        )
        if self.login:
            engine.login("http://central.invalid", "anna", "secret")
        return engine

    def _listen(self, event: WorkerEvent) -> None:
        self.events.append(event)
        if isinstance(event, WorkerStopped):
            self.stopped.set()

    def reasons(self) -> list[str]:
        return [e.reason for e in self.events if isinstance(e, WorkerStopped)]


def test_after_a_lock_it_sends_what_is_committed_then_ends(tmp_path: Path) -> None:
    desk = Desk(tmp_path, FakeServer())
    desk.server.failures = [ServerBusy("down", status=503) for _ in range(4)]  # first runs fail
    desk.worker.start()
    desk.worker.drain_then_stop(60)
    assert desk.stopped.wait(10)
    assert desk.reasons() == ["sent"]
    assert desk.server.pushes  # the committed case went out while "locked"
    desk.worker.stop()
    assert desk.closed == [True]  # its store (and key) closed
    assert not desk.worker.alive
    assert not desk.worker.resume()  # an unlock now starts a new worker


def test_an_unlock_before_it_is_done_keeps_it_running(tmp_path: Path) -> None:
    server = FakeServer()
    server.failures = [ServerBusy("down", status=503) for _ in range(10_000)]
    desk = Desk(tmp_path, server)
    desk.worker.start()
    desk.worker.drain_then_stop(60)
    assert not desk.stopped.wait(0.5)  # the server is down: it keeps trying
    assert desk.worker.resume()
    server.failures.clear()
    assert not desk.stopped.wait(0.5)  # unlocked: it no longer ends by itself
    assert desk.worker.alive
    desk.worker.stop()
    assert desk.reasons() == []


def test_without_a_server_it_ends_at_the_deadline(tmp_path: Path) -> None:
    server = FakeServer()
    server.failures = [ServerBusy("down", status=503) for _ in range(10_000)]
    desk = Desk(tmp_path, server)
    desk.worker.start()
    desk.worker.drain_then_stop(0.3)
    assert desk.stopped.wait(10)
    assert desk.reasons() == ["deadline"]
    desk.worker.stop()
    assert desk.closed == [True]


def test_not_logged_in_it_ends_at_once(tmp_path: Path) -> None:
    desk = Desk(tmp_path, FakeServer(), login=False)
    desk.worker.start()
    desk.worker.drain_then_stop(60)
    assert desk.stopped.wait(10)
    assert desk.reasons() == ["not_logged_in"]
    desk.worker.stop()
