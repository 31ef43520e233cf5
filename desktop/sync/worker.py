"""A worker thread that runs the sync engine for the desk (Qt-free).

The UI builds one :class:`SyncWorker` with a factory that opens the engine's own store
(same data dir and passphrase, a separate connection) and a listener; events arrive on
the worker thread, so a Qt UI forwards them with a queued signal. Syncs run at start,
every ``interval`` seconds and when asked (:meth:`request_sync`); logging in and out run
here too so the UI never blocks on the network.

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


_LOGOUT = "logout"
_SYNC = "sync"


class SyncWorker:
    """Runs one engine on a daemon thread: periodic syncs, syncs on request, login."""

    def __init__(
        self,
        open_engine: Callable[[], SyncEngine],
        listener: Callable[[WorkerEvent], None],
        *,
        interval: float = 60.0,
    ) -> None:
        self._open_engine = open_engine
        self._listener = listener
        self.interval = interval
        self._jobs: queue.Queue[str | _Login | None] = queue.Queue()
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
                    job = _SYNC
                if job is None:
                    return
                if isinstance(job, _Login):
                    self._login(engine, job)
                elif job == _LOGOUT:
                    self._logout(engine)
                elif engine.logged_in and not engine.needs_login:
                    engine.sync()
                reason = self._drained(engine)
                if reason is not None:
                    self._listener(WorkerStopped(reason))
                    return
        finally:
            with self._state:
                self._ending = True
            engine.close()
            engine.store.close()

    def _wait(self) -> float:
        with self._state:
            until = self._drain_until
        if until is None:
            return self.interval
        return max(0.0, min(self.interval, until - time.monotonic()))

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
                if status.unsynced - status.quarantined > 0 or not status.online:
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
        engine.sync()

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
