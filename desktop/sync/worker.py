"""A worker thread that runs the sync engine for the desk (Qt-free).

The UI builds one :class:`SyncWorker` with a factory that opens the engine's own store
(same data dir and passphrase, a separate connection) and a listener; events arrive on
the worker thread, so a Qt UI forwards them with a queued signal. Syncs run every
``interval`` seconds and when asked (:meth:`request_sync`); logging in runs here too so
the UI never blocks on the network. Stop the worker before the store is locked.
"""

from __future__ import annotations

import queue
import threading
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


WorkerEvent = SyncEvent | LoginFinished


@dataclass(frozen=True)
class _Login:
    server_url: str
    username: str
    password: str
    device_name: str | None


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

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._main, name="doorloop-sync", daemon=True)
            self._thread.start()

    def request_sync(self) -> None:
        self._jobs.put("sync")

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
                    job = self._jobs.get(timeout=self.interval)
                except queue.Empty:
                    job = "sync"
                if job is None:
                    return
                if isinstance(job, _Login):
                    self._login(engine, job)
                    continue
                if engine.logged_in and not engine.needs_login:
                    engine.sync()
        finally:
            engine.close()
            engine.store.close()

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
