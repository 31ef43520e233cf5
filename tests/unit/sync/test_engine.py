"""The engine against a hand-written fake transport: retries, auth, quarantine, training."""

from __future__ import annotations

import json
import random
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from desktop.store import Store, actor_for, open_store
from desktop.sync import (
    AuthRequired,
    Backoff,
    ItemQuarantined,
    RequestRejected,
    ServerBusy,
    StatusChanged,
    SyncEngine,
    SyncEvent,
    SyncStatus,
    TrainingStoreRefused,
)
from doorloop_protocol import (
    ErrorDetail,
    LoginRequest,
    LoginResponse,
    MeResponse,
    PullResponse,
    PushRequest,
    PushResponse,
    PushResult,
    UserInfo,
)
from tests.helpers.stores import PASSPHRASE


class FakeServer:
    """Accepts everything unless told to fail; records what it was asked."""

    def __init__(self) -> None:
        self.failures: list[Exception] = []
        self.pushes: list[PushRequest] = []
        self.reject_422_for: set[str] = set()
        self.calls = 0
        self.region = "demo"
        self.logins: list[LoginRequest] = []
        self.knows_installation_ids = True
        # who logs in: the tests' desks are linked to this central user already
        self.user = UserInfo(id="u1", username="anna", display_name="D", role="desk", region="")

    def transport(self, url: str, token: str | None) -> FakeTransport:
        return FakeTransport(self)


class FakeTransport:
    def __init__(self, server: FakeServer) -> None:
        self.server = server

    def _maybe_fail(self) -> None:
        self.server.calls += 1
        if self.server.failures:
            raise self.server.failures.pop(0)

    def login(self, request: LoginRequest) -> LoginResponse:
        self.server.logins.append(request)
        if request.installation_id and not self.server.knows_installation_ids:
            detail = ErrorDetail(
                code="invalid_request", errno=100, message="Extra inputs", field="installation_id"
            )
            raise RequestRejected("Extra inputs are not permitted", status=422, detail=detail)
        return LoginResponse(
            token="t0ken",
            device_id="6f1c2b9e-0000-4000-8000-000000000001",  # type: ignore[arg-type]
            user=self.server.user.model_copy(update={"region": self.server.region}),
        )

    def me(self) -> MeResponse:  # pragma: no cover - not used by the engine
        raise NotImplementedError

    def push(self, request: PushRequest) -> PushResponse:
        self._maybe_fail()
        ids = {str(v.version_id) for v in request.versions}
        if ids & self.server.reject_422_for:
            raise RequestRejected("invalid", status=422)
        self.server.pushes.append(request)
        return PushResponse(
            versions=[
                PushResult(id=str(v.version_id), result="created", stored=True)
                for v in request.versions
            ],
            audit_events=[
                PushResult(id=str(e.event_id), result="created", stored=True)
                for e in request.audit_events
            ],
            sync_run_id=1,
        )

    def push_json(self, body: bytes) -> PushResponse:
        return self.push(PushRequest.model_validate_json(body))

    def pull(self, since: int, limit: int) -> PullResponse:
        self._maybe_fail()
        return PullResponse(changes=[], next_since=since, has_more=False)

    def close(self) -> None:
        pass


def _engine(store: Store, server: FakeServer, waits: list[float]) -> SyncEngine:
    engine = SyncEngine(
        store,
        transport_factory=server.transport,
        backoff=Backoff(base=0.001, cap=0.002, rng=random.Random(1)),
        max_attempts=5,
        use_keyring=False,
    )
    engine._stop.wait = lambda delay: waits.append(delay) or False  # type: ignore[method-assign]
    profile = store.profile()
    assert profile is not None
    server.user = UserInfo(
        id=profile.user_id,
        username="anna",
        display_name=profile.display_name,
        role=profile.role,
        region=server.region,
    )
    engine.login("http://central.invalid", "anna", "secret")
    return engine


