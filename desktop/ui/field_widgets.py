"""Input widgets for the field types of a form definition, built from the definition.

One editor per field: its input widget's ``objectName`` is the field id and its
accessible name is the field's label (DESIGN.md contract 6). Editors only turn what
the person typed or chose into stored values (through ``desktop.forms.parse_input``);
they never save — the intake view collects their edits and saves through the session.

Keyboard: Tab leaves every widget (multiline too); choices are answered by typing the
first letters of an option (type-ahead) or its number (1–9, 0 clears); yes/no by J/N
(Y/N in English), ja/nee/onbekend by J/N/O; Backspace or Delete clears a choice; in a
multiple choice list the arrow keys move, Space or a number toggles.

A closed choice never changes by the mouse wheel or a paging key (PgUp/PgDn, Home/End,
with or without Ctrl): those scroll the page or switch tabs, as the person meant.
"""

from __future__ import annotations

import time
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QFocusEvent, QKeyEvent, QWheelEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QWidget,
)

from desktop import timefmt
from desktop.forms import Field, FormDefinition, parse_input
from desktop.i18n import _, pick

TYPE_AHEAD_SECONDS = 1.0
PAGING_KEYS = frozenset({Qt.Key.Key_PageUp, Qt.Key.Key_PageDown, Qt.Key.Key_Home, Qt.Key.Key_End})
"""Keys a closed choice passes on (QComboBox would move its choice on them)."""
TEXT_TYPES = frozenset({"text", "date", "datetime", "number", "phone", "bsn"})
CHOICE_TYPES = frozenset({"choice", "yesno", "ynu"})


def _placeholder(kind: str) -> str:
    return {
        "date": _("dd-mm-jjjj"),
        "datetime": _("dd-mm-jjjj uu:mm"),
        "phone": _("06-12345678"),
        "bsn": _("9 cijfers"),
        "number": _("getal"),
    }.get(kind, "")


def display_text(field: Field, value: Any, zone: ZoneInfo) -> str:
    """A stored value as the person types it (dates the Dutch way, local time)."""
    if value is None:
        return ""
    if field.type == "date" and isinstance(value, str):
        try:
            return timefmt.format_date(date.fromisoformat(value))
        except ValueError:
            return value
    if field.type == "datetime" and isinstance(value, str):
        return timefmt.format_datetime(value, zone)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


#: How a read-only text field looks: grey, without the white input background.
READ_ONLY_STYLE = "background: #ECEFF1; color: #263238; border: 1px solid #CFD8DC;"


