"""The sync engine: drains the outbox to the central API and pulls what changed.

One run (:meth:`SyncEngine.sync`) pushes every pending outbox row in batches, pulls all
pages after the stored cursor (each page and its cursor in one transaction), audits the
run locally (action ``sync``) and pushes that audit event too. Requests that fail with a
network error, 5xx, 408 or 429 are retried with jittered exponential backoff (honouring
``Retry-After``); 401/403 are never retried: the engine reports that the user has to
log in again and refuses to sync until then. An item the server refuses (or a request
it rejects with 422 that can be narrowed down to one item) is quarantined with a
visible notice; the other items go on. 410 on a pull starts a full resync from 0.

The engine is Qt-free and blocking; run it on a worker thread (:mod:`desktop.sync.worker`)
with its own :class:`~desktop.store.Store` opened on the same data dir, never the UI's.
Training stores are refused.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import uuid
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar
from urllib.parse import quote

from desktop.i18n import _
from desktop.store import Store, actor_for
from desktop.store.errors import AlreadyStored
from desktop.store.heads import CaseRows
from desktop.store.models import OutboxItem, Profile
from desktop.store.outbox import LOCAL_KEYS, WireItem
from desktop.store.sync_state import SyncState
from desktop.sync.backoff import Backoff
from desktop.sync.credentials import Credentials
from desktop.sync.directory import DIRECTORY_AS_OF, DIRECTORY_KINDS, DeskDirectory, desk_directory
from desktop.sync.errors import (
    AuthRequired,
    CursorExpired,
    NotLoggedIn,
    RequestRejected,
    SyncError,
    SyncStopped,
    TrainingStoreRefused,
    TransientError,
)
from desktop.sync.events import (
    WIPE_WAIT_SECONDS,
    DeviceWiped,
    ItemQuarantined,
    LoginRequired,
    ReconciliationNeeded,
    StatusChanged,
    SyncEvent,
    SyncFinished,
    SyncReport,
    SyncStatus,
    WipeStarting,
)
from desktop.sync.local import (
    DEVICE_ID,
    LAST_SUCCESS,
    NEEDS_LOGIN,
    SERVER_URL,
    forget_device,
    sync_status,
)
from desktop.sync.transport import HttpTransport, Transport
from doorloop_protocol import (
    MAX_BATCH_VERSIONS,
    AuditEventItem,
    CaseStateChange,
    CaseVersionChange,
    DirectoryOrganizationChange,
    DirectoryRegionChange,
    DirectoryUnitChange,
    FormDefinitionChange,
    HoldRequest,
    LoginRequest,
    LoginResponse,
    ProviderChange,
    PullResponse,
    PushResponse,
    PushResult,
    ReferralEventChange,
    TombstoneChange,
    UnitAnswer,
    VersionItem,
)
from doorloop_protocol.pages import PullPage, UnreadableChange

T = TypeVar("T")
TransportFactory = Callable[[str, str | None], Transport]
Listener = Callable[[SyncEvent], None]

USER = "auth.user"
# Chosen once per desk installation and sent with every login, so a login retried after
# its answer was lost gets the same server device back (not a second, orphan one).
INSTALLATION_ID = "auth.installation_id"
LAST_ERROR = "sync.last_error"
UNREADABLE = "sync.unreadable_changes"
UNREADABLE_KEPT = 200

# Local keys that are not part of the wire item (the store's own bookkeeping).
_VERSION_LOCAL_KEYS = frozenset(LOCAL_KEYS["version"])
_AUDIT_LOCAL_KEYS = frozenset(LOCAL_KEYS["audit"])


def _now() -> datetime:
    return datetime.now(UTC)


REFERRAL_KIND = "referral_event"  # desktop.store.referrals.OUTBOX_KIND
_LISTS = (("version", "versions"), ("audit", "audit_events"), (REFERRAL_KIND, "referral_events"))


def _push_body(ready: list[WireItem]) -> bytes:
    """The push request body, assembled from the items' stored wire JSON."""
    parts = []
    for kind, name in _LISTS:
        items = ",".join(i.wire_json for i in ready if i.kind == kind)
        if items or kind != REFERRAL_KIND:
            parts.append(f'"{name}":[{items}]')
    return ("{" + ",".join(parts) + "}").encode()


def _answers(
    ready: list[WireItem], response: PushResponse
) -> list[tuple[WireItem, PushResult | None]]:
    """Each sent item with the server's result for it (None: no usable answer).

    Results come one per item in request order (docs/central-api.md), versions and audit
    events each in their own list. A stored result must name the item's id; a refusal
    may not (the server names an item it could not read by its position), so it is
    matched by position alone.
    """
    paired: list[tuple[WireItem, PushResult | None]] = []
    for kind, results in (
        ("version", response.versions),
        ("audit", response.audit_events),
        (REFERRAL_KIND, response.referral_events),
    ):
        items = [i for i in ready if i.kind == kind]
        for index, item in enumerate(items):
            result = results[index] if index < len(results) else None
            if result is not None and result.stored and result.id != item.item_id:
                result = None
            paired.append((item, result))
    return paired


def _push_call(body: bytes) -> Callable[[Transport], PushResponse]:
    return lambda transport: transport.push_json(body)


