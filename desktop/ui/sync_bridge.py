"""The desk's link to the sync worker: status bar, notices, login, lock and unlock.

:class:`SyncBridge` owns one :class:`~desktop.sync.SyncWorker` (a Qt-free thread with its
own store connection). Worker events arrive on the worker thread and are moved to the UI
thread through a queued signal; there the bridge writes :meth:`SyncStatus.text` into the
main window's connection label, refreshes the case list after a pull, and shows
non-blocking notices (a bar above the tabs) for refused items (422), for "log in again"
(401/403, never retried by itself) and for cases that need reconciling.

The worker needs the store passphrase to open its own connection, as the user who
unlocked: each user syncs with their own central login (device token, cursor), and a
switch of user switches the worker (:meth:`SyncBridge.start`). The bridge gets it at
start-up (or at unlock when no worker runs) and hands it straight to the worker's opener,
which drops it once the store is open; nothing keeps it. When the desk locks, the UI's
store closes but the worker keeps syncing what was committed, then stops by itself (its
store closes) once nothing is pending, or at ``locked_sync_seconds`` at the latest; at
unlock it keeps running, or a new one starts (docs/internal-api.md, "Sync while locked").
The reconcile notice goes away as soon as no case needs reconciling any more (after a
merge here, or after pulling one made elsewhere). *Afmelden* revokes the device on the
server through the worker, then forgets the token.

Training sessions never start a worker. ``desktop.sync`` is imported only when a worker
starts, and httpx only when the engine talks to a server.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from desktop.i18n import _

if TYPE_CHECKING:
    from desktop.store import Store
    from desktop.sync import SyncStatus, SyncWorker, WipeStarting


def training_text() -> str:
    return _("oefenomgeving: synchronisatie uit")


def url_problem(url: str) -> str | None:
    """A Dutch message when ``url`` cannot be a server address, else None."""
    text = url.strip()
    if not text:
        return _("Vul het adres van de centrale server in.")
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return _(
            "Dit is geen geldig serveradres. Gebruik een adres als "
            "https://centraal.voorbeeld.nl (met http:// of https://)."
        )
    try:
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        return _("Het poortnummer in het serveradres is ongeldig.")
    return None


class NoticeBar(QFrame):
    """Notices above the tabs: visible, never modal; each can be closed by keyboard."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sync_notices")
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._rows: dict[str, QFrame] = {}
        self.hide()

    def show_notice(
        self,
        key: str,
        text: str,
        *,
        action: tuple[str, Callable[[], None]] | None = None,
        severity: str = "warning",
    ) -> QFrame:
        """Show (or replace) the notice ``key``."""
        self.dismiss(key)
        row = QFrame(self)
        row.setObjectName(f"notice_{key}")
        colour = "#FFF3E0" if severity == "warning" else "#E3F2FD"
        row.setStyleSheet(f"#notice_{key} {{ background: {colour}; border: 1px solid #999; }}")
        layout = QHBoxLayout(row)
        label = QLabel(text)
        label.setObjectName("notice_text")
        label.setWordWrap(True)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(label, 1)
        if action is not None:
            button = QPushButton(action[0])
            button.setObjectName("notice_action")
            button.clicked.connect(action[1])
            layout.addWidget(button)
        close = QPushButton(_("Sluiten"))
        close.setObjectName("notice_close")
        close.clicked.connect(lambda: self.dismiss(key))
        layout.addWidget(close)
        self._layout.addWidget(row)
        self._rows[key] = row
        self.show()
        return row

    def dismiss(self, key: str) -> None:
        row = self._rows.pop(key, None)
        if row is not None:
            row.hide()
            row.deleteLater()
        if not self._rows:
            self.hide()

    def texts(self) -> dict[str, str]:
        """Notice key → its text (for tests and accessibility checks)."""
        result: dict[str, str] = {}
        for key, row in self._rows.items():
            label = row.findChild(QLabel, "notice_text")
            result[key] = label.text() if label is not None else ""
        return result


