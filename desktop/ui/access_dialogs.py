"""Dialogs that open the encrypted store: first-run profile, and unlock.

Neither dialog touches the database itself: each is given a callable that tries to
open the store and raises :class:`WrongPassphrase`; the dialog shows the Dutch
message at the field and lets the person try again. With several users on the device
the unlock panel also asks who unlocks (a list of names; each user has their own
passphrase) and hands the chosen user to the callable.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

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

# light imports only: the unlock dialog paints before the store's modules load
# (desktop.store loads each name from its own module: these from errors and slot_kdf)
from desktop.i18n import _
from desktop.store import MIN_PASSPHRASE_LENGTH, SlotInfo, StoreError, WrongPassphrase
from desktop.ui.screen_fit import grow_to_content
from doorloop_protocol.vocab import ROLES


def role_names() -> dict[str, str]:
    return {
        "desk": _("Medewerker meldpunt"),
        "triagist": _("Triagist"),
        "outreach": _("Outreach (mobiel duo)"),
        "trainer": _("Trainer"),
        "coordinator": _("Coördinator / spelverdeler"),
        "receiver": _("Ontvangende partij"),
    }


#: The width of the profile and unlock dialogs: room for a wrapped message on two lines.
DIALOG_WIDTH = 440


def _error_label(name: str) -> QLabel:
    label = QLabel()
    label.setObjectName(name)
    label.setStyleSheet("color: #B71C1C; font-weight: bold;")
    label.setWordWrap(True)
    label.hide()
    return label


def secret_field(name: str, accessible: str) -> QLineEdit:
    """A passphrase field: typed characters are not shown."""
    field = QLineEdit()
    field.setObjectName(name)
    field.setAccessibleName(accessible)
    field.setEchoMode(QLineEdit.EchoMode.Password)
    return field


def new_passphrase_rows(
    form: QFormLayout,
    labels: tuple[str, str],
    accessible: tuple[str, str],
    names: tuple[str, str],
) -> tuple[QLineEdit, QLineEdit, QLabel]:
    """A new passphrase typed twice: two rows of ``form`` (``labels`` with their Alt
    letters, ``accessible`` the fields' names for screen readers, ``names`` their object
    names) and a row below them for the message of :func:`new_passphrase_problem`
    (object name ``<first name>.error``). Returns the two fields and the message."""
    first = secret_field(names[0], accessible[0])
    repeat = secret_field(names[1], accessible[1])
    error = _error_label(f"{names[0]}.error")
    form.addRow(labels[0], first)
    form.addRow(labels[1], repeat)
    form.addRow("", error)
    return first, repeat, error


def ok_cancel_buttons(dialog: QDialog, ok_text: str, submit: Callable[[], Any]) -> QDialogButtonBox:
    """OK (named ``ok_text``, calls ``submit``) and *Annuleren* (rejects ``dialog``)."""
    buttons = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
    )
    buttons.button(QDialogButtonBox.StandardButton.Ok).setText(ok_text)
    buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Annuleren"))
    buttons.accepted.connect(submit)
    buttons.rejected.connect(dialog.reject)
    return buttons


def new_passphrase_problem(passphrase: str, repeat: str) -> str | None:
    """What is wrong with a new passphrase typed twice (too short, or the two differ), in
    Dutch, or None."""
    if len(passphrase) < MIN_PASSPHRASE_LENGTH:
        return _("De wachtwoordzin moet minstens {n} tekens lang zijn.").format(
            n=MIN_PASSPHRASE_LENGTH
        )
    if passphrase != repeat:
        return _("De twee wachtwoordzinnen zijn niet gelijk.")
    return None


class ProfileDialog(QDialog):
    """First start: who works here (name, role) and a passphrase entered twice.

    ``adding``: the same form for another user of this device (*Gebruiker toevoegen*),
    whose own passphrase is typed by them; ``create`` raises :class:`StoreError` for a
    name that is taken (shown at the name field)."""

    def __init__(
        self,
        create: Callable[[str, str, str], Any],
        parent: QWidget | None = None,
        *,
        adding: bool = False,
    ) -> None:
        super().__init__(parent)
        self._create = create
        self.result_value: Any = None
        if adding:
            self.setWindowTitle(_("Doorloop — gebruiker toevoegen"))
            text = _(
                "Voeg een gebruiker van dit apparaat toe. Laat de nieuwe gebruiker zelf een "
                "eigen wachtwoordzin kiezen en twee keer typen; daarmee ontgrendelt alleen "
                "die gebruiker Doorloop."
            )
        else:
            self.setWindowTitle(_("Doorloop — nieuw profiel"))
            text = _(
                "Welkom bij Doorloop. Maak een lokaal profiel aan. De gegevens op dit apparaat "
                "worden versleuteld met uw wachtwoordzin; zonder die zin zijn ze niet te openen."
            )
        intro = QLabel(text)
        intro.setWordWrap(True)
        self.name = QLineEdit()
        self.name.setObjectName("profile.display_name")
        self.name.setAccessibleName(_("Naam"))
        self.role = QComboBox()
        self.role.setObjectName("profile.role")
        self.role.setAccessibleName(_("Rol"))
        for role in ROLES:
            self.role.addItem(role_names()[role], role)
        self.name_error = _error_label("profile.display_name.error")
        form = QFormLayout()
        form.addRow(_("&Naam"), self.name)
        form.addRow("", self.name_error)
        form.addRow(_("&Rol"), self.role)
        self.passphrase, self.repeat, self.passphrase_error = new_passphrase_rows(
            form,
            (_("&Wachtwoordzin"), _("&Herhaal wachtwoordzin")),
            (_("Wachtwoordzin"), _("Herhaal wachtwoordzin")),
            ("profile.passphrase", "profile.passphrase_repeat"),
        )
        ok_text = _("Gebruiker toevoegen") if adding else _("Profiel aanmaken")
        buttons = ok_cancel_buttons(self, ok_text, self._submit)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.setMinimumWidth(DIALOG_WIDTH)
        self.name.setFocus()

    def _submit(self) -> None:
        self.name_error.hide()
        self.passphrase_error.hide()
        self.passphrase_error.setText("")  # else an old message would come back below
        name = self.name.text().strip()
        passphrase = self.passphrase.text()
        ok = True
        if not name:
            self.name_error.setText(_("Vul uw naam in."))
            self.name_error.show()
            self.name.setFocus()
            ok = False
        problem = new_passphrase_problem(passphrase, self.repeat.text())
        if problem is not None:
            self.passphrase_error.setText(problem)
            ok = False
        if not ok:
            if self.passphrase_error.text():
                self.passphrase_error.show()
                if name:
                    self.passphrase.setFocus()
            grow_to_content(self)  # a wrapped message is shown whole
            return
        try:
            self.result_value = self._create(name, str(self.role.currentData()), passphrase)
        except StoreError:
            self.name_error.setText(_("Er is al een gebruiker met deze naam."))
            self.name_error.show()
            self.name.setFocus()
            grow_to_content(self)
            return
        self.accept()


class UnlockPanel(QWidget):
    """Who unlocks (when several users may) + passphrase field + message; used by the
    unlock dialog and the lock overlay.

    ``unlock`` is called as ``unlock(passphrase)``, or with ``users`` given as
    ``unlock(passphrase, local_id)`` for the user chosen in the list.
    """

    def __init__(
        self,
        unlock: Callable[..., Any],
        on_unlocked: Callable[[Any], None],
        prompt: str,
        parent: QWidget | None = None,
        *,
        users: list[SlotInfo] | None = None,
    ) -> None:
        super().__init__(parent)
        self._unlock = unlock
        self._on_unlocked = on_unlocked
        self.prompt = QLabel(prompt)
        self.prompt.setWordWrap(True)
        self.user = QComboBox()
        self.user.setObjectName("unlock.user")
        self.user.setAccessibleName(_("Gebruiker"))
        self.user.setAccessibleDescription(
            _("Kies uw naam; elke gebruiker heeft een eigen wachtwoordzin.")
        )
        self.passphrase = secret_field("unlock.passphrase", _("Wachtwoordzin"))
        self.passphrase.returnPressed.connect(self.submit)
        self.error = _error_label("unlock.error")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(_("Ontgrendelen"))
        buttons.accepted.connect(self.submit)
        layout = QVBoxLayout(self)
        layout.addWidget(self.prompt)
        form = QFormLayout()
        self._user_label = QLabel(_("&Gebruiker"))
        self._user_label.setBuddy(self.user)
        form.addRow(self._user_label, self.user)
        form.addRow(_("&Wachtwoordzin"), self.passphrase)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self._with_users = users is not None
        self.set_users(users or [])

    def set_users(self, users: list[SlotInfo], current: str | None = None) -> None:
        """The users who may unlock (names, never passphrases); ``current`` is chosen,
        else no one (the person picks their own name). Hidden with fewer than two."""
        self.user.clear()
        several = len(users) > 1
        if several:
            # a first row that is no one: the type-ahead then finds every name, the
            # first one too (a search starts after the current row)
            self.user.addItem(_("Kies uw naam"), None)
        for info in users:
            self.user.addItem(info.name or _("(naamloos)"), info.slot_id)
        index = self.user.findData(current) if current is not None else -1
        self.user.setCurrentIndex(max(index, 0))
        self.user.setVisible(several)
        self._user_label.setVisible(several)

    def selected_user(self) -> str | None:
        data = self.user.currentData()
        return str(data) if data else None

    def submit(self) -> None:
        self.error.hide()
        if self._with_users and self.user.count() > 1 and self.selected_user() is None:
            self._refuse(_("Kies eerst uw naam in de lijst Gebruiker."), self.user)
            return
        try:
            if self._with_users:
                value = self._unlock(self.passphrase.text(), self.selected_user())
            else:
                value = self._unlock(self.passphrase.text())
        except WrongPassphrase:
            self._refuse(_("Onjuiste wachtwoordzin. Probeer het opnieuw."), self.passphrase)
            self.passphrase.selectAll()
            return
        self.error.hide()
        self.passphrase.clear()
        self._on_unlocked(value)

    def _refuse(self, message: str, field: QWidget) -> None:
        self.error.setText(message)
        self.error.show()
        if isinstance(self.window(), QDialog):  # not the lock overlay's main window
            grow_to_content(self.window())
        field.setFocus()


class UnlockDialog(QDialog):
    """Later starts: the passphrase opens the store; a wrong one gives a retry."""

    def __init__(
        self,
        unlock: Callable[..., Any],
        parent: QWidget | None = None,
        *,
        users: list[SlotInfo] | None = None,
    ) -> None:
        super().__init__(parent)
        self.result_value: Any = None
        self.setWindowTitle(_("Doorloop — ontgrendelen"))
        self.panel = UnlockPanel(
            unlock,
            self._done,
            _("Voer uw wachtwoordzin in om Doorloop te openen."),
            users=users,
        )
        layout = QVBoxLayout(self)
        layout.addWidget(self.panel)
        self.setMinimumWidth(DIALOG_WIDTH)
        if self.panel.user.isVisibleTo(self) and self.panel.selected_user() is None:
            self.panel.user.setFocus()
        else:
            self.panel.passphrase.setFocus()

    def _done(self, value: Any) -> None:
        self.result_value = value
        self.accept()