def test_retry_after_is_honoured_then_everything_is_acked(store: Store) -> None:
    server = FakeServer()
    waits: list[float] = []
    engine = _engine(store, server, waits)
    actor = actor_for(store.profile())  # type: ignore[arg-type]
    store.cases.create(actor, answers={"youth.first_name": "Sem"})
    server.failures = [
        ServerBusy("busy", status=429, retry_after=12.0),
        ServerBusy("x", status=503),
    ]
    report = engine.sync()
    assert report.outcome == "ok"
    assert 12.0 <= waits[0] <= 13.2
    assert waits[1] < 1
    assert store.outbox.unsynced_count() == 0
    assert engine.status().online
    sync_events = [e for e in store.audit.events() if e.action == "sync"]
    assert sync_events and sync_events[-1].outcome == "success"


def test_401_is_not_retried_and_asks_for_login(store: Store) -> None:
    server = FakeServer()
    engine = _engine(store, server, [])
    server.failures = [AuthRequired("revoked", status=401)]
    report = engine.sync()
    assert report.outcome == "login_required"
    assert server.calls == 1
    assert engine.status().needs_login
    assert engine.sync().outcome == "login_required"
    assert server.calls == 1


def test_offline_after_the_attempts_run_out(store: Store) -> None:
    server = FakeServer()
    engine = _engine(store, server, [])
    server.failures = [ServerBusy("down", status=502) for _ in range(5)]
    report = engine.sync()
    assert report.outcome == "offline"
    assert not engine.status().online
    assert {i.state for i in store.outbox.items()} == {"pending"}


def test_422_narrows_down_to_the_one_item_and_quarantines_it(store: Store) -> None:
    server = FakeServer()
    engine = _engine(store, server, [])
    actor = actor_for(store.profile())  # type: ignore[arg-type]
    cases = [store.cases.create(actor, answers={"youth.first_name": f"K{n}"}) for n in range(6)]
    server.reject_422_for = {cases[3].version.id}
    events: list[SyncEvent] = []
    engine.subscribe(events.append)
    report = engine.sync()
    assert report.outcome == "ok"
    notices = [e for e in events if isinstance(e, ItemQuarantined)]
    assert [n.item_id for n in notices] == [cases[3].version.id]
    states = {i.item_id: i.state for i in store.outbox.items()}
    assert states.pop(cases[3].version.id) == "quarantined"
    assert set(states.values()) == {"acked"}


def test_a_training_store_is_refused(tmp_path: Path) -> None:
    training = open_store(tmp_path / "data", PASSPHRASE, training=True)
    try:
        with pytest.raises(TrainingStoreRefused):
            SyncEngine(training)
    finally:
        training.close()


def test_token_is_kept_in_the_encrypted_store_without_a_keyring(store: Store) -> None:
    engine = _engine(store, FakeServer(), [])
    assert engine.credentials.location() == "store"
    assert engine.logged_in
    assert not list(Path(store.path.parent).glob("*token*"))


def test_first_login_moves_the_profile_and_unsent_drafts_into_the_users_region(
    store: Store,
) -> None:
    actor = actor_for(store.profile())  # type: ignore[arg-type]
    draft = store.cases.create(actor, answers={"youth.first_name": "Sem"})  # region "demo"
    server = FakeServer()
    server.region = "utrecht"
    engine = _engine(store, server, [])
    assert store.profile().region == "utrecht"  # type: ignore[union-attr]
    assert store.cases.get(draft.id).region == "utrecht"
    assert engine.sync().outcome == "ok"
    [pushed] = [v for request in server.pushes for v in request.versions]
    assert pushed.region == "utrecht"


def test_every_login_of_an_installation_sends_the_same_installation_id(
    store: Store, tmp_path: Path
) -> None:
    server = FakeServer()
    engine = _engine(store, server, [])
    engine.login("http://central.invalid", "anna", "secret")
    ids = {request.installation_id for request in server.logins}
    assert len(server.logins) == 2 and len(ids) == 1 and None not in ids
    # kept in the store: the same after a restart, another installation has its own
    assert SyncEngine(store, use_keyring=False).installation_id() in ids
    other = open_store(tmp_path / "other", PASSPHRASE)
    try:
        assert SyncEngine(other, use_keyring=False).installation_id() not in ids
    finally:
        other.close()


