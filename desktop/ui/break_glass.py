"""The break-the-glass dialog (issue 21): opening a case outside one's view, or searching
older and closed cases, asks for a reason from a short list and a note. An empty reason
is refused with a Dutch message at the field; the session audits the opening."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import _
from desktop.session.access import ReasonRefused, reason_names


def _error_label(name: str) -> QLabel:
    label = QLabel()
    label.setObjectName(name)
    label.setStyleSheet("color: #B71C1C; font-weight: bold;")
    label.setWordWrap(True)
    label.hide()
    return label


class BreakGlassDialog(QDialog):
    """Give a reason, then open `case_id` (or search the cases outside the view and open
    one of them). `opened_case_id` names the case opened on acceptance."""

    def __init__(self, session: Any, case_id: str | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self._session = session
        self._case_id = case_id
        self.opened_case_id: str | None = None
        self.setObjectName("break_glass_dialog")
        self.setWindowTitle(_("Doorloop — dossier buiten uw overzicht openen"))
        self.setAccessibleName(_("Dossier buiten uw overzicht openen"))
        intro = QLabel(
            _(
                "Dit dossier valt buiten uw overzicht (afgesloten of ouder). U kunt het "
                "direct openen, maar alleen met een reden. Het openen wordt vastgelegd en "
                "door de privacyfunctionaris gecontroleerd."
            )
        )
        intro.setWordWrap(True)
        self.reason = QComboBox()
        self.reason.setObjectName("break_glass.reason")
        self.reason.setAccessibleName(_("Reden"))
        self.reason.addItem(_("— kies een reden —"), "")
        for key, text in reason_names().items():
            self.reason.addItem(text, key)
        self.reason_error = _error_label("break_glass.reason.error")
        self.note = QPlainTextEdit()
        self.note.setObjectName("break_glass.note")
        self.note.setAccessibleName(_("Toelichting"))
        self.note.setTabChangesFocus(True)
        self.note.setFixedHeight(70)
        self.note_error = _error_label("break_glass.note.error")
        form = QFormLayout()
        form.addRow(_("&Reden"), self.reason)
        form.addRow("", self.reason_error)
        form.addRow(_("&Toelichting"), self.note)
        form.addRow("", self.note_error)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        self.search: QLineEdit | None = None
        self.results: QListWidget | None = None
        if case_id is None:
            self.search = QLineEdit()
            self.search.setObjectName("break_glass.search")
            self.search.setAccessibleName(_("Zoek in oudere en afgesloten dossiers"))
            self.search.setPlaceholderText(_("Naam jeugdige, melder of gemeente"))
            self.search_button = QPushButton(_("&Zoeken"))
            self.search_button.setObjectName("break_glass.search_button")
            self.search_button.setAccessibleName(_("Zoeken"))
            self.search_button.setAutoDefault(False)
            self.search_button.clicked.connect(self.run_search)
            self.results = QListWidget()
            self.results.setObjectName("break_glass.results")
            self.results.setAccessibleName(_("Gevonden dossiers"))
            self.results.itemActivated.connect(lambda _item: self.accept())
            form.insertRow(0, _("Zoeken &naar"), self.search)
            layout.addWidget(self.search_button)
            layout.addWidget(self.results)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Open | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.setObjectName("break_glass.buttons")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        (self.search or self.reason).setFocus()

    def _reason(self) -> tuple[str, str]:
        return str(self.reason.currentData() or ""), self.note.toPlainText()

    def _show(self, exc: ReasonRefused) -> None:
        self.reason_error.hide()
        self.note_error.hide()
        label, widget = (
            (self.reason_error, self.reason)
            if exc.field == "reason"
            else (self.note_error, self.note)
        )
        label.setText(exc.message)
        label.show()
        widget.setFocus(Qt.FocusReason.OtherFocusReason)

    def run_search(self) -> None:
        """List the cases outside the view that match (only with a reason)."""
        assert self.search is not None and self.results is not None
        reason, note = self._reason()
        try:
            found = self._session.search_outside_view(self.search.text(), reason, note)
        except ReasonRefused as exc:
            self._show(exc)
            return
        self.reason_error.hide()
        self.note_error.hide()
        self.results.clear()
        for summary in found:
            text = " · ".join(
                part
                for part in (
                    summary.youth_name or _("(naam onbekend)"),
                    (summary.received_at or "")[:10],
                    summary.status,
                )
                if part
            )
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, summary.id)
            self.results.addItem(item)
        if not found:
            self.results.addItem(_("Geen dossiers gevonden."))
        else:
            self.results.setCurrentRow(0)
        self.results.setFocus()

    def accept(self) -> None:
        case_id = self._case_id
        if case_id is None and self.results is not None:
            item = self.results.currentItem()
            case_id = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
            if not case_id:
                self.run_search()
                return
        reason, note = self._reason()
        try:
            self._session.break_glass(str(case_id), reason, note)
        except ReasonRefused as exc:
            self._show(exc)
            return
        self.opened_case_id = str(case_id)
        super().accept()
