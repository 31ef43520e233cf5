"""The one place that builds the QApplication and wires store, session and windows."""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, cast

from desktop.i18n import _, set_language
from desktop.paths import database_path, default_data_dir

# Imported on the main thread before the key derivation starts (see EarlyOpen); the
# rest of the store, SQLCipher included, loads while it runs.
from desktop.store.slot_kdf import derive, first_candidate, slot_for_name
from desktop.store.slot_kdf import load as load_kdf

if TYPE_CHECKING:
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QDialog

    from desktop.store import Profile, Store

SMOKE_PROFILE_NAME = "Rooktest"
# For `make bench` and tests only: a real start prints "ready in N ms" once the main
# window has painted, then "sync started in N ms" once the sync worker runs (or "sync
# off" without one), then quits.
START_REPORT_ENV = "DOORLOOP_START_REPORT"


class EarlyOpen(threading.Thread):
    """Derives the key-slot key from ``DOORLOOP_PASSPHRASE`` while Qt loads on the main thread.

    Argon2id releases the GIL, so the derivation and loading the window overlap; start-up
    then costs about the larger of the two instead of their sum. ``DOORLOOP_USER`` may
    name whose key slot to try (else the first, then each). The thread only runs the
    derivation (:func:`desktop.store.slot_kdf.derive`), which imports nothing: importing
    modules there while PySide6's import hook inspects modules on the main thread is a
    race that made about one start in twenty fail. The main thread opens the slot and the
    store with the derived key (:meth:`open_store`); a new store, or one from before key
    slots, is opened there as usual.
    """

    def __init__(
        self, data_dir: Path, passphrase: str, training: bool, user: str | None = None
    ) -> None:
        super().__init__(name="doorloop-derive-key", daemon=True)
        self.data_dir = data_dir
        self.passphrase = passphrase
        self.training = training
        self.user = user
        self.path = database_path(data_dir, training=training)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.candidate = first_candidate(self.path, user)
        if self.candidate is not None:
            load_kdf()  # argon2 is imported here, on the main thread, not on this one
        self.derived: dict[str, bytes] = {}
        self.error: BaseException | None = None

    def run(self) -> None:
        if self.candidate is None:
            return
        slot_id, kdf = self.candidate
        try:
            self.derived[slot_id] = derive(self.passphrase, kdf)
        except BaseException as exc:  # handed to the main thread, which reports it
            self.error = exc

    def open_store(self) -> Store:
        """Wait for the key, then open the store on this (the main) thread; raises what
        opening raised (``WrongPassphrase``)."""
        from desktop.store import open_store
        from desktop.store.keyslots import open_keyed

        self.join()
        if self.error is not None:
            raise self.error
        opened = open_keyed(self.path, self.passphrase, self.user, self.derived)
        return open_store(self.data_dir, self.passphrase, training=self.training, opened=opened)


def _open_or_create(
    data_dir: Path,
    training: bool,
    smoke: bool,
    early: EarlyOpen | None,
    secrets: list[str] | None = None,
    started: float = 0.0,
) -> tuple[Store, Profile] | None:
    """Return an open (store, profile), asking the person when needed; None = cancelled.

    The passphrase that opened the store is appended to ``secrets`` (when given) so the
    caller can hand it to the sync worker once and then drop it.
    """
    # light imports only: the dialogs paint before the store's modules load
    from desktop.store.errors import WrongPassphrase
    from desktop.store.slot_kdf import list_users, store_exists
    from desktop.ui.access_dialogs import ProfileDialog, UnlockDialog

    exists = store_exists(data_dir, training=training)
    if early is not None:
        try:
            store = early.open_store()
        except WrongPassphrase:
            print(_("Onjuiste wachtwoordzin in DOORLOOP_PASSPHRASE."), file=sys.stderr)
            return None
        profile = store.profile()
        if profile is None and smoke:
            profile = store.create_profile(SMOKE_PROFILE_NAME, "desk")
        if profile is not None:
            if secrets is not None:
                secrets.append(early.passphrase)
            return store, profile
        store.close()

    if exists:

        def unlock(secret: str, user: str | None = None) -> Store:
            from desktop.store import open_store

            store = open_store(data_dir, secret, training=training, user=user)
            if secrets is not None:
                secrets.append(secret)
            return store

        # each user of the device unlocks with their own passphrase: the list says who
        dialog = UnlockDialog(unlock, users=list_users(data_dir, training=training))
        _load_while_typing(dialog)
        if os.environ.get(START_REPORT_ENV) == "1":  # after: the last filter runs first
            _report_unlock_screen(dialog, started)
        if dialog.exec() != dialog.DialogCode.Accepted:
            return None
        store = dialog.result_value
        profile = store.profile()
        if profile is not None:
            return store, profile
        store.close()

    def create(name: str, role: str, secret: str) -> tuple[Store, Profile]:
        from desktop.store import open_store

        store = open_store(data_dir, secret, training=training)
        if secrets is not None:
            secrets.append(secret)
        return store, store.create_profile(name, role)

    profile_dialog = ProfileDialog(create)
    _load_while_typing(profile_dialog)
    if profile_dialog.exec() != profile_dialog.DialogCode.Accepted:
        return None
    return profile_dialog.result_value


