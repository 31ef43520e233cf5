"""One field of the intake view: its label, input widget, message and newer-value offer."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from desktop.i18n import _, pick
from desktop.ui.field_widgets import FieldEditor


class FieldRow(QWidget):
    """A field's label, its input widget and its message, shown or hidden together."""

    def __init__(self, editor: FieldEditor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.editor = editor
        self.label_text = pick(editor.field.label).replace("&", "&&")
        self.label = QLabel(self.label_text)
        self.label.setWordWrap(True)
        self.label.setBuddy(editor.widget)
        # the field's help, shown while the field has the keyboard focus (not only as a
        # mouse tooltip); a screen reader gets it as the field's accessible description
        self.help = QLabel(pick(editor.field.help))
        self.help.setObjectName(f"help:{editor.field.id}")
        self.help.setWordWrap(True)
        self.help.setStyleSheet("color: #444;")
        self.help.hide()
        self.message = QLabel()
        self.message.setObjectName(f"message:{editor.field.id}")
        self.message.setWordWrap(True)
        self.message.hide()
        self.offer = QFrame()
        self.offer.setObjectName(f"offer:{editor.field.id}")
        self.offer.setStyleSheet("QFrame { background: #E3F2FD; }")
        self.offer_text = QLabel()
        self.offer_text.setObjectName(f"offer_text:{editor.field.id}")
        self.offer_text.setWordWrap(True)
        self.take_button = QPushButton(_("Nieuwere waarde overnemen"))
        self.take_button.setObjectName(f"take_newer:{editor.field.id}")
        self.take_button.setAutoDefault(False)
        self.keep_button = QPushButton(_("Mijn invoer houden"))
        self.keep_button.setObjectName(f"keep_mine:{editor.field.id}")
        self.keep_button.setAutoDefault(False)
        offer_layout = QHBoxLayout(self.offer)
        offer_layout.setContentsMargins(4, 2, 4, 2)
        offer_layout.addWidget(self.offer_text, 1)
        offer_layout.addWidget(self.take_button)
        offer_layout.addWidget(self.keep_button)
        self.offer.hide()
        self.newer: Any = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 4)
        layout.setSpacing(2)
        layout.addWidget(self.label)
        layout.addWidget(editor.widget)
        layout.addWidget(self.help)
        layout.addWidget(self.message)
        layout.addWidget(self.offer)
        self._required = False
        self._message_text = ""
        self._shown: bool | None = None

    def show_help(self, shown: bool) -> None:
        """Show the help text (when the field has one) while the field has the focus."""
        self.help.setVisible(shown and bool(self.help.text()))

    def set_shown(self, shown: bool) -> None:
        if shown != self._shown:
            self._shown = shown
            self.setVisible(shown)

    def offer_newer(self, value: Any, text: str) -> None:
        """Show that a newer stored value arrived while the person edits this field."""
        self.newer = value
        self.offer_text.setText(text)
        self.offer.setAccessibleName(text)
        self.take_button.setAccessibleDescription(text)
        self.offer.show()

    def withdraw_offer(self) -> None:
        self.newer = None
        self.offer.hide()

    def set_required(self, required: bool) -> None:
        if required != self._required:
            self._required = required
            self.label.setText(self.label_text + (" " + _("(verplicht)") if required else ""))

    def set_message(self, text: str, kind: str) -> None:
        shown = ""
        if text:
            prefix = _("Fout:") if kind == "error" else _("Let op:")
            shown = f"{prefix} {text}"
        if shown == self._message_text:
            return
        self._message_text = shown
        self.message.setText(shown)
        colour = "#B71C1C" if kind == "error" else "#8D4E00"
        self.message.setStyleSheet(f"color: {colour};")
        self.message.setVisible(bool(shown))


def show_text(label: QLabel, text: str) -> None:
    """Set a label's text and show it (hide it when empty), touching Qt only on a change."""
    if label.text() != text:
        label.setText(text)
    parent = label.parentWidget()  # Qt's isVisibleTo(None) is isVisible()
    shown = label.isVisibleTo(parent) if parent is not None else label.isVisible()
    if shown != bool(text):
        label.setVisible(bool(text))
