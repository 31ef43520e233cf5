"""A worker thread that runs the sync engine for the desk (Qt-free).

The UI builds one :class:`SyncWorker` with a factory that opens the engine's own store
(same data dir and passphrase, a separate connection) and a listener; events arrive on
the worker thread, so a Qt UI forwards them with a queued signal. Syncs run at start,
every ``interval`` seconds and when asked (:meth:`request_sync`); logging in and out run
here too so the UI never blocks on the network.

Live: while logged in the worker keeps the server's event stream open
(:class:`desktop.sync.stream.ChangeStream`, a thread of its own) and syncs as soon as
the server announces changes past this desk's cursor, and within ``local_check``
seconds of a commit on this desk (another connection's commit shows in SQLite's
``PRAGMA data_version``). Without the stream (server unreachable, an old server, a
proxy that buffers) it falls back to syncing every ``interval`` seconds; the stream
reconnects with backoff and every reconnect pulls, so nothing is missed.

When the desk locks, :meth:`drain_then_stop` keeps the worker syncing what was already
committed: it stops by itself (closing its store, so the key leaves memory) as soon as a
run leaves nothing pending, when it cannot sync (not logged in), or at the deadline;
:meth:`resume` at unlock keeps it running instead (docs/internal-api.md, "Sync while
locked").
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from desktop.sync.engine import SyncEngine
from desktop.sync.errors import SyncError
from desktop.sync.events import SyncEvent
from desktop.sync.stream import ChangeStream


@dataclass(frozen=True)
class LoginFinished:
    """The outcome of :meth:`SyncWorker.login` (``message`` is for the user when not ok)."""

    ok: bool
    message: str = ""


@dataclass(frozen=True)
class LogoutFinished:
    """The outcome of :meth:`SyncWorker.logout`: the token is forgotten here either way;
    ``revoked`` says whether the server revoked the device (``message`` when it did not)."""

    revoked: bool
    message: str = ""


@dataclass(frozen=True)
class WorkerStopped:
    """The worker ended on its own after a lock (nothing left to send, or the deadline)."""

    reason: str


WorkerEvent = SyncEvent | LoginFinished | LogoutFinished | WorkerStopped


@dataclass(frozen=True)
class _Login:
    server_url: str
    username: str
    password: str
    device_name: str | None


@dataclass(frozen=True)
class _News:
    """The server announced changes up to ``seq`` (``first``: a stream (re)connected)."""

    seq: int
    first: bool


_LOGOUT = "logout"
_SYNC = "sync"
_CHECK = "check"  # a quiet moment: sync only when something is due


class SyncWorker:
    """Runs one engine on a daemon thread: periodic syncs, syncs on request, login."""

    def __init__(
        self,
        open_engine: Callable[[], SyncEngine],
        listener: Callable[[WorkerEvent], None],
        *,
        interval: float = 60.0,
        live: bool = True,
        local_check: float = 0.5,
    ) -> None:
        self._open_engine = open_engine
        self._listener = listener
        self.interval = interval
        self.live = live
        self.local_check = local_check
        self._jobs: queue.Queue[str | _Login | _News | None] = queue.Queue()
        self._stream: ChangeStream | None = None
        self._stream_key: tuple[str, str] | None = None
        self._next_poll = 0.0
        self._data_version: int | None = None
        self._thread: threading.Thread | None = None
        self._engine: SyncEngine | None = None
        self._state = threading.Lock()
        self._drain_until: float | None = None
        self._ending = False

    def start(self) -> None:
        if self._thread is None:
            self._jobs.put(_SYNC)  # at once: the status then says what is true now
            self._thread = threading.Thread(target=self._main, name="doorloop-sync", daemon=True)
            self._thread.start()

    @property
    def alive(self) -> bool:
        """Running, and not ending (after a lock, or stopped)."""
        with self._state:
            ending = self._ending
        return self._thread is not None and self._thread.is_alive() and not ending

    def request_sync(self) -> None:
        self._jobs.put(_SYNC)

    def drain_then_stop(self, max_seconds: float) -> None:
        """The desk locked: sync what is committed now, then stop by itself (see module)."""
        with self._state:
            self._drain_until = time.monotonic() + max_seconds
        self._jobs.put(_SYNC)

    def resume(self) -> bool:
        """The desk unlocked: keep running. False when the worker already ended (or is
        ending); then start a new one."""
        with self._state:
            if self._ending or self._thread is None or not self._thread.is_alive():
                return False
            self._drain_until = None
        return True

    def logout(self) -> None:
        """Revoke this device on the server and forget it; :class:`LogoutFinished` follows."""
        self._jobs.put(_LOGOUT)

    def login(
        self, server_url: str, username: str, password: str, device_name: str | None = None
    ) -> None:
        """Log in on the worker thread; a :class:`LoginFinished` event follows."""
        self._jobs.put(_Login(server_url, username, password, device_name))

    def stop(self, timeout: float = 10.0) -> None:
        """Stop after the current request (backoff waits end at once) and close the store."""
        engine = self._engine
        if engine is not None:
            engine.request_stop()
        self._jobs.put(None)
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    @property
    def streaming(self) -> bool:
        """True while the live event stream is connected."""
        stream = self._stream
        return stream is not None and stream.connected.is_set()

    def _main(self) -> None:
        engine = self._open_engine()
        self._engine = engine
        engine.subscribe(self._listener)
        try:
            self._listener_status(engine)
            while True:
                try:
                    job = self._jobs.get(timeout=self._wait())
                except queue.Empty:
                    job = _SYNC if self._due(engine) else _CHECK
                if job is None:
                    return
                if isinstance(job, _Login):
                    self._login(engine, job)
                elif job == _LOGOUT:
                    self._logout(engine)
                elif isinstance(job, _News):
                    if job.first or job.seq > engine.state.pull_since():
                        self._sync(engine)
                elif job == _SYNC:
                    self._sync(engine)
                if engine.wiped:
                    return  # the store is erased: nothing left to sync, ever
                if job != _CHECK:
                    self._keep_stream(engine)
                reason = self._drained(engine)
                if reason is not None:
                    self._listener(WorkerStopped(reason))
                    return
        finally:
            with self._state:
                self._ending = True
            self._end_stream()
            engine.close()
            engine.store.close()

    def _sync(self, engine: SyncEngine) -> None:
        self._next_poll = time.monotonic() + self.interval
        self._data_version = self._local_version(engine)
        if engine.logged_in and not engine.needs_login:
            engine.sync()

    def _local_version(self, engine: SyncEngine) -> int | None:
        """SQLite's data_version of the engine's connection: it changes when another
        connection (the desk's UI) commits."""
        try:
            return int(engine.store.db.execute("PRAGMA data_version").fetchone()[0])
        except Exception:
            return None

    def _due(self, engine: SyncEngine) -> bool:
        """A poll is due, or (stream up) this desk committed since the last sync."""
        if time.monotonic() >= self._next_poll:
            return True
        if not self.streaming:
            return False
        version = self._local_version(engine)
        if version is None or version == self._data_version:
            return False
        self._data_version = version
        return engine.own_unsynced() > 0  # a commit with something of this user's to send

    def _wait(self) -> float:
        with self._state:
            until = self._drain_until
        wait = max(0.0, self._next_poll - time.monotonic())
        if self.streaming:
            wait = min(wait, self.local_check)
        if until is None:
            return wait
        return max(0.0, min(wait, until - time.monotonic()))

    def _on_news(self, seq: int, first: bool) -> None:
        """On the stream's thread: queue a pull (a busy queue already has one coming)."""
        if first or self._jobs.empty():
            self._jobs.put(_News(seq, first))

    def _keep_stream(self, engine: SyncEngine) -> None:
        """The stream follows the login: opened with the token, closed without one."""
        if not self.live or not engine.live_events:
            return
        key: tuple[str, str] | None = None
        url, device = engine.server_url, engine.device_id
        if url and device and engine.logged_in and not engine.needs_login:
            token = engine.credentials.token(url, device)
            key = (url, token) if token else None
        if key == self._stream_key:
            return
        self._end_stream()
        if key is not None:
            self._stream = ChangeStream(key[0], key[1], self._on_news)
            self._stream_key = key
            self._stream.start()

    def _end_stream(self) -> None:
        stream, self._stream, self._stream_key = self._stream, None, None
        if stream is not None:
            stream.stop()

    def _drained(self, engine: SyncEngine) -> str | None:
        """While locked: why to stop now (nothing pending, cannot sync, deadline), or None.
        Decided under the lock, so a :meth:`resume` either comes first or gets False."""
        with self._state:
            if self._drain_until is None or not self._jobs.empty():
                return None
            if not engine.logged_in or engine.needs_login:
                reason = "not_logged_in"
            elif time.monotonic() >= self._drain_until:
                reason = "deadline"
            else:
                status = engine.status()
                # this user's items only: another user's wait for that user's own sync
                own = engine.own_unsynced() - len(engine.quarantined())
                if own > 0 or not status.online:
                    return None
                reason = "sent"
            self._ending = True
            return reason

    def _listener_status(self, engine: SyncEngine) -> None:
        from desktop.sync.events import StatusChanged

        self._listener(StatusChanged(engine.status()))

    def _login(self, engine: SyncEngine, job: _Login) -> None:
        from desktop.i18n import _

        try:
            engine.login(job.server_url, job.username, job.password, job.device_name)
        except SyncError as exc:
            from desktop.sync.errors import AuthRequired, TransientError

            if isinstance(exc, AuthRequired):
                message = _("Onbekende gebruikersnaam of verkeerd wachtwoord.")
            elif isinstance(exc, TransientError):
                message = _("De centrale server is niet bereikbaar. Probeer het later opnieuw.")
            else:
                message = _("Aanmelden is mislukt: {error}").format(error=exc)
            self._listener(LoginFinished(False, message))
            return
        self._listener(LoginFinished(True))
        self._sync(engine)

    def _logout(self, engine: SyncEngine) -> None:
        from desktop.i18n import _

        if engine.logout():
            self._listener(LogoutFinished(True))
            return
        self._listener(
            LogoutFinished(
                False,
                _(
                    "Afgemeld op dit apparaat, maar de centrale server was niet bereikbaar: "
                    "daar staat dit apparaat nog als actief. Vraag de beheerder het in te "
                    "trekken."
                ),
            )
        )
