"""Dialogs for the users of one device: change one's own passphrase, remove a user.

Adding a user is the profile form (:class:`desktop.ui.access_dialogs.ProfileDialog` with
``adding=True``). Both dialogs here go through the desk session; the store checks who
may do what again (:meth:`desktop.store.Store.may_manage_users`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import _
from desktop.store import StoreError, WrongPassphrase
from desktop.ui.access_dialogs import (
    DIALOG_WIDTH,
    _error_label,
    new_passphrase_problem,
    new_passphrase_rows,
    ok_cancel_buttons,
    role_names,
    secret_field,
)
from desktop.ui.screen_fit import grow_to_content

if TYPE_CHECKING:
    from desktop.session.desk import DeskSession


class PassphraseDialog(QDialog):
    """*Wachtwoordzin wijzigen*: the current user's own passphrase; only their key slot
    is wrapped again, nobody else's changes."""

    def __init__(self, session: DeskSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.setObjectName("passphrase_dialog")
        self.setWindowTitle(_("Doorloop — wachtwoordzin wijzigen"))
        intro = QLabel(
            _("Wijzig uw eigen wachtwoordzin ({name}). Die van anderen blijven zoals ze zijn.")
            .format(name=session.profile.display_name)
        )  # fmt: skip
        intro.setWordWrap(True)
        self.old = secret_field("passphrase.current", _("Huidige wachtwoordzin"))
        self.old_error = _error_label("passphrase.current.error")
        form = QFormLayout()
        form.addRow(_("&Huidige wachtwoordzin"), self.old)
        form.addRow("", self.old_error)
        self.new, self.repeat, self.new_error = new_passphrase_rows(
            form,
            (_("&Nieuwe wachtwoordzin"), _("H&erhaal nieuwe wachtwoordzin")),
            (_("Nieuwe wachtwoordzin"), _("Herhaal nieuwe wachtwoordzin")),
            ("passphrase.new", "passphrase.repeat"),
        )
        buttons = ok_cancel_buttons(self, _("Wijzigen"), self.submit)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.setMinimumWidth(DIALOG_WIDTH)
        self.old.setFocus()

    def submit(self) -> None:
        self.old_error.hide()
        self.new_error.hide()
        new = self.new.text()
        problem = new_passphrase_problem(new, self.repeat.text())
        if problem is not None:
            self._show(self.new_error, problem, self.new)
            return
        try:
            self.session.change_passphrase(self.old.text(), new)
        except WrongPassphrase:
            self._show(self.old_error, _("Onjuiste wachtwoordzin. Probeer het opnieuw."), self.old)
            return
        for field in (self.old, self.new, self.repeat):
            field.clear()
        self.accept()

    def _show(self, label: QLabel, text: str, field: QLineEdit) -> None:
        label.setText(text)
        label.show()
        field.selectAll()
        field.setFocus()
        grow_to_content(self)


class RemoveUserDialog(QDialog):
    """*Gebruiker verwijderen*: erases the chosen user's key slot, so their passphrase no
    longer opens Doorloop here; their name stays in the history and audit trail."""

    def __init__(self, session: DeskSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.setObjectName("remove_user_dialog")
        self.setWindowTitle(_("Doorloop — gebruiker verwijderen"))
        intro = QLabel(
            _(
                "De gekozen gebruiker kan Doorloop op dit apparaat niet meer ontgrendelen. "
                "Wat die gebruiker deed, blijft met naam in de geschiedenis en het logboek."
            )
        )
        intro.setWordWrap(True)
        self.user = QComboBox()
        self.user.setObjectName("remove_user.user")
        self.user.setAccessibleName(_("Gebruiker"))
        for profile in session.store.users():
            if profile.local_id != session.profile.local_id:
                self.user.addItem(
                    f"{profile.display_name} — {role_names()[profile.role]}", profile.local_id
                )
        self.error = _error_label("remove_user.error")
        form = QFormLayout()
        label = QLabel(_("&Gebruiker"))
        label.setBuddy(self.user)
        form.addRow(label, self.user)
        buttons = ok_cancel_buttons(self, _("Verwijderen"), self.submit)
        self.remove_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.remove_button.setEnabled(self.user.count() > 0)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.setMinimumWidth(DIALOG_WIDTH)
        self.user.setFocus()

    def submit(self) -> None:
        local_id = self.user.currentData()
        if not local_id:
            return
        try:
            self.session.remove_user(str(local_id))
        except StoreError:
            self.error.setText(_("U mag geen gebruikers beheren."))
            self.error.show()
            grow_to_content(self)
            return
        self.accept()