class SyncBridge(QObject):
    """Owns the sync worker of one desk window and shows what it reports."""

    worker_event = Signal(object)
    status_changed = Signal(object)
    login_finished = Signal(bool, str)
    logout_finished = Signal(bool)
    sync_finished = Signal(object)

    def __init__(
        self,
        window: Any,
        data_dir: Path,
        *,
        open_store: Callable[[Path, str, str | None], Store] | None = None,
        interval: float = 60.0,
        engine_options: dict[str, Any] | None = None,
        locked_sync_seconds: float = 1800.0,
    ) -> None:
        super().__init__(window)
        self.window = window
        self.data_dir = Path(data_dir)
        self.training = bool(window.session.training)
        self.interval = interval
        self.locked_sync_seconds = locked_sync_seconds
        self._refresh_at_unlock = False
        self.engine_options = dict(engine_options or {})
        self._open_store = open_store
        self._worker: SyncWorker | None = None
        self._user: str | None = None  # whose worker it is (local id)
        self._draining: list[SyncWorker] = []  # earlier users' workers, sending what they made
        self.status: SyncStatus | None = None
        self.wiped = False  # the engine erased the store (remote wipe): shown
        self.wipe_starting: WipeStarting | None = None  # its erase waits for our let go
        self.wipe_seen = False  # set on the worker thread as soon as the engine says so
        self.reports: list[Any] = []
        self.notices = NoticeBar(window)
        central = window.centralWidget()
        if central is not None and central.layout() is not None:
            central.layout().insertWidget(0, self.notices)
        self.worker_event.connect(self._on_event, Qt.ConnectionType.QueuedConnection)
        if self.training:
            window.set_connection(training_text())

    # -- worker lifetime -------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._worker is not None and self._worker.alive

    def start(self, passphrase: str, user: str | None = None) -> None:
        """Start the worker of ``user`` (the local id of who unlocked; None: whoever the
        passphrase opens) or keep theirs still syncing after a lock; ``passphrase`` goes
        to a new worker's opener and is dropped after use.

        Each user syncs as themselves: after *wissel gebruiker* the previous user's worker
        finishes sending what they committed (with their own token) and stops, and a
        worker for the new user starts with their login; the previous one's reports are
        no longer shown."""
        if self.training:
            return
        if user is None:
            user = self.window.session.store.current_user
        if self._worker is not None and self._user == user and self._worker.resume():
            self._after_unlock()
            return
        if self._worker is not None:
            self._draining.append(self._worker)  # already draining since the lock
        self._draining = [w for w in self._draining if w.alive]
        self._worker = None
        self._user = user
        self.status = None
        self.notices.dismiss("login")
        self._after_unlock()
        from desktop.sync import SyncEngine, SyncWorker

        secret = [passphrase]
        opener = self._open_store or _default_open_store
        data_dir = self.data_dir
        options = dict(self.engine_options)

        def open_engine() -> SyncEngine:
            store = opener(data_dir, secret.pop(), user)
            try:
                return SyncEngine(store, **options)
            except BaseException:
                store.close()
                raise

        from desktop.sync import WipeStarting
        from desktop.sync.wipe import reports_wipe

        def listener(event: object) -> None:
            if reports_wipe(event):  # on the worker thread: the UI stops reading at once
                if isinstance(event, WipeStarting):
                    self.wipe_starting = event
                self.wipe_seen = True
            if self._user == user:  # a previous user's worker reports to no one
                self.worker_event.emit(event)

        self._worker = SyncWorker(open_engine, listener, interval=self.interval)
        self._worker.start()

    def stop(self) -> None:
        """Stop the workers and close their stores (the window closes)."""
        worker, self._worker = self._worker, None
        draining, self._draining = self._draining, []
        for each in [*draining, *([worker] if worker is not None else [])]:
            each.stop()

    def keep_syncing_while_locked(self) -> None:
        """The UI's store is about to lock: the worker sends what is committed, then ends."""
        if self._worker is not None:
            self._worker.drain_then_stop(self.locked_sync_seconds)

    def _after_unlock(self) -> None:
        """Show what the worker reported while the desk was locked."""
        if self.window.session.store.locked:
            return
        if self.status is not None:
            self._show_status(self.status)
        if self._refresh_at_unlock:
            self._refresh_at_unlock = False
            self.window.list_page.refresh()

    # -- what the menu asks ----------------------------------------------------------------

    def request_sync(self) -> None:
        if self.training:
            self.window.set_connection(training_text())
            return
        if self._worker is None:
            return
        if self.status is not None and (self.status.needs_login or not self.status.logged_in):
            self._show_login_notice(
                _("Dit apparaat is niet aangemeld bij de centrale server. Meld u eerst aan.")
            )
            return
        self._worker.request_sync()

    def login(self, server_url: str, username: str, password: str, device_name: str) -> bool:
        """Hand a login to the worker (never blocks); False when no worker runs."""
        if self.training or self._worker is None:
            return False
        self._worker.login(server_url, username, password, device_name or None)
        return True

    def logout(self) -> None:
        """Revoke this device on the server, then forget its token (on the worker; a
        :class:`~desktop.sync.LogoutFinished` follows). Without a worker the token is
        only forgotten here."""
        if self.training:
            return
        if self._worker is not None and self._worker.alive:
            self.notices.dismiss("login")
            self.window.set_connection(_("Afmelden bij de centrale server…"))
            self._worker.logout()
            return
        self.window.session.forget_sync_device(
            use_keyring=self.engine_options.get("use_keyring", True)
        )
        self.notices.dismiss("login")
        self._show_status(self._status_from_ui_store())

    def open_login_dialog(self) -> None:
        from desktop.ui.login_dialog import LoginDialog

        if self.training:
            self.window.set_connection(training_text())
            return
        dialog = LoginDialog(self, self.window)
        dialog.open()

    def open_reconcile(self) -> None:
        from desktop.ui.reconcile_view import ReconcileListDialog

        dialog = ReconcileListDialog(self.window.session, self.window)
        dialog.finished.connect(lambda _result: self._after_reconcile())
        dialog.open()

    def _after_reconcile(self) -> None:
        self.window.list_page.refresh()
        self.window.refresh_status()
        if not _reconciliation_cases(self.window.session.store):
            self.notices.dismiss("reconcile")
        if self._worker is not None and self.status is not None and self.status.logged_in:
            self._worker.request_sync()

    # -- events on the UI thread -----------------------------------------------------------

    def _on_event(self, event: Any) -> None:
        from desktop.sync import (
            ItemQuarantined,
            LoginFinished,
            LoginRequired,
            LogoutFinished,
            ReconciliationNeeded,
            StatusChanged,
            SyncFinished,
        )
        from desktop.sync.wipe import reports_wipe

        if self.wiped or self.wipe_seen or reports_wipe(event):
            # the engine waits for this before it erases (asked on the worker thread)
            starting = self.wipe_starting
            let_go = starting.let_go.set if starting is not None else None
            if not self.wiped:
                # whatever was queued before it is stale: the store is going or gone
                self.wiped = True
                # closes the window's own store connection, then lets the engine erase
                self.window.show_wiped(released=let_go)
            elif let_go is not None:
                let_go()  # the window let go of the store already
            if isinstance(event, SyncFinished):
                self.reports.append(event.report)
                self.sync_finished.emit(event.report)
            return
        if isinstance(event, StatusChanged):
            self._show_status(event.status)
        elif isinstance(event, ItemQuarantined):
            self.notices.show_notice(f"quarantine_{event.item_id[:8]}", event.message)
        elif isinstance(event, LoginRequired):
            self._show_login_notice(event.message)
        elif isinstance(event, ReconciliationNeeded):
            self.notices.show_notice(
                "reconcile",
                event.message or _("Een casus moet worden samengevoegd."),
                action=(_("Samenvoegen…"), self.open_reconcile),
                severity="info",
            )
        elif isinstance(event, SyncFinished):
            self.reports.append(event.report)
            if self.window.session.store.locked:
                self._refresh_at_unlock = self._refresh_at_unlock or bool(event.report.pulled)
            else:
                if event.report.pulled:
                    self.window.list_page.refresh()
                self.window.refresh_status()
            self.sync_finished.emit(event.report)
        elif isinstance(event, LogoutFinished):
            if event.revoked:
                self.notices.dismiss("logout")
            else:
                self.notices.show_notice("logout", event.message)
            if self.status is not None:
                self._show_status(self.status)
            self.logout_finished.emit(event.revoked)
        elif isinstance(event, LoginFinished):
            if event.ok:
                self.notices.dismiss("login")
                session = self.window.session
                if not session.store.locked:  # the login may have set the user's region
                    session.profile = session.store.profile() or session.profile
            self.login_finished.emit(event.ok, event.message)

    def _show_status(self, status: SyncStatus) -> None:
        self.status = status
        if status.needs_reconciliation == 0:
            self.notices.dismiss("reconcile")  # resolved here, or pulled from elsewhere
        if self.window.session.store.locked:
            return
        self.window.set_connection(status.text())
        self.window.refresh_status()
        self.status_changed.emit(status)

    def _show_login_notice(self, message: str) -> None:
        self.notices.show_notice(
            "login",
            message,
            action=(_("Opnieuw aanmelden…"), self.open_login_dialog),
        )

    def _status_from_ui_store(self) -> SyncStatus:
        """The status while no worker runs: the session's (the engine's computation)."""
        return self.window.session.sync_status(
            use_keyring=self.engine_options.get("use_keyring", True)
        )


def _reconciliation_cases(store: Store) -> list[str]:
    from desktop.store.sync_state import SyncState

    return SyncState(store.db).reconciliation_cases()


def _default_open_store(data_dir: Path, passphrase: str, user: str | None) -> Store:
    from desktop.store import open_store

    return open_store(data_dir, passphrase, user=user)


def install(window: Any, data_dir: Path, passphrase: str | None, **options: Any) -> SyncBridge:
    """Build the bridge for ``window``, attach it, and start the worker of the user who
    unlocked when possible."""
    bridge = SyncBridge(window, data_dir, **options)
    window.attach_sync(bridge)
    if passphrase is not None:
        bridge.start(passphrase, window.session.store.current_user)
    return bridge
