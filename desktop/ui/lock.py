"""Auto-lock: an idle watcher and the overlay that covers the window while locked."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QWindow
from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout, QWidget

from desktop.i18n import _
from desktop.store import SlotInfo
from desktop.ui.access_dialogs import UnlockPanel

_ACTIVITY = {
    QEvent.Type.KeyPress,
    QEvent.Type.MouseButtonPress,
    QEvent.Type.MouseMove,
    QEvent.Type.Wheel,
    QEvent.Type.TouchBegin,
}


class IdleWatcher(QObject):
    """Emits ``idle`` after ``minutes`` without keyboard or mouse activity.

    Activity is seen on the app's windows: each top-level window (the main window,
    dialogs) is watched from when it first has the focus, and the window system
    delivers all input to a window before its widgets get it; menus, which may not take
    the focus, are watched themselves (:meth:`watch`). Not an application-wide event
    filter: that hands every event of every object to Python, and the first event of
    one of Qt's internal objects makes PySide load all of its classes (about 50 ms at
    start-up).
    """

    idle = Signal()

    def __init__(self, minutes: float, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.idle)
        self.set_minutes(minutes)
        self._app = QGuiApplication.instance()
        if isinstance(self._app, QGuiApplication):
            self._app.focusWindowChanged.connect(self.watch)
            self.watch(self._app.focusWindow())

    def watch(self, target: QWindow | QWidget | None) -> None:
        """Count input to ``target`` (a window, a menu) as activity; twice is harmless."""
        if target is not None:
            target.installEventFilter(self)

    def detach(self) -> None:
        """Watch no further windows (the owner closes)."""
        if isinstance(self._app, QGuiApplication):
            self._app.focusWindowChanged.disconnect(self.watch)
            self._app = None

    def set_minutes(self, minutes: float) -> None:
        self._timer.setInterval(max(1, int(minutes * 60_000)))
        self.restart()

    def restart(self) -> None:
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _ACTIVITY and self._timer.isActive():
            self._timer.start()
        return False


class LockOverlay(QFrame):
    """Opaque cover over the whole window with the unlock panel in the middle.

    Any user of the device may unlock it with their own passphrase (the panel lists the
    users): *Wissel gebruiker* is this cover with nobody chosen yet; open cases stay
    open underneath, everything in them already committed."""

    def __init__(
        self,
        unlock: Callable[..., Any],
        on_unlocked: Callable[[Any], None],
        parent: QWidget,
        *,
        users: Callable[[], list[SlotInfo]] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("lock_overlay")
        self.setAutoFillBackground(True)
        self.setStyleSheet("#lock_overlay { background: #263238; } QLabel { color: white; }")
        title = QLabel(_("Doorloop is vergrendeld"))
        title.setStyleSheet("font-size: 20px; font-weight: bold;")
        self._users = users
        self.panel = UnlockPanel(
            unlock, on_unlocked, self.prompt(idle=True), users=[] if users else None
        )
        self.panel.setMaximumWidth(480)
        layout = QVBoxLayout(self)
        layout.addStretch()
        layout.addWidget(title)
        layout.addWidget(self.panel)
        layout.addStretch()
        self.hide()

    @staticmethod
    def prompt(*, idle: bool, switching: bool = False) -> str:
        """Why the window is locked: after idle minutes, by hand (Ctrl+L), or to let
        another user in (*Wissel gebruiker*)."""
        if switching:
            return _(
                "Wissel gebruiker: kies uw naam en voer uw eigen wachtwoordzin in. Open "
                "casussen blijven open en alles is bewaard."
            )
        if idle:
            return _(
                "Na een periode zonder activiteit is Doorloop vergrendeld. Wat u had "
                "ingevuld is bewaard. Voer uw wachtwoordzin in om verder te gaan."
            )
        return _(
            "U hebt Doorloop vergrendeld. Wat u had ingevuld is bewaard. Voer uw "
            "wachtwoordzin in om verder te gaan."
        )

    def cover(
        self, *, idle: bool = True, switching: bool = False, current: str | None = None
    ) -> None:
        """Show the cover; ``current``: the user who locked (chosen in the list, unless
        ``switching``: then the next person picks their own name first)."""
        self.panel.prompt.setText(self.prompt(idle=idle, switching=switching))
        self.panel.error.hide()
        if self._users is not None:
            self.panel.set_users(self._users(), None if switching else current)
        parent = self.parentWidget()
        if parent is not None:
            self.setGeometry(parent.rect())
        self.show()
        self.raise_()
        if self.panel.user.isVisibleTo(self) and self.panel.selected_user() is None:
            self.panel.user.setFocus()
        else:
            self.panel.passphrase.setFocus()