def _pull_call(since: int, limit: int) -> Callable[[Transport], PullResponse | PullPage]:
    return lambda transport: transport.pull(since, limit)


def version_item(payload: dict[str, Any]) -> VersionItem:
    """The wire item of an outbox version payload (raises pydantic ValidationError)."""
    return VersionItem.model_validate(
        {k: v for k, v in payload.items() if k not in _VERSION_LOCAL_KEYS}
    )


def audit_item(payload: dict[str, Any]) -> AuditEventItem:
    """The wire item of an outbox audit payload (raises pydantic ValidationError)."""
    return AuditEventItem.model_validate(
        {k: v for k, v in payload.items() if k not in _AUDIT_LOCAL_KEYS}
    )


class SyncEngine:
    """Push, pull and status for one store. Blocking; one run at a time."""

    batch_new_cases = True
    """Store a pulled page's versions of cases new to this desk together (:class:`_NewCases`);
    False stores every change one by one (tests compare the two)."""

    def __init__(
        self,
        store: Store,
        *,
        transport_factory: TransportFactory | None = None,
        backoff: Backoff | None = None,
        max_attempts: int = 6,
        push_batch: int = 500,
        push_in_flight: int = 2,
        pull_limit: int = 1000,
        use_keyring: bool = True,
    ) -> None:
        if store.training:
            raise TrainingStoreRefused("training stores never sync")
        if not 1 <= push_batch <= MAX_BATCH_VERSIONS:
            raise ValueError(f"push_batch must be 1..{MAX_BATCH_VERSIONS}")
        self.store = store
        # this user's server, device token and cursor (each user syncs as themselves)
        self.state = SyncState(store.db, user=store.current_user)
        self.credentials = Credentials(self.state, use_keyring=use_keyring)
        self._transport_factory = transport_factory or (
            lambda url, token: HttpTransport(url, token)
        )
        # the live event stream speaks HTTP itself: only beside the real transport
        self.live_events = transport_factory is None
        self.backoff = backoff or Backoff()
        self.max_attempts = max(1, max_attempts)
        self.push_batch = push_batch
        self.push_in_flight = max(1, push_in_flight)
        self.pull_limit = pull_limit
        self._listeners: list[Listener] = []
        self._stop = threading.Event()
        self._run_lock = threading.Lock()
        self._transport: Transport | None = None
        self._online = False
        self._wiped = False
        # requests on the wire right now (push sends up to `push_in_flight` at once)
        self._requests = 0
        self._requests_lock = threading.Lock()
        # what status() last read from the store, for the status a sender thread emits
        self._counts: tuple[int, int, int] | None = None
        self._last_success: datetime | None = None
        self._logged_in = False
        self._needs_login = False

    # -- listeners and status --------------------------------------------------------------

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def unsubscribe(self, listener: Listener) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def _emit(self, event: SyncEvent) -> None:
        for listener in list(self._listeners):
            listener(event)

    def _emit_status(self) -> None:
        self._emit(StatusChanged(self.status()))

    def _emit_reconciliation(self, case_id: str) -> None:
        """Tell listeners a case needs merging, with the counts read afresh first: a later
        connection status (a request ending) must not carry the count from before the
        flag, or the desk would hide the notice it has just shown."""
        self.status()
        self._emit(ReconciliationNeeded(case_id, _reconcile_message()))

    def _emit_connection(self) -> None:
        """Status after a request started or ended: online/busy change, the counts as last
        read (a sender thread never reads the store)."""
        if self._counts is None:
            return
        unsynced, quarantined, reconciliation = self._counts
        self._emit(
            StatusChanged(
                SyncStatus(
                    online=self._online,
                    last_success=self._last_success,
                    unsynced=unsynced,
                    quarantined=quarantined,
                    needs_reconciliation=reconciliation,
                    logged_in=self._logged_in,
                    needs_login=self._needs_login,
                    running=self._requests > 0,
                )
            )
        )

    @property
    def server_url(self) -> str | None:
        return self.state.get(SERVER_URL)

    @property
    def device_id(self) -> str | None:
        return self.state.get(DEVICE_ID)

    @property
    def logged_in(self) -> bool:
        url, device = self.server_url, self.device_id
        return bool(url and device and self.credentials.token(url, device))

    @property
    def needs_login(self) -> bool:
        return self.state.get(NEEDS_LOGIN) == "1"

    def last_success(self) -> datetime | None:
        value = self.state.get(LAST_SUCCESS)
        return datetime.fromisoformat(value) if value else None

    def status(self) -> SyncStatus:
        """The status bar's facts. ``online`` is the outcome of the last real request
        (False before the first one and after any failed one, also mid-retry);
        ``running`` is True only while a request is on the wire, not while a run waits
        to retry. Read on the engine's thread (it reads the store)."""
        status = sync_status(
            self.store,
            self.state,
            self.credentials,
            online=self._online,
            running=self._requests > 0,
        )
        self._counts = (status.unsynced, status.quarantined, status.needs_reconciliation)
        self._last_success = status.last_success
        self._logged_in = status.logged_in
        self._needs_login = status.needs_login
        return status

    def author(self) -> str:
        """The central id of the user this engine syncs for: only their outbox items are
        pushed (the store's current user, as linked at their login)."""
        profile = self.store.profile()
        if profile is None:
            raise NotLoggedIn("no user is signed in on this store")
        return profile.user_id

    def own_unsynced(self) -> int:
        """This user's items not yet acknowledged (what a drain after a lock waits for)."""
        profile = self.store.profile()
        if profile is None:
            return 0
        return self.store.outbox.unsynced_count(author=profile.user_id)

    def quarantined(self) -> list[OutboxItem]:
        """Items the server refused, with the reason in ``last_error`` (for a notice list)."""
        return self.store.outbox.items("quarantined")

    def request_stop(self) -> None:
        """Ask a running sync to stop at the next request or backoff wait."""
        self._stop.set()

    # -- login -----------------------------------------------------------------------------

    def login(
        self, server_url: str, username: str, password: str, device_name: str | None = None
    ) -> LoginResponse:
        """Register this device with the server and keep its token (keyring or store).

        Raises AuthRequired (wrong user name or password), TransientError (server not
        reachable) or RequestRejected. Audited as ``login``.
        """
        profile = self.store.profile()
        server_url = server_url.strip().rstrip("/")
        request = LoginRequest(
            username=username,
            password=password,
            device_name=device_name or socket.gethostname() or "desk",
            installation_id=self.installation_id(),
        )
        transport = self._transport_factory(server_url, None)
        try:
            try:
                response = transport.login(request)
            except RequestRejected as exc:
                if not (exc.status == 422 and exc.detail and exc.detail.field == "installation_id"):
                    raise
                # a server from before installation ids: log in as older desks do
                response = transport.login(request.model_copy(update={"installation_id": None}))
        except SyncError as exc:
            if profile is not None:
                self.store.audit.append(
                    actor_for(profile),
                    "login",
                    outcome="failure",
                    details={"server": server_url, "error": type(exc).__name__},
                )
            raise
        finally:
            transport.close()
        old_url, old_device = self.server_url, self.device_id
        old_token = self.credentials.token(old_url, old_device) if old_url and old_device else None
        with self.store.atomic():
            if old_url != server_url:
                self.state.set_pull_since(0)
            self.credentials.forget(old_url, old_device)
            self.credentials.save(server_url, str(response.device_id), response.token)
            self.state.set(SERVER_URL, server_url)
            self.state.set(DEVICE_ID, str(response.device_id))
            self.state.set(USER, response.user.model_dump_json())
            self.state.delete(NEEDS_LOGIN)
            if profile is not None and profile.region != response.user.region:
                # the server decides the region; local drafts made before the first
                # login move with the profile so the server accepts them
                self.store.update_profile(region=response.user.region)
                self.store.cases.adopt_region(response.user.region)
            linked: dict[str, Any] = {}
            if profile is not None:
                profile, linked = self._adopt_identity(profile, response)
                self.store.audit.append(
                    actor_for(profile),
                    "login",
                    details={"server": server_url, "device": str(response.device_id), **linked},
                )
        self._close_transport()
        if old_url and old_token and old_device != str(response.device_id):
            # logging in again replaces this desk's registration: end the old one too,
            # so the server does not keep a second active device for this laptop
            self._revoke(old_url, old_token)
        self._emit_status()
        return response

    def installation_id(self) -> uuid.UUID:
        """This installation's id for logins, made (and committed) on first use."""
        value = self.state.get(INSTALLATION_ID)
        if value is None:
            value = str(uuid.uuid4())
            with self.store.atomic():
                self.state.set(INSTALLATION_ID, value)
        return uuid.UUID(value)

    def _adopt_identity(
        self, profile: Profile, response: LoginResponse
    ) -> tuple[Profile, dict[str, Any]]:
        """The server's user is who works here now: the profile takes its id, name and
        role (the central API refuses versions and audit events that name another user
        or role), and versions that never left the desk are credited to it. Audit events
        of the earlier identity that were never sent stay on this desk (state ``local``).
        Returns the profile and what the login audit event records about the link."""
        user = response.user
        changes = {
            key: value
            for key, value in (
                ("user_id", user.id),
                ("display_name", user.display_name),
                ("role", user.role),
            )
            if getattr(profile, key) != value
        }
        if not changes:
            return profile, {}
        updated = self.store.update_profile(**changes)
        if profile.user_id != user.id or profile.display_name != user.display_name:
            self.store.cases.adopt_author(profile.user_id, user.id, user.display_name)
        linked: dict[str, Any] = {}
        if profile.user_id != user.id:
            linked["linked_from"] = profile.user_id
            linked["audit_kept_local"] = self.store.outbox.keep_local_audit(
                profile.user_id, f"made before this desk was linked to {user.username}"
            )
        return updated, linked

    def logout(self) -> bool:
        """Revoke this device on the server (``POST /v1/auth/logout``), then forget its
        token here. Audited as ``logout``.

        Returns True when the server revoked it (or no longer knew it), False when the
        server could not be reached: the token is forgotten here all the same (nobody can
        use it any more), but the server lists the device as active until an
        administrator revokes it (``doorloop-central device revoke``).
        """
        url, device = self.server_url, self.device_id
        token = self.credentials.token(url, device) if url and device else None
        revoked = self._revoke(url, token) if url and token else True
        forget_device(self.store, self.state, self.credentials, revoked=revoked)
        self._close_transport()
        self._online = revoked and self._online
        self._emit_status()
        return revoked

    def _revoke(self, url: str, token: str) -> bool:
        """Ask the server to revoke the device holding ``token``; False when unreachable."""
        transport = self._transport_factory(url, token)
        try:
            transport.logout()
        except AuthRequired:
            return True  # already revoked or unknown: the token works nowhere
        except SyncError:
            return False
        finally:
            transport.close()
        return True

    def _close_transport(self) -> None:
        if self._transport is not None:
            self._transport.close()
            self._transport = None

    def _connected(self) -> Transport:
        if self._transport is None:
            url, device = self.server_url, self.device_id
            token = self.credentials.token(url, device) if url and device else None
            if not url or not token:
                raise NotLoggedIn("this device is not registered with a server")
            self._transport = self._transport_factory(url, token)
        return self._transport

    def close(self) -> None:
        self._close_transport()

    # -- one run ---------------------------------------------------------------------------

    def sync(self) -> SyncReport:
        """Push everything pending, pull everything new, audit the run. Never raises for
        network or server trouble: the report's ``outcome`` says what happened."""
        with self._run_lock:
            self._stop.clear()
            if not self._wiped:
                self.status()  # the counts the request-by-request status shows
            report = self._run()
            if not self._wiped:  # a wiped store has no status to read
                self._emit_status()  # first: whoever waits for the run's end sees it
            self._emit(SyncFinished(report))
            return report

    def _run(self) -> SyncReport:
        started = _now()
        counts = {"pushed": 0, "acknowledged": 0, "quarantined": 0, "pulled": 0, "skipped": 0}
        conflicts: list[str] = []
        resync = [False]
        if self._wiped:  # the store is gone: nothing to sync, ever
            return SyncReport("wiped", error="this device was wiped", started_at=started)
        if self.needs_login:
            return SyncReport("login_required", error="log in again", started_at=started)
        outcome = "ok"
        error: str | None = None
        try:
            self._push(counts, conflicts)
            # after every version batch is settled: a referral names a case the server
            # must know already (batches in flight may arrive out of order)
            self._push(counts, conflicts, (REFERRAL_KIND,))
            self._pull(counts, conflicts, resync)
            self._drop_closed()
        except NotLoggedIn as exc:
            outcome, error = "login_required", str(exc)
        except AuthRequired as exc:
            if exc.code == "device_wipe":
                self._wipe()
                return SyncReport("wiped", error=str(exc), started_at=started)
            outcome, error = "login_required", str(exc)
            self.state.set(NEEDS_LOGIN, "1")
            self._close_transport()
            self._emit(
                LoginRequired(
                    _("De centrale server accepteert dit apparaat niet meer. Meld u opnieuw aan."),
                    status=exc.status,
                )
            )
        except SyncStopped as exc:
            outcome, error = "stopped", str(exc)
        except TransientError as exc:
            outcome, error = "offline", str(exc)
        except (RequestRejected, CursorExpired) as exc:
            outcome, error = "failed", str(exc)
        finished = _now()
        report = SyncReport(
            outcome=outcome,  # type: ignore[arg-type]
            pushed=counts["pushed"],
            acknowledged=counts["acknowledged"],
            quarantined=counts["quarantined"],
            pulled=counts["pulled"],
            skipped=counts["skipped"],
            conflicts=tuple(dict.fromkeys(conflicts)),
            full_resync=resync[0],
            error=error,
            started_at=started,
            finished_at=finished,
        )
        self._record(report)
        return report

    @property
    def wiped(self) -> bool:
        """True once this device erased its store on the server's order."""
        return self._wiped

    def _wipe(self) -> None:
        """Revoked as lost (issue 21): erase the local store (cryptographically), then
        confirm to the server with the old token. Nothing is audited here: the store is
        gone; the server records the confirmation."""
        from desktop.sync.wipe import erase_store

        url, device = self.server_url, self.device_id
        token = self.credentials.token(url, device) if url and device else None
        self._close_transport()
        self.credentials.forget(url, device)  # the keyring's copy too, while it can
        starting = WipeStarting()
        self._emit(starting)
        if self._listeners:  # the window lets go of the store before its pages go
            starting.let_go.wait(WIPE_WAIT_SECONDS)
        erase_store(self.store)
        self._wiped = True
        self._emit(DeviceWiped())  # at once: the desk's own connection reads a wiped file
        if url and token:
            transport = self._transport_factory(url, token)
            try:
                transport.confirm_wipe()
            except SyncError:
                pass  # the data is gone either way; the admin sees it unconfirmed
            finally:
                transport.close()
        self._emit(
            LoginRequired(
                _(
                    "Dit apparaat is ingetrokken. De gegevens op dit apparaat zijn gewist; "
                    "sluit Doorloop af."
                ),
                status=401,
            )
        )

    def _drop_closed(self) -> list[str]:
        """After a good push and pull: drop the closed cases kept here longer than the
        role's keep period (issue 21; outreach laptops briefly). The central copy is
        the record; a case with a version still to send is kept."""
        from doorloop_protocol.privacy import RegionPrivacy

        role = str((self.user() or {}).get("role") or "desk")
        days = RegionPrivacy().keep_closed_for(role)
        cutoff = (_now().astimezone(UTC) - timedelta(days=days)).isoformat(timespec="milliseconds")
        with self.store.atomic():
            return self.state.drop_closed(cutoff)

    def _record(self, report: SyncReport) -> None:
        """Audit the run (action ``sync``) and, after a good run, push that event too."""
        profile = self.store.profile()
        with self.store.atomic():
            if report.outcome == "ok":
                self.state.set(LAST_SUCCESS, (report.finished_at or _now()).isoformat())
                self.state.delete(LAST_ERROR)
            else:
                self.state.set(LAST_ERROR, report.error or report.outcome)
            if profile is not None:
                self.store.audit.append(
                    actor_for(profile),
                    "sync",
                    outcome="success" if report.outcome == "ok" else report.outcome,
                    details={
                        "pushed": report.pushed,
                        "acknowledged": report.acknowledged,
                        "quarantined": report.quarantined,
                        "pulled": report.pulled,
                        "skipped": report.skipped,
                        "conflicts": len(report.conflicts),
                        "full_resync": report.full_resync,
                        "server": self.server_url,
                    },
                )
        self.status()  # the counts and last success the audit push's status shows
        if report.outcome == "ok":
            try:
                self._push({"pushed": 0, "acknowledged": 0, "quarantined": 0}, [], ("audit",))
            except SyncError as exc:
                self.state.set(LAST_ERROR, str(exc))

    # -- requests with retry ---------------------------------------------------------------

    def _call(self, request: Callable[[Transport], T]) -> T:
        attempt = 0
        while True:
            if self._stop.is_set():
                raise SyncStopped("stopped")
            transport = self._connected()
            self._request_started()
            try:
                result = request(transport)
            except TransientError as exc:
                self._request_ended(online=False)
                attempt += 1
                if attempt >= self.max_attempts:
                    raise
                if self._stop.wait(self.backoff.delay(attempt - 1, exc.retry_after)):
                    raise SyncStopped("stopped while waiting to retry") from exc
                continue
            except SyncError:
                self._request_ended(online=True)  # refused, but the server answered
                raise
            except BaseException:
                self._request_ended(online=self._online)
                raise
            self._request_ended(online=True)
            return result

    def _request_started(self) -> None:
        with self._requests_lock:
            self._requests += 1
            first = self._requests == 1
        if first:
            self._emit_connection()

    def _request_ended(self, *, online: bool) -> None:
        """One request is back: ``online`` says whether the server answered it."""
        with self._requests_lock:
            self._requests -= 1
            changed = self._requests == 0 or online != self._online
            self._online = online
        if changed:
            self._emit_connection()

    # -- push ------------------------------------------------------------------------------

    def _push(
        self,
        counts: dict[str, int],
        conflicts: list[str],
        kinds: tuple[str, ...] = ("version", "audit"),
    ) -> None:
        """Drain the outbox in batches, ``push_in_flight`` requests at a time.

        Sender threads post the batches while this thread takes the next batch from the
        outbox and settles answers in outbox order, so the store's work and the
        server's overlap instead of adding up (and a server with several workers works
        on two batches at once). Batches may therefore arrive out of order; the server
        holds a version whose base is still on its way and applies it when the base
        arrives. Every batch is settled (acknowledged, released or quarantined) before
        this method returns or raises; items of a failed request are released for a
        later run.
        """
        self._connected()  # registers the transport here, before the sender uses it
        after = 0
        # only what this user made goes with their token; other users' items wait for
        # their own sync (one user's token is never used for another's actions)
        author = self.author()
        # Sent or queued batches, oldest first: `push_in_flight` in flight, one queued.
        outstanding: deque[tuple[list[WireItem], Future[PushResponse]]] = deque()
        with ThreadPoolExecutor(self.push_in_flight, thread_name_prefix="doorloop-push") as sender:
            try:
                while True:
                    items = self.store.outbox.take_wire(
                        limit=self.push_batch, kinds=kinds, after=after, author=author
                    )
                    if not items:
                        break
                    after = items[-1].id
                    counts["pushed"] += len(items)
                    ready = self._sendable(items, counts)
                    if ready:
                        call = _push_call(_push_body(ready))
                        outstanding.append((ready, sender.submit(self._call, call)))
                    while len(outstanding) > self.push_in_flight:
                        sent, answer = outstanding.popleft()
                        self._finish(sent, answer.result, counts, conflicts)
                while outstanding:
                    sent, answer = outstanding.popleft()
                    self._finish(sent, answer.result, counts, conflicts)
            except BaseException as failure:
                while outstanding:
                    self._abandon(*outstanding.popleft(), failure, counts, conflicts)
                raise

    def _sendable(self, items: list[WireItem], counts: dict[str, int]) -> list[WireItem]:
        """The items of a taken batch that may go; a training case is quarantined here.

        Nothing else is checked locally: the server validates every item and refuses a
        bad one on its own, which quarantines just that item (see :meth:`_settle`)."""
        ready: list[WireItem] = []
        for item in items:
            if item.training:
                self._quarantine(item, "training_case", "training cases never sync")
                counts["quarantined"] += 1
                continue
            ready.append(item)
        return ready

    def _finish(
        self,
        ready: list[WireItem],
        answer: Callable[[], PushResponse],
        counts: dict[str, int],
        conflicts: list[str],
    ) -> None:
        """Get a batch's answer (``future.result`` of a sent one, or a request made now)
        and settle it; a 413/422 is narrowed down by halves."""
        try:
            response = answer()
        except RequestRejected as exc:
            if exc.status not in (413, 422):
                self.store.outbox.release([i.item_id for i in ready], str(exc))
                raise
            self._narrow(ready, exc, counts, conflicts)
            return
        except BaseException:
            self.store.outbox.release([i.item_id for i in ready], "not sent")
            raise
        self._settle(ready, response, counts, conflicts)

    def _abandon(
        self,
        ready: list[WireItem],
        answer: Future[PushResponse],
        failure: BaseException,
        counts: dict[str, int],
        conflicts: list[str],
    ) -> None:
        """Settle the batch still queued or in flight when the run failed.

        A queued request is cancelled; one already sent is waited for, because the
        server may have stored it: its answer is settled like any other."""
        if answer.cancel():
            self.store.outbox.release([i.item_id for i in ready], f"not sent: {failure}")
            return
        with contextlib.suppress(Exception):  # the run already fails with `failure`
            self._finish(ready, answer.result, counts, conflicts)

    def _push_items(
        self, ready: list[WireItem], counts: dict[str, int], conflicts: list[str]
    ) -> None:
        """Push one batch and settle it, without the sender thread (used to narrow down)."""
        call = _push_call(_push_body(ready))
        self._finish(ready, lambda: self._call(call), counts, conflicts)

    def _narrow(
        self,
        ready: list[WireItem],
        exc: RequestRejected,
        counts: dict[str, int],
        conflicts: list[str],
    ) -> None:
        """A rejected batch: quarantine the one item, or push each half on its own."""
        if len(ready) == 1:
            item = ready[0]
            field = exc.detail.field if exc.detail else None
            reason = exc.detail.code if exc.detail else f"http_{exc.status}"
            self._quarantine(item, reason, f"{field or ''} {exc}".strip())
            counts["quarantined"] += 1
            return
        middle = len(ready) // 2
        self._push_items(ready[:middle], counts, conflicts)
        self._push_items(ready[middle:], counts, conflicts)

    def _settle(
        self,
        ready: list[WireItem],
        response: PushResponse,
        counts: dict[str, int],
        conflicts: list[str],
    ) -> None:
        acked: list[str] = []
        missing: list[str] = []
        refused: list[tuple[WireItem, PushResult]] = []
        concurrent: list[str] = []
        for item, result in _answers(ready, response):
            if result is None:
                missing.append(item.item_id)
            elif result.stored:
                acked.append(item.item_id)
                if result.reason == "concurrent_version" and item.case_id:
                    concurrent.append(item.case_id)
            else:
                refused.append((item, result))
        with self.store.atomic():
            self.store.outbox.ack(acked)
            self.store.outbox.release(missing, "no result from the server")
            for case_id in concurrent:
                self.state.mark_needs_reconciliation(case_id)
            for item, result in refused:
                self._quarantine(
                    item, result.reason or result.result, result.message or result.result
                )
        counts["acknowledged"] += len(acked)
        counts["quarantined"] += len(refused)
        for case_id in concurrent:
            conflicts.append(case_id)
            self._emit_reconciliation(case_id)

    def _quarantine(self, item: WireItem, reason: str, detail: str) -> None:
        self.store.outbox.quarantine(item.item_id, f"{reason}: {detail}")
        if item.kind == "version":
            message = _("Een versie van een casus is door de centrale server geweigerd: {why}")
        elif item.kind == REFERRAL_KIND:
            # kept on this desk as a conflict of its referral, no longer applied
            self.store.referrals.mark_refused(item.item_id, f"{reason}: {detail}")
            message = _("Een stap in een verwijzing is door de centrale server geweigerd: {why}")
        else:
            message = _("Een auditregel is door de centrale server geweigerd: {why}")
        self._emit(
            ItemQuarantined(
                item_id=item.item_id,
                kind=item.kind,
                case_id=item.case_id,
                reason=reason,
                message=message.format(why=detail),
            )
        )

    # -- pull ------------------------------------------------------------------------------

    def _pull(self, counts: dict[str, int], conflicts: list[str], resync: list[bool]) -> None:
        """Pull page after page until the server has no more. While a page is stored, the
        next one is already asked for on a second thread (the transport is used by one
        thread at a time: the storing thread does not use it), so the server's time and
        the desk's storing overlap; a page is still stored, with its cursor, before the
        next one is."""
        with ThreadPoolExecutor(1, thread_name_prefix="doorloop-pull") as fetcher:
            ahead: list[Future[PullResponse | PullPage]] = []
            try:
                self._pull_pages(counts, conflicts, resync, fetcher, ahead)
            finally:
                for future in ahead:  # a page asked for but not needed: let it end
                    with contextlib.suppress(BaseException):
                        future.result()

    def _pull_pages(
        self,
        counts: dict[str, int],
        conflicts: list[str],
        resync: list[bool],
        fetcher: ThreadPoolExecutor,
        ahead: list[Future[PullResponse | PullPage]],
    ) -> None:
        since = self.state.pull_since()
        clear_reference = False
        while True:
            try:
                page = (
                    ahead.pop().result()
                    if ahead
                    else self._call(_pull_call(since, self.pull_limit))
                )
            except CursorExpired:
                if resync[0]:
                    raise
                resync[0] = True
                clear_reference = True
                since = 0
                continue
            if page.has_more and page.next_since > since:
                ahead.append(
                    fetcher.submit(self._call, _pull_call(page.next_since, self.pull_limit))
                )
            flagged = self._apply_page(page, clear_reference, counts)
            clear_reference = False
            for case_id in flagged:
                conflicts.append(case_id)
                self._emit_reconciliation(case_id)
            if page.next_since <= since and page.has_more:
                raise RequestRejected("the server's cursor did not advance", status=200)
            since = page.next_since
            if not page.has_more:
                with self.store.atomic():  # the desk's copy is current as of now
                    self.state.set(DIRECTORY_AS_OF, _now().isoformat())
                return

    def _apply_page(
        self, page: PullResponse | PullPage, clear_reference: bool, counts: dict[str, int]
    ) -> list[str]:
        """Store one page and its cursor in one transaction; returns newly flagged cases.

        A change that cannot be read (listed by the transport) or applied is set aside
        (:meth:`unreadable_changes`, with a notice) and the cursor moves past it: one
        bad change never stops the desk, nor any other desk of the region.

        The versions of cases new to this desk are stored together (:class:`_NewCases`);
        should one of them be stored after all, the whole page is rolled back and
        stored again one change at a time."""
        skipped: list[UnreadableChange] = list(getattr(page, "unreadable", ()))
        try:
            flagged, applied = self._store_page(page, clear_reference, self.batch_new_cases)
        except AlreadyStored:
            flagged, applied = self._store_page(page, clear_reference, False)
        skipped += applied
        counts["pulled"] += len(page.changes)
        counts["skipped"] = counts.get("skipped", 0) + len(skipped)
        for change in skipped:
            self._emit(
                ItemQuarantined(
                    item_id=change.id or f"seq-{change.seq}",
                    kind=f"pulled_{change.kind or 'change'}",
                    case_id=None,
                    reason="unreadable",
                    message=_(
                        "Een wijziging van de centrale server kon niet worden gelezen en is "
                        "overgeslagen ({what}): {why}"
                    ).format(what=change.id or change.seq or "?", why=change.problem),
                )
            )
        return flagged

    def _store_page(
        self, page: PullResponse | PullPage, clear_reference: bool, batched: bool
    ) -> tuple[list[str], list[UnreadableChange]]:
        """The transaction of :meth:`_apply_page`: (newly flagged cases, set aside)."""
        skipped: list[UnreadableChange] = list(getattr(page, "unreadable", ()))
        with self.store.atomic():
            before = set(self.state.reconciliation_cases())
            if clear_reference:
                self.state.clear_reference()
            fresh = _NewCases(self.state, page.changes) if batched else None
            for change in page.changes:
                if fresh is not None:
                    if fresh.take(change):
                        continue  # a case new to this desk: stored with the others
                    self._store_new_cases(fresh)  # page order: those before this one
                    fresh.seen(change)
                self._apply_one(change, skipped)
            if fresh is not None:
                self._store_new_cases(fresh)
            if skipped:
                self._set_aside(skipped)
            self.state.set_pull_since(page.next_since)
            after = self.state.reconciliation_cases()
            flagged = [case_id for case_id in after if case_id not in before]
        return flagged, skipped[len(getattr(page, "unreadable", ())) :]

    def _apply_one(self, change: Any, skipped: list[UnreadableChange]) -> None:
        try:
            with self.store.atomic():  # a savepoint: a failed change leaves nothing
                self._apply_change(change)
        except (ValueError, TypeError, LookupError) as exc:
            skipped.append(
                UnreadableChange(change.seq, change.kind, change.id, f"not applied: {exc}")
            )

    def _store_new_cases(self, fresh: _NewCases) -> None:
        """Store the collected versions of cases new to this desk in one go (no savepoint
        of its own: one costs more than the writes; :class:`AlreadyStored` undoes the
        whole page instead)."""
        batch = fresh.drain()
        if batch:
            self.state.insert_new_cases([rows for _change, rows in batch])

    def _set_aside(self, skipped: list[UnreadableChange]) -> None:
        """Remember unreadable pulled changes (newest last, at most UNREADABLE_KEPT)."""
        kept = self.unreadable_changes()
        kept += [
            {
                "seq": c.seq,
                "kind": c.kind,
                "id": c.id,
                "problem": c.problem,
                "at": _now().isoformat(),
            }
            for c in skipped
        ]
        self.state.set(UNREADABLE, json.dumps(kept[-UNREADABLE_KEPT:]))

    def unreadable_changes(self) -> list[dict[str, Any]]:
        """Pulled changes this desk could not read and skipped (seq, kind, id, problem, at),
        for the sync notices; the newest UNREADABLE_KEPT are kept."""
        value = self.state.get(UNREADABLE)
        return list(json.loads(value)) if value else []

    def _apply_change(self, change: Any) -> None:
        if isinstance(change, CaseVersionChange):
            self.state.apply_version(change.data.model_dump(mode="json"))
        elif isinstance(change, CaseStateChange):
            self.state.apply_case_state(change.data.model_dump(mode="json"))
        elif isinstance(change, ProviderChange):
            self.state.put_reference(
                "provider", change.id, change.data.model_dump(mode="json"), change.seq
            )
        elif isinstance(change, FormDefinitionChange):
            self.state.put_reference(
                "form_definition", change.id, change.data.model_dump(mode="json"), change.seq
            )
        elif isinstance(
            change, DirectoryUnitChange | DirectoryOrganizationChange | DirectoryRegionChange
        ):
            self.state.put_reference(change.kind, change.id, change.data, change.seq)
        elif isinstance(change, ReferralEventChange):
            self.store.referrals.apply_pulled(change.data.model_dump(mode="json"), change.seq)
        elif isinstance(change, TombstoneChange):
            kind = change.data.object_kind
            if kind in ("provider", "form_definition") or kind in DIRECTORY_KINDS:
                self.state.remove_reference(kind, change.id, change.seq)
            elif kind == "case_state":
                self.state.withdraw_case(change.id)
            # A removed case version stays in the local history: never deleted silently.

    # -- reference data --------------------------------------------------------------------

    def providers(self) -> list[dict[str, Any]]:
        return self.state.reference("provider")

    def directory(self) -> DeskDirectory | None:
        """The region's directory as last pulled, with its *stand van* time (offline too)."""
        return desk_directory(self.state)

    def place_hold(
        self, unit_id: str, case_id: str, until: datetime, hold_id: str | None = None
    ) -> UnitAnswer:
        """Reserve a place of a unit for a case on the central API (online only); the unit
        as it now stands replaces the desk's copy at once."""
        body = HoldRequest.model_validate(
            {
                "hold_id": hold_id or str(uuid.uuid4()),
                "unit_id": unit_id,
                "case_id": case_id,
                "until": until.isoformat(),
            }
        ).model_dump_json()
        answer = self._call(
            lambda transport: transport.directory_call("POST", "/v1/directory/holds", body)
        )
        self._keep_unit(answer)
        return answer

    def update_capacity(
        self, unit_id: str, available: int | None, intake_stop: dict[str, Any] | bool | None = False
    ) -> UnitAnswer:
        """A provider sets a unit's free places and/or intake stop (``False``: leave the
        stop as it is, ``None``: lift it)."""
        payload: dict[str, Any] = {}
        if available is not None:
            payload["available"] = available
        if intake_stop is not False:
            payload["intake_stop"] = intake_stop
        body = json.dumps(payload)
        path = f"/v1/directory/units/{quote(unit_id, safe='')}/capacity"
        answer = self._call(lambda transport: transport.directory_call("PUT", path, body))
        self._keep_unit(answer)
        return answer

    def _keep_unit(self, answer: UnitAnswer) -> None:
        unit_id = str(answer.unit.get("id", ""))
        if unit_id:
            with self.store.atomic():
                current = self.state.reference_seq("directory_unit", unit_id)
                self.state.put_reference("directory_unit", unit_id, answer.unit, current)

    def form_definitions(self) -> list[dict[str, Any]]:
        return self.state.reference("form_definition")

    def user(self) -> dict[str, Any] | None:
        value = self.state.get(USER)
        return json.loads(value) if value else None


