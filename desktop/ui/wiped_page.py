"""The whole-window message after a remote wipe (issue 21).

The sync engine erased this device's store on the administrator's order
(``doorloop-central device revoke --wipe``); the main window then drops every case it
showed and puts this page in their place: what happened, and one button, *Afsluiten*,
that quits. Nothing on it reads or writes the store (there is none any more).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget

from desktop.i18n import _


class WipedPage(QWidget):
    """The message and the *Afsluiten* button (Alt+A), the button focused."""

    def __init__(self, text: str, quit_app: Callable[[], None], parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("wiped_page")
        self.setAccessibleName(_("Apparaat gewist"))
        self.message = QLabel(text)
        self.message.setObjectName("wiped_message")
        self.message.setAccessibleName(text)
        self.message.setWordWrap(True)
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.setStyleSheet("font-size: 16pt; font-weight: bold; padding: 24px;")
        self.quit_button = QPushButton(_("&Afsluiten"))
        self.quit_button.setObjectName("wiped_quit")
        self.quit_button.setAccessibleName(_("Afsluiten"))
        self.quit_button.setAccessibleDescription(_("Sluit Doorloop af"))
        self.quit_button.setDefault(True)
        self.quit_button.setAutoDefault(True)
        self.quit_button.clicked.connect(lambda: quit_app())
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(self.message)
        layout.addWidget(self.quit_button, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(1)
