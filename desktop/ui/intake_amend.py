"""The "Wijzig besluit…" dialog: a triagist changes a decided triage, with a reason.

Shows the decision fields of the case's own form filled with the current decision and a
required reason. On "Wijziging vastleggen" it calls ``DeskSession.amend_triage`` (a new
sealed version naming its base); a refusal is shown in the dialog, which stays open.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.forms import FormDefinition
from desktop.forms.workflow import TransitionError
from desktop.i18n import _, pick
from desktop.session.desk import RECORDED_DECISION_FIELDS, DeskSession
from desktop.store import Case
from desktop.ui.field_widgets import FieldEditor


class AmendDialog(QDialog):
    def __init__(
        self,
        session: DeskSession,
        form: FormDefinition,
        case: Case,
        on_amended: Callable[[Case], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.form = form
        self.case = case
        self.on_amended = on_amended
        self.setObjectName("amend_dialog")
        self.setWindowTitle(_("Triagebesluit wijzigen"))
        layout = QVBoxLayout(self)
        intro = QLabel(
            _(
                "Afspraak is afspraak: wijzig het besluit alleen met een reden. "
                "Het eerdere besluit blijft zichtbaar in de geschiedenis."
            )
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.editors: dict[str, FieldEditor] = {}
        fields = sorted(session.decision_fields(form) - set(RECORDED_DECISION_FIELDS))
        order = [f.id for f in form.fields()]
        for field_id in sorted(fields, key=order.index):
            editor = FieldEditor(form, form.field(field_id), self)
            editor.widget.setObjectName(f"amend:{field_id}")
            editor.set_value(case.answers.get(field_id))
            label = QLabel(pick(form.field(field_id).label).replace("&", "&&"))
            label.setBuddy(editor.widget)
            layout.addWidget(label)
            layout.addWidget(editor.widget)
            self.editors[field_id] = editor
        reason_label = QLabel(_("&Reden van de wijziging (verplicht)"))
        self.reason = QPlainTextEdit()
        self.reason.setObjectName("amend_reason")
        self.reason.setAccessibleName(_("Reden van de wijziging"))
        self.reason.setTabChangesFocus(True)
        self.reason.setFixedHeight(self.reason.fontMetrics().lineSpacing() * 3 + 12)
        reason_label.setBuddy(self.reason)
        layout.addWidget(reason_label)
        layout.addWidget(self.reason)
        self.message = QLabel()
        self.message.setObjectName("amend_message")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #B71C1C;")
        self.message.hide()
        layout.addWidget(self.message)
        buttons = QDialogButtonBox()
        self.ok_button = QPushButton(_("Wijziging &vastleggen"))
        self.ok_button.setObjectName("amend_ok")
        buttons.addButton(self.ok_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(_("Annuleren"), QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def changes(self) -> dict[str, Any]:
        """Decision fields whose value differs from the current decision."""
        now = self.session.clock()
        out: dict[str, Any] = {}
        for field_id, editor in self.editors.items():
            value, error = editor.parsed(now)
            if error is not None:
                raise TransitionError((f"{pick(self.form.field(field_id).label)}: {error}",))
            if value != self.case.answers.get(field_id):
                out[field_id] = value
        return out

    def accept(self) -> None:
        try:
            changes = self.changes()
            if not changes:
                raise TransitionError((_("Er is niets gewijzigd aan het besluit."),))
            case = self.session.amend_triage(self.case.id, changes, self.reason.toPlainText())
        except TransitionError as refused:
            self.message.setText(" ".join(refused.reasons))
            self.message.show()
            return
        self.on_amended(case)
        super().accept()