class _NewCases:
    """The versions of a pulled page that start a case new to this desk (the whole of a
    new laptop's first sync), collected to be stored together
    (:meth:`SyncState.insert_new_cases`) instead of one by one
    (:meth:`SyncState.apply_version`).

    A version qualifies when neither it nor its case is stored here, nor met earlier in
    the page; what is stored is the same either way. Anything else (a known case, an
    item that cannot be read) goes the one-by-one way, in page order: the engine stores
    the collected ones first."""

    def __init__(self, state: SyncState, changes: Any) -> None:
        self._state = state
        version_ids: list[str] = []
        case_ids: list[str] = []
        for change in changes:
            if isinstance(change, CaseVersionChange):
                version_ids.append(str(change.data.version_id))
                case_ids.append(str(change.data.case_id))
        self._versions, self._cases = state.stored_ids(version_ids, case_ids)
        self._batch: list[tuple[Any, CaseRows]] = []

    def take(self, change: Any) -> bool:
        """Keep ``change`` for the batch when it starts a new case (True)."""
        if not isinstance(change, CaseVersionChange):
            return False
        try:
            item = change.data.model_dump(mode="json")
            version_id, case_id = str(item["version_id"]), str(item["case_id"])
            if version_id in self._versions or case_id in self._cases:
                return False
            case = self._state.new_case(item)
        except (ValueError, TypeError, LookupError):
            return False  # the one-by-one way names the problem
        self._versions.add(version_id)
        self._cases.add(case_id)
        self._batch.append((change, case))
        return True

    def seen(self, change: Any) -> None:
        """A change went the one-by-one way: its version and case may be stored now."""
        if isinstance(change, CaseVersionChange):
            self._versions.add(str(change.data.version_id))
            self._cases.add(str(change.data.case_id))

    def drain(self) -> list[tuple[Any, CaseRows]]:
        batch, self._batch = self._batch, []
        return batch


def _reconcile_message() -> str:
    return _(
        "Deze casus heeft twee versies op dezelfde basis. Beide zijn bewaard; "
        "iemand moet ze samenvoegen."
    )