def test_a_server_without_installation_ids_still_logs_the_desk_in(store: Store) -> None:
    server = FakeServer()
    server.knows_installation_ids = False
    engine = _engine(store, server, [])
    assert engine.logged_in
    assert [request.installation_id is None for request in server.logins] == [False, True]


def test_cases_already_sent_keep_their_region(store: Store) -> None:
    actor = actor_for(store.profile())  # type: ignore[arg-type]
    sent = store.cases.create(actor, answers={"youth.first_name": "Noor"})
    store.outbox.ack([item.item_id for item in store.outbox.take()])
    assert store.cases.adopt_region("utrecht") == 0
    assert store.cases.get(sent.id).region == "demo"


class SlowServer(FakeServer):
    """Counts requests in flight at once and fails the push numbered ``fail_push``."""

    def __init__(self, fail_push: int | None = None) -> None:
        super().__init__()
        self.fail_push = fail_push
        self.in_flight = 0
        self.most_in_flight = 0
        self.push_count = 0
        self.lock = threading.Lock()

    def transport(self, url: str, token: str | None) -> FakeTransport:
        server = self

        class Slow(FakeTransport):
            def push(self, request: PushRequest) -> PushResponse:
                with server.lock:
                    server.push_count += 1
                    number = server.push_count
                    server.in_flight += 1
                    server.most_in_flight = max(server.most_in_flight, server.in_flight)
                try:
                    time.sleep(0.03)  # long enough for the engine to prepare the next batch
                    if number == server.fail_push:
                        raise RequestRejected("refused", status=400)
                    return super().push(request)
                finally:
                    with server.lock:
                        server.in_flight -= 1

        return Slow(self)


def _queue(store: Store, n: int) -> list[str]:
    actor = actor_for(store.profile())  # type: ignore[arg-type]
    return [store.cases.create(actor, answers={"youth.first_name": f"K{i}"}).id for i in range(n)]


@pytest.mark.parametrize("in_flight", [1, 2])
def test_batches_are_sent_at_most_n_at_a_time_each_item_once(store: Store, in_flight: int) -> None:
    _queue(store, 12)
    server = SlowServer()
    engine = _engine(store, server, [])
    engine.push_batch = 5
    engine.push_in_flight = in_flight
    order = [item.item_id for item in store.outbox.items()]
    assert engine.sync().outcome == "ok"
    sent = [
        str(i.version_id) if hasattr(i, "version_id") else str(i.event_id)
        for push in server.pushes
        for i in [*push.versions, *push.audit_events]
    ]
    assert server.most_in_flight == in_flight
    assert len(server.pushes) >= 5  # 12 versions + 12 audit events + the run's own event
    assert set(order) <= set(sent)  # plus the run's own sync event
    assert len(sent) == len(set(sent))  # nothing sent twice
    if in_flight == 1:  # one at a time: in outbox order
        versions_sent = [str(v.version_id) for push in server.pushes for v in push.versions]
        assert versions_sent == [i for i in order if i in set(versions_sent)]
    assert store.outbox.unsynced_count() == 0


def test_a_refused_batch_leaves_every_item_acked_or_pending_never_stuck(store: Store) -> None:
    _queue(store, 12)
    server = SlowServer(fail_push=2)
    engine = _engine(store, server, [])
    engine.push_batch = 4
    report = engine.sync()
    assert report.outcome == "failed"
    received = {
        str(i.version_id) if hasattr(i, "version_id") else str(i.event_id)
        for push in server.pushes
        for i in [*push.versions, *push.audit_events]
    }
    states = {item.item_id: item.state for item in store.outbox.items()}
    assert set(states.values()) <= {"acked", "pending"}
    # exactly what the server stored is acknowledged; the rest waits for the next run
    assert {i for i, s in states.items() if s == "acked"} == received
    assert len(received) >= 4  # the first batch went through
    server.fail_push = None
    assert engine.sync().outcome == "ok"
    assert store.outbox.unsynced_count() == 0