class FieldEditor(QObject):
    """Adapter around one input widget: typed text ↔ stored value, and an ``edited`` signal.

    ``edited(field_id, immediate)``: ``immediate`` is True for choices (save at once) and
    False for typing (save on the debounce timer).
    """

    edited = Signal(str, bool)
    left = Signal(str)
    """Emitted when the input widget loses focus (the view then saves what is pending)."""

    def __init__(self, form: FormDefinition, field: Field, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.form = form
        self.field = field
        self.zone = ZoneInfo(form.timezone)
        self._loading = False
        self.widget: QWidget = self._build()
        self.widget.setObjectName(field.id)
        self.widget.setAccessibleName(pick(field.label))
        self.widget.setAccessibleDescription(pick(field.help))
        self.widget.setToolTip(pick(field.help))
        self.widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.widget and event.type() == QEvent.Type.FocusOut:
            self.left.emit(self.field.id)
        return False

    # -- building --------------------------------------------------------------------------

    def _build(self) -> QWidget:
        kind = self.field.type
        if kind in TEXT_TYPES:
            line = QLineEdit()
            line.setPlaceholderText(_placeholder(kind))
            if self.field.max_length:
                line.setMaxLength(self.field.max_length)
            line.textEdited.connect(self._typed)
            return line
        if kind == "multiline":
            text = QPlainTextEdit()
            text.setTabChangesFocus(True)
            text.setFixedHeight(text.fontMetrics().lineSpacing() * 4 + 12)
            text.textChanged.connect(self._plain_changed)
            return text
        if kind in CHOICE_TYPES:
            combo = ChoiceBox(self._choices())
            combo.currentIndexChanged.connect(self._chosen)
            return combo
        if kind == "multi":
            box = MultiChoiceList([(o.value, pick(o.label)) for o in self.field.options])
            box.itemChanged.connect(self._toggled)
            return box
        raise ValueError(f"no widget for field type {kind!r}")

    def _choices(self) -> list[tuple[Any, str, str]]:
        """(stored value, label, extra type-ahead keys) of a choice widget."""
        kind = self.field.type
        if kind == "yesno":
            return [(True, _("Ja"), "jy"), (False, _("Nee"), "n")]
        if kind == "ynu":
            return [
                ("yes", _("Ja"), "jy"),
                ("no", _("Nee"), "n"),
                ("unknown", _("Onbekend"), "ou?"),
            ]
        return [(o.value, pick(o.label), "") for o in self.field.options]

    # -- signals ---------------------------------------------------------------------------

    def _typed(self, _text: str) -> None:
        if not self._loading:
            self.edited.emit(self.field.id, False)

    def _plain_changed(self) -> None:
        if not self._loading:
            self.edited.emit(self.field.id, False)

    def _chosen(self, _index: int) -> None:
        if not self._loading:
            self.edited.emit(self.field.id, True)

    def _toggled(self, _item: QListWidgetItem) -> None:
        if not self._loading:
            self.edited.emit(self.field.id, True)

    # -- values ----------------------------------------------------------------------------

    def text(self) -> str:
        """What is typed now (text-like widgets) — kept as typed, also when invalid."""
        widget = self.widget
        if isinstance(widget, QLineEdit):
            return widget.text()
        if isinstance(widget, QPlainTextEdit):
            return widget.toPlainText()
        return ""

    def parsed(self, now: datetime) -> tuple[Any, str | None]:
        """``(stored value, None)``, ``(None, None)`` when empty, or ``(None, message)``."""
        widget = self.widget
        if isinstance(widget, ChoiceBox):
            return widget.value(), None
        if isinstance(widget, MultiChoiceList):
            chosen = widget.values()
            return (chosen or None), None
        return parse_input(self.field, self.text(), now=now, tz=self.zone)

    def set_value(self, value: Any) -> None:
        """Show a stored value (no ``edited`` signal)."""
        self._loading = True
        try:
            widget = self.widget
            if isinstance(widget, QLineEdit):
                widget.setText(display_text(self.field, value, self.zone))
                widget.setCursorPosition(len(widget.text()))
            elif isinstance(widget, QPlainTextEdit):
                widget.setPlainText("" if value is None else str(value))
            elif isinstance(widget, ChoiceBox):
                widget.set_value(value)
            elif isinstance(widget, MultiChoiceList):
                widget.set_values(value if isinstance(value, list) else [])
        finally:
            self._loading = False

    def set_editable(self, editable: bool) -> None:
        """Read-only text stays readable and selectable; choices are disabled."""
        widget = self.widget
        if isinstance(widget, QLineEdit | QPlainTextEdit):
            widget.setReadOnly(not editable)
            # read-only text must not look like a field one can type in
            widget.setStyleSheet("" if editable else READ_ONLY_STYLE)
            hint = _("alleen lezen")
            description = pick(self.field.help)
            if not editable:
                description = f"{description} ({hint})" if description else hint
            widget.setAccessibleDescription(description)
        else:
            widget.setEnabled(editable)


class ChoiceBox(QComboBox):
    """A single choice (also ja/nee and ja/nee/onbekend) answered from the keyboard."""

    def __init__(self, choices: list[tuple[Any, str, str]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._keys: list[str] = []
        self.addItem("—", None)
        for value, label, keys in choices:
            self.addItem(label, value)
            self._keys.append(keys)
        self.setMaxVisibleItems(16)
        self._buffer = ""
        self._last_key = 0.0

    def value(self) -> Any:
        return self.currentData()

    def set_value(self, value: Any) -> None:
        for index in range(1, self.count()):
            data = self.itemData(index)
            if data == value and type(data) is type(value):
                self.setCurrentIndex(index)
                return
        self.setCurrentIndex(0)

    def option_count(self) -> int:
        return self.count() - 1

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key in PAGING_KEYS and not self.view().isVisible():
            event.ignore()  # the page scrolls, Ctrl+PgUp/PgDn switches tabs
            return
        modifiers = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        if modifiers in (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.ShiftModifier):
            if key in (Qt.Key.Key_Backspace, Qt.Key.Key_Delete):
                self.setCurrentIndex(0)
                return
            text = event.text()
            if text and text.isprintable() and not text.isspace():
                self._type_ahead(text)
                return
        super().keyPressEvent(event)

    def _type_ahead(self, text: str) -> None:
        if text.isdigit() and not self._buffer:
            number = int(text)
            if number == 0:
                self.setCurrentIndex(0)
            elif number <= self.option_count():
                self.setCurrentIndex(number)
            return
        now = time.monotonic()
        if now - self._last_key > TYPE_AHEAD_SECONDS:
            self._buffer = ""
        self._last_key = now
        self._buffer += text.casefold()
        index = self._match(self._buffer)
        if index is None and len(self._buffer) > 1:
            self._buffer = text.casefold()
            index = self._match(self._buffer)
        if index is not None:
            self.setCurrentIndex(index)

    def _match(self, typed: str) -> int | None:
        if len(typed) == 1:
            for number, keys in enumerate(self._keys, start=1):
                if typed in keys:
                    return number
        words: int | None = None
        for index in range(1, self.count()):
            label = self.itemText(index).casefold()
            if label.startswith(typed):
                return index
            if words is None and any(w.startswith(typed) for w in label.split()[1:]):
                words = index
        return words

    def focusOutEvent(self, event: QFocusEvent) -> None:
        self._buffer = ""
        super().focusOutEvent(event)

    def wheelEvent(self, event: QWheelEvent) -> None:
        event.ignore()  # scrolling the page must never change an answer, focused or not


class MultiChoiceList(QListWidget):
    """Several choices as a list of check boxes; Space or the option's number toggles."""

    def __init__(self, options: list[tuple[str, str]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        for value, label in options:
            item = QListWidgetItem(label)
            item.setData(Qt.ItemDataRole.UserRole, value)
            item.setFlags(
                Qt.ItemFlag.ItemIsEnabled
                | Qt.ItemFlag.ItemIsSelectable
                | Qt.ItemFlag.ItemIsUserCheckable
            )
            item.setCheckState(Qt.CheckState.Unchecked)
            self.addItem(item)
        rows = self.sizeHintForRow(0) * max(1, self.count()) if self.count() else 20
        self.setFixedHeight(rows + 2 * self.frameWidth() + 4)
        if self.count():
            self.setCurrentRow(0)

    def values(self) -> list[str]:
        return [
            self.item(row).data(Qt.ItemDataRole.UserRole)
            for row in range(self.count())
            if self.item(row).checkState() == Qt.CheckState.Checked
        ]

    def set_values(self, values: list[str]) -> None:
        wanted = set(values)
        for row in range(self.count()):
            item = self.item(row)
            checked = item.data(Qt.ItemDataRole.UserRole) in wanted
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)

    def _toggle(self, row: int) -> None:
        item = self.item(row)
        checked = item.checkState() == Qt.CheckState.Checked
        item.setCheckState(Qt.CheckState.Unchecked if checked else Qt.CheckState.Checked)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        text = event.text()
        if text.isdigit() and 1 <= int(text) <= self.count():
            self.setCurrentRow(int(text) - 1)
            self._toggle(int(text) - 1)
            return
        if event.key() == Qt.Key.Key_Space and self.currentRow() >= 0:
            self._toggle(self.currentRow())
            return
        super().keyPressEvent(event)

    def wheelEvent(self, event: QWheelEvent) -> None:
        event.ignore()  # the list shows all options; let the page scroll
