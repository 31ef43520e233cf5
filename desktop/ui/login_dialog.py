"""Logging a desk in at the central server: address, user name, password, device name.

The dialog checks the address itself, then hands the login to the sync worker through
the :class:`~desktop.ui.sync_bridge.SyncBridge` and waits for its answer without blocking
the UI thread. Wrong credentials, an unreachable server and an invalid address each get
a clear Dutch message in the dialog; the password field is emptied after each try.
"""

from __future__ import annotations

import socket
from typing import Any

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import _
from desktop.ui.sync_bridge import url_problem


class LoginDialog(QDialog):
    """Registers this device with the central server (non-modal to the worker)."""

    def __init__(self, bridge: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bridge = bridge
        self.setObjectName("login_dialog")
        self.setWindowTitle(_("Aanmelden bij de centrale server"))
        self.setModal(True)
        self.server = QLineEdit()
        self.server.setObjectName("login_server")
        self.server.setPlaceholderText("https://centraal.voorbeeld.nl")
        self.username = QLineEdit()
        self.username.setObjectName("login_username")
        self.password = QLineEdit()
        self.password.setObjectName("login_password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.device = QLineEdit(socket.gethostname() or "desk")
        self.device.setObjectName("login_device")
        known = _known_server(bridge)
        if known:
            self.server.setText(known)
        form = QFormLayout()
        form.addRow(_("&Serveradres"), self.server)
        form.addRow(_("&Gebruikersnaam"), self.username)
        form.addRow(_("&Wachtwoord"), self.password)
        form.addRow(_("&Apparaatnaam"), self.device)
        self.message = QLabel()
        self.message.setObjectName("login_message")
        self.message.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(_("Aanmelden"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Annuleren"))
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        bridge.login_finished.connect(self._finished)
        self._connected = True
        (self.username if known else self.server).setFocus()

    @property
    def busy(self) -> bool:
        return not self.buttons.isEnabled()

    def submit(self) -> None:
        if self.busy:
            return
        problem = url_problem(self.server.text())
        if problem is not None:
            self._show(problem, self.server)
            return
        if not self.username.text().strip():
            self._show(_("Vul uw gebruikersnaam in."), self.username)
            return
        if not self.password.text():
            self._show(_("Vul uw wachtwoord in."), self.password)
            return
        started = self.bridge.login(
            self.server.text().strip(),
            self.username.text().strip(),
            self.password.text(),
            self.device.text().strip(),
        )
        self.password.clear()
        if not started:
            self._show(_("Synchronisatie is op deze desk niet beschikbaar."), self.server)
            return
        self.message.setText(_("Bezig met aanmelden…"))
        self._set_enabled(False)

    def _finished(self, ok: bool, message: str) -> None:
        if not self.isVisible() and not self.busy:
            return
        self._set_enabled(True)
        if ok:
            self.message.setText(_("Aangemeld."))
            self.accept()
            return
        self._show(message or _("Aanmelden is mislukt."), self.password)

    def _show(self, text: str, focus: QLineEdit) -> None:
        self.message.setText(text)
        focus.setFocus()
        focus.selectAll()

    def _set_enabled(self, enabled: bool) -> None:
        for widget in (self.server, self.username, self.password, self.device, self.buttons):
            widget.setEnabled(enabled)

    def done(self, result: int) -> None:
        if self._connected:
            self._connected = False
            self.bridge.login_finished.disconnect(self._finished)
        super().done(result)


def _known_server(bridge: Any) -> str:
    """The server this desk used before (from the UI's store), or ''."""
    try:
        from desktop.store.sync_state import SyncState
        from desktop.sync.engine import SERVER_URL

        store = bridge.window.session.store
        return SyncState(store.db, user=store.current_user).get(SERVER_URL) or ""
    except Exception:
        return ""