def test_results_are_matched_to_items_by_position_and_a_stored_one_must_name_its_item(
    store: Store,
) -> None:
    _queue(store, 2)
    versions = [i for i in store.outbox.items() if i.kind == "version"]
    server = FakeServer()

    class Scripted(FakeTransport):
        def push_json(self, body: bytes) -> PushResponse:
            sent = json.loads(body)
            events = [
                PushResult(id=e["event_id"], result="created", stored=True)
                for e in sent["audit_events"]
            ]
            if not sent["versions"]:
                return PushResponse(versions=[], audit_events=events, sync_run_id=2)
            return PushResponse(
                versions=[
                    # unreadable to the server: named by position, refused
                    PushResult(id="#0", result="rejected", stored=False, reason="invalid"),
                    # "stored", but under another id: not proof this item is stored
                    PushResult(id=str(uuid.uuid4()), result="created", stored=True),
                ],
                audit_events=events,
                sync_run_id=1,
            )

    server.transport = lambda url, token: Scripted(server)  # type: ignore[method-assign]
    engine = _engine(store, server, [])
    report = engine.sync()
    assert report.outcome == "ok"
    states = {i.item_id: i.state for i in store.outbox.items()}
    assert states[versions[0].item_id] == "quarantined"
    assert states[versions[1].item_id] == "pending"  # sent again by the next run
    assert {s for i, s in states.items() if i not in {v.item_id for v in versions}} == {"acked"}


def test_login_links_the_desk_to_the_central_user(store: Store) -> None:
    """The central API takes the author from the token: after the first login the desk
    works as the server's user, never-sent versions are credited to it, and audit events
    of the earlier (local) identity stay on the desk, recorded in the login event."""
    before = store.profile()
    assert before is not None
    case = store.cases.create(actor_for(before), answers={"youth.first_name": "Sem"})
    server = FakeServer()
    server.user = UserInfo(
        id="central-7", username="anna", display_name="Anna de Vries", role="triagist", region=""
    )
    engine = SyncEngine(store, transport_factory=server.transport, use_keyring=False)
    engine.login("http://central.invalid", "anna", "secret")

    profile = store.profile()
    assert profile is not None
    assert (profile.user_id, profile.display_name, profile.role) == (
        "central-7",
        "Anna de Vries",
        "triagist",
    )
    [queued] = [i for i in store.outbox.items() if i.kind == "version"]
    assert (queued.payload["created_by"], queued.payload["created_by_name"]) == (
        "central-7",
        "Anna de Vries",
    )
    assert store.cases.get(case.id).version.created_by == "central-7"
    local = [i for i in store.outbox.items() if i.state == "local"]
    assert local and all(i.payload["user_id"] == before.user_id for i in local)
    login = [e for e in store.audit.events() if e.action == "login"][-1]
    assert login.user_id == "central-7"
    assert login.details["linked_from"] == before.user_id
    assert login.details["audit_kept_local"] == len(local)
    assert store.verify_audit_chain().ok
    assert engine.sync().outcome == "ok"
    pushed = [e for request in server.pushes for e in request.audit_events]
    assert pushed and {e.user_id for e in pushed} == {"central-7"}
    assert engine.status().unsynced == 0


def _statuses(engine: SyncEngine) -> list[SyncStatus]:
    seen: list[SyncStatus] = []
    engine.subscribe(lambda e: seen.append(e.status) if isinstance(e, StatusChanged) else None)
    return seen