def _load_while_typing(dialog: QDialog) -> None:
    """Once ``dialog`` (unlock or first profile) is on screen, load the desk's modules
    and the window icon while the person types: the dialog paints without waiting for
    them, and the main window opens without loading them after the passphrase."""
    from desktop.ui.first_paint import after_first_paint

    def load() -> None:
        from PySide6.QtWidgets import QApplication

        import desktop.session.desk
        import desktop.store.store
        import desktop.ui.main_window  # noqa: F401

        app = QApplication.instance()
        if isinstance(app, QApplication) and app.windowIcon().isNull():
            app.setWindowIcon(_app_icon())

    after_first_paint(dialog, load)


def _report_unlock_screen(dialog: QDialog, started: float) -> None:
    """For `make bench`: print "unlock screen in N ms" once the unlock dialog (the first
    thing a person sees on a later start) has painted, then close it (nothing opens)."""
    from desktop.ui.first_paint import after_first_paint

    def report() -> None:
        print(f"unlock screen in {(time.perf_counter() - started) * 1000:.0f} ms", flush=True)
        dialog.reject()

    after_first_paint(dialog, report)


def _app_icon() -> QIcon:
    """The window icon, read through importlib.resources (same in a frozen build)."""
    from importlib import resources

    from PySide6.QtGui import QIcon, QPixmap

    pixmap = QPixmap()
    pixmap.loadFromData(
        resources.files("desktop.ui").joinpath("icons", "doorloop.png").read_bytes()
    )
    return QIcon(pixmap)


def _load_before_qt() -> None:
    """Import the Qt-free modules the first paint needs, before PySide6.

    PySide6's import hook reads the source of each module imported after PySide6 (it
    looks for the text "PySide6"); loading these first spares them that. The window
    icon's readers (importlib.resources) load after the first paint, with the icon.
    """
    import desktop.session.access
    import desktop.session.desk
    import desktop.store.outbox
    import desktop.store.store
    import desktop.timefmt  # noqa: F401  -- the case list's times


def run(
    *,
    data_dir: Path | None = None,
    training: bool = False,
    smoke: bool = False,
    language: str | None = None,
    started: float | None = None,
) -> int:
    started = started if started is not None else time.perf_counter()
    data_dir = Path(data_dir) if data_dir else default_data_dir()
    data_dir.mkdir(parents=True, exist_ok=True)
    passphrase = os.environ.get("DOORLOOP_PASSPHRASE")
    early = None
    if passphrase and (smoke or database_path(data_dir, training=training).exists()):
        user = slot_for_name(
            database_path(data_dir, training=training), os.environ.get("DOORLOOP_USER")
        )
        early = EarlyOpen(data_dir, passphrase, training, user)
        early.start()  # first: the key derivation is the longest single step
    set_language(language or os.environ.get("DOORLOOP_LANG") or "nl")
    if early is not None:
        _load_before_qt()

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    if early is not None:
        # loads while the key is derived; without a passphrase a dialog asks first and
        # the desk loads while the person types (_load_while_typing)
        import desktop.ui.main_window  # noqa: F401

    # instance() is typed as the QCoreApplication base; ours is always a QApplication
    app = cast(QApplication, QApplication.instance() or QApplication(sys.argv[:1]))
    app.setApplicationName("Doorloop")
    app.setOrganizationName("Doorloop")
    from desktop.i18n import language as current_language
    from desktop.ui.qt_translations import install_qt_translations

    install_qt_translations(current_language())
    secrets: list[str] = []
    opened = _open_or_create(data_dir, training, smoke, early, secrets, started)
    if opened is None:
        return 2 if smoke else 0
    store, profile = opened
    if language is None and not os.environ.get("DOORLOOP_LANG"):
        set_language(profile.language)
        install_qt_translations(profile.language)
    from desktop.session.desk import DeskSession
    from desktop.ui.main_window import MainWindow

    session = DeskSession(store, profile)
    window = MainWindow(session)
    window.show()

    if smoke:

        def report() -> None:
            elapsed = (time.perf_counter() - started) * 1000
            print(f"ready in {elapsed:.0f} ms", flush=True)
            window.close()
            app.quit()

        QTimer.singleShot(0, report)
    else:
        passphrase = None if training or not secrets else secrets[-1]
        secrets.clear()
        report_start = os.environ.get(START_REPORT_ENV) == "1"

        def after_first_paint() -> None:
            if report_start:
                print(f"ready in {(time.perf_counter() - started) * 1000:.0f} ms", flush=True)
            if app.windowIcon().isNull():  # decoding it (~10 ms) waited for the first paint
                app.setWindowIcon(_app_icon())
            # the sync modules load only now, after the window is on screen (httpx only
            # once a server is configured); the passphrase goes to the worker's opener
            from desktop.ui.sync_bridge import install

            bridge = install(window, data_dir, passphrase)
            window.refresh_status()  # breaches found offline alert at once, not in 5 s
            window.offer_unfinished()
            if report_start:
                elapsed = (time.perf_counter() - started) * 1000
                state = "started" if bridge.running else "off"
                print(f"sync {state} in {elapsed:.0f} ms", flush=True)
                window.close()
                app.quit()

        from desktop.ui.first_paint import after_first_paint as when_painted

        when_painted(window, after_first_paint)
    try:
        return int(app.exec())
    finally:
        if not store.locked:
            store.close()