def test_offline_right_after_a_failed_request_never_online_after_a_failure(
    store: Store,
) -> None:
    server = FakeServer()
    waits: list[float] = []
    engine = _engine(store, server, waits)
    assert engine.sync().outcome == "ok"
    assert engine.status().online
    seen = _statuses(engine)
    # the server goes away: the first failed request already says offline (not after
    # all retries), and nothing says "Online" again until a request succeeds
    server.failures = [ServerBusy("down", status=502) for _ in range(5)]
    busy_in_wait: list[bool] = []
    engine._stop.wait = lambda delay: busy_in_wait.append(engine.status().running) or False  # type: ignore[method-assign]
    assert engine.sync().outcome == "offline"
    first_failure = next(i for i, s in enumerate(seen) if not s.online)
    assert seen[first_failure].running is False
    assert all(not s.online for s in seen[first_failure:])
    assert all("Online" not in s.text() for s in seen[first_failure:])
    assert "Offline" in seen[-1].text()
    assert busy_in_wait and not any(busy_in_wait)  # waiting to retry is not "bezig"
    # the server is back: online after the first request that succeeds
    assert engine.sync().outcome == "ok"
    assert seen[-1].online and "Online" in seen[-1].text()


def test_busy_only_while_a_request_is_on_the_wire(store: Store) -> None:
    server = FakeServer()
    engine = _engine(store, server, [])
    seen = _statuses(engine)
    during: list[bool] = []
    original = FakeTransport.pull

    def pull(self: FakeTransport, since: int, limit: int) -> PullResponse:
        during.append(engine.status().running)
        return original(self, since, limit)

    FakeTransport.pull = pull  # type: ignore[method-assign]
    try:
        assert engine.sync().outcome == "ok"
    finally:
        FakeTransport.pull = original  # type: ignore[method-assign]
    assert during == [True]
    assert any(s.running and "Bezig met synchroniseren" in s.text() for s in seen)
    assert not seen[-1].running
    assert "Bezig" not in seen[-1].text()
    # the status line never counts unsent items unlabelled: the window's label does
    assert "niet verzonden" not in seen[-1].text()


class _PagedTransport(FakeTransport):
    """Three empty pages (cursor 0 -> 10 -> 20 -> 30); records each request."""

    requested: list[int]
    asked: dict[int, threading.Event]

    def pull(self, since: int, limit: int) -> PullResponse:
        self.requested.append(since)
        self.asked.setdefault(since, threading.Event()).set()
        return PullResponse(changes=[], next_since=since + 10, has_more=since + 10 < 30)


def _paged_engine(store: Store) -> tuple[SyncEngine, list[int], dict[int, threading.Event]]:
    server = FakeServer()
    requested: list[int] = []
    asked: dict[int, threading.Event] = {}

    def transport(url: str, token: str | None) -> FakeTransport:
        paged = _PagedTransport(server)
        paged.requested, paged.asked = requested, asked
        return paged

    server.transport = transport  # type: ignore[method-assign]
    return _engine(store, server, []), requested, asked


def test_the_next_page_is_asked_for_while_this_one_is_stored(store: Store) -> None:
    """A first sync's pages overlap: the server prepares page N+1 while the desk stores
    page N (the new laptop's first pull, DESIGN.md budget); each page is still stored
    with its cursor before the next one."""
    engine, requested, asked = _paged_engine(store)
    stored: list[tuple[int, bool]] = []
    original = engine._apply_page

    def apply(page: Any, clear_reference: bool, counts: dict[str, int]) -> list[str]:
        # page N's storing waits (bounded) for page N+1's request: only overlap passes
        if page.has_more:
            event = asked.setdefault(page.next_since, threading.Event())
            stored.append((page.next_since, event.wait(5)))
        return original(page, clear_reference, counts)

    engine._apply_page = apply  # type: ignore[method-assign]
    assert engine.sync().outcome == "ok"
    assert requested == [0, 10, 20]
    assert stored == [(10, True), (20, True)]
    assert engine.state.pull_since() == 30


def test_a_page_that_cannot_be_stored_leaves_the_cursor_and_the_next_page_unused(
    store: Store,
) -> None:
    engine, requested, _asked = _paged_engine(store)

    def apply(page: Any, clear_reference: bool, counts: dict[str, int]) -> list[str]:
        raise OSError("disk full")

    engine._apply_page = apply  # type: ignore[method-assign]
    with pytest.raises(OSError, match="disk full"):
        engine.sync()
    assert engine.state.pull_since() == 0  # nothing stored, the page is asked for again
    assert requested[:2] == [0, 10]  # the page asked for ahead was let finish, not used
