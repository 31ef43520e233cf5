"""The referral dialogs: *Overdragen aan…* (and a coordinator's re-assignment), accept
with the agreed time of first contact, decline with a reason, withdraw with a reason.

Every dialog calls the session (``DeskSession.referrals`` and
``desktop.session.referral_info``); a refusal (``ReferralRefused``) is shown in Dutch
under the field it names, and the dialog stays open. Keyboard first: every field has a
buddy label with an Alt mnemonic, Enter sends, Escape cancels.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from PySide6.QtCore import QDate, QDateTime, QTime
from PySide6.QtWidgets import (
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop import timefmt
from desktop.i18n import _
from desktop.session.referral_info import Target, reassign, refer_with_summary, targets
from desktop.session.referrals import ReferralRefused, decline_reason_labels, problem_text

ERROR_STYLE = "color: #B71C1C; font-weight: bold;"


class _ReferralDialog(QDialog):
    """Fields with buddy labels and an error line under each; ``send`` does the move."""

    def __init__(self, session: Any, title: str, name: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.session = session
        self.setObjectName(name)
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.form = QFormLayout()
        self.errors: dict[str, QLabel] = {}
        self.fields: dict[str, QWidget] = {}
        self.general_error = QLabel()
        self.general_error.setObjectName(f"{name}_error")
        self.general_error.setStyleSheet(ERROR_STYLE)
        self.general_error.setWordWrap(True)
        self.general_error.hide()
        self.result_view: Any = None
        self.first: QWidget | None = None
        layout = QVBoxLayout(self)
        self.intro = QLabel()
        self.intro.setObjectName(f"{name}_intro")
        self.intro.setWordWrap(True)
        self.intro.hide()
        layout.addWidget(self.intro)
        layout.addLayout(self.form)
        layout.addWidget(self.general_error)
        self.buttons = QDialogButtonBox()
        self.buttons.setObjectName(f"{name}_buttons")
        layout.addWidget(self.buttons)

    def add_field(self, key: str, label: str, widget: QWidget, accessible: str) -> None:
        widget.setObjectName(f"referral_{key}")
        widget.setAccessibleName(accessible)
        caption = QLabel(label)
        caption.setObjectName(f"referral_{key}_label")
        caption.setBuddy(widget)
        error = QLabel()
        error.setObjectName(f"referral_{key}_error")
        error.setStyleSheet(ERROR_STYLE)
        error.setWordWrap(True)
        error.hide()
        box = QVBoxLayout()
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(widget)
        box.addWidget(error)
        self.form.addRow(caption, box)
        self.fields[key] = widget
        self.errors[key] = error

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if self.first is not None:
            self.first.setFocus()

    def add_buttons(self, send_text: str) -> QPushButton:
        send = self.buttons.addButton(send_text, QDialogButtonBox.ButtonRole.AcceptRole)
        send.setObjectName(f"{self.objectName()}_send")
        send.setAccessibleName(send_text.replace("&", ""))
        send.setDefault(True)
        cancel = self.buttons.addButton(_("Annuleren"), QDialogButtonBox.ButtonRole.RejectRole)
        cancel.setObjectName(f"{self.objectName()}_cancel")
        cancel.setAccessibleName(_("Annuleren"))
        self.buttons.accepted.connect(self.send)
        self.buttons.rejected.connect(self.reject)
        return send

    def clear_errors(self) -> None:
        for key, label in self.errors.items():
            label.hide()
            label.setText("")
            self.fields[key].setAccessibleDescription("")
        self.general_error.hide()

    def show_error(self, key: str | None, message: str) -> None:
        """``message`` under the field ``key`` (focused), or under the form."""
        if key is not None and key in self.errors:
            self.errors[key].setText(message)
            self.errors[key].show()
            self.fields[key].setAccessibleDescription(message)
            self.fields[key].setFocus()
            return
        self.general_error.setText(message)
        self.general_error.show()

    def refused(self, refusal: ReferralRefused, fields: dict[str, str]) -> None:
        """Show a refusal at the field it names (``payload.x`` → a key of ``fields``)."""
        self.show_error(fields.get(refusal.field), " ".join(refusal.reasons))

    def send(self) -> None:  # pragma: no cover - every dialog has its own
        raise NotImplementedError


class ReferDialog(_ReferralDialog):
    """*Overdragen aan…*: a unit of the directory, or a named party outside it. With
    ``referral_id`` it re-assigns: the open referral is withdrawn with the reason
    given and the new one is made in the same step."""

    def __init__(
        self,
        session: Any,
        case_id: str,
        parent: QWidget | None = None,
        *,
        referral_id: str | None = None,
    ) -> None:
        title = _("Opnieuw toewijzen") if referral_id else _("Overdragen aan…")
        super().__init__(session, title, "refer_dialog", parent)
        self.case_id = case_id
        self.referral_id = referral_id
        if referral_id:
            self.cancel_reason = QLineEdit()
            self.add_field(
                "cancel_reason",
                _("Reden van &intrekken"),
                self.cancel_reason,
                _("Reden van intrekken van de huidige verwijzing"),
            )
        self.targets: list[Target] = targets(session)
        self.target = QComboBox()
        self.target.addItem(_("Andere partij (naam hieronder)"), None)
        for target in self.targets:
            self.target.addItem(target.label, target.unit_id)
        if self.targets:
            self.target.setCurrentIndex(1)
        self.add_field(
            "target", _("&Eenheid uit de sociale kaart"), self.target, _("Ontvangende eenheid")
        )
        self.name = QLineEdit()
        self.name.setPlaceholderText(_("Alleen bij een partij buiten de sociale kaart"))
        self.add_field("name", _("&Naam andere partij"), self.name, _("Naam andere partij"))
        self.phone = QLineEdit()
        self.add_field("phone", _("&Telefoon"), self.phone, _("Telefoon andere partij"))
        self.note = QLineEdit()
        self.add_field("note", _("N&otitie"), self.note, _("Notitie bij de verwijzing"))
        self.target.currentIndexChanged.connect(self._target_changed)
        self._target_changed()
        self.add_buttons(_("&Verzenden"))
        self.intro.setText(
            _(
                "De ontvanger ziet vóór acceptatie alleen urgentie, leeftijdsgroep, "
                "juridisch kader, setting en wat de terugkoppeling laat zien; na "
                "acceptatie de hele overdracht."
            )
        )
        self.intro.show()
        self.first = self.cancel_reason if referral_id else self.target

    def _target_changed(self) -> None:
        other = self.target.currentData() is None
        self.name.setEnabled(other)
        self.phone.setEnabled(other)

    def chosen(self) -> Target | None:
        unit = self.target.currentData()
        return next((t for t in self.targets if t.unit_id == unit), None)

    def send(self) -> None:
        self.clear_errors()
        target = self.chosen()
        name = self.name.text().strip()
        if target is None and not name:
            self.show_error("name", _("Vul de naam van de ontvangende partij in."))
            return
        fields = {
            "payload.to_name": "name",
            "payload.to_unit_id": "target",
            "payload.reason": "cancel_reason",
            "payload.note": "note",
            "payload.to_phone": "phone",
        }
        try:
            if self.referral_id:
                self.result_view = reassign(
                    self.session,
                    self.referral_id,
                    self.cancel_reason.text(),
                    target=target,
                    name=name,
                    phone=self.phone.text(),
                    note=self.note.text().strip() or None,
                )
            else:
                self.result_view = refer_with_summary(
                    self.session,
                    self.case_id,
                    target=target,
                    name=name,
                    phone=self.phone.text(),
                    note=self.note.text().strip() or None,
                )
        except ReferralRefused as refusal:
            self.refused(refusal, fields)
            return
        self.accept()


class AcceptDialog(_ReferralDialog):
    """Accept with the agreed time of first contact (local time)."""

    def __init__(self, session: Any, referral_id: str, parent: QWidget | None = None) -> None:
        super().__init__(session, _("Verwijzing accepteren"), "accept_dialog", parent)
        self.referral_id = referral_id
        view = session.referrals.get(referral_id)
        now = session.clock()
        proposed = now + timedelta(hours=1)
        if view is not None and view.referral.first_contact_by is not None:
            proposed = max(now, min(proposed, view.referral.first_contact_by))
        local = timefmt.to_local(proposed.replace(second=0, microsecond=0))
        self.when = QDateTimeEdit()
        self.when.setDisplayFormat("dd-MM-yyyy HH:mm")
        self.when.setCalendarPopup(True)
        self.when.setDateTime(_qt_datetime(local))
        inner = self.when.findChild(QLineEdit)  # the edit's own text field, for screen readers
        if inner is not None:
            inner.setAccessibleName(_("Afgesproken tijdstip van eerste contact"))
        self.add_field(
            "first_contact_at",
            _("&Afgesproken eerste contact"),
            self.when,
            _("Afgesproken tijdstip van eerste contact"),
        )
        if view is not None and view.referral.first_contact_by is not None:
            self.intro.setText(
                _("Eerste contact uiterlijk {when} (reactietermijn van de urgentie).").format(
                    when=timefmt.format_moment(view.referral.first_contact_by)
                )
            )
            self.intro.show()
        self.behalf = QLineEdit()
        self.behalf_shown = session.role != "receiver"
        if self.behalf_shown:  # a sender records a named party's answer by phone
            self.add_field("on_behalf_of", _("&Namens"), self.behalf, _("Namens wie"))
        self.note = QLineEdit()
        self.add_field("note", _("N&otitie"), self.note, _("Notitie bij de acceptatie"))
        self.add_buttons(_("Acc&epteren"))
        self.first = self.when

    def agreed(self) -> datetime:
        return _py_datetime(self.when.dateTime())

    def send(self) -> None:
        self.clear_errors()
        try:
            self.result_view = self.session.referrals.accept(
                self.referral_id,
                self.agreed(),
                on_behalf_of=self.behalf.text().strip() or None if self.behalf_shown else None,
                note=self.note.text().strip() or None,
            )
        except ReferralRefused as refusal:
            self.refused(
                refusal,
                {"payload.first_contact_at": "first_contact_at", "payload.note": "note",
                 "payload.on_behalf_of": "on_behalf_of"},
            )  # fmt: skip
            return
        self.accept()


class DeclineDialog(_ReferralDialog):
    """Decline with a reason code; ``other`` needs a text (refused at the field)."""

    def __init__(self, session: Any, referral_id: str, parent: QWidget | None = None) -> None:
        super().__init__(session, _("Verwijzing afwijzen"), "decline_dialog", parent)
        self.referral_id = referral_id
        self.reason = QComboBox()
        for code, label in decline_reason_labels().items():
            self.reason.addItem(label, code)
        self.add_field("reason", _("&Reden"), self.reason, _("Reden van afwijzen"))
        self.text = QLineEdit()
        self.add_field("text", _("&Toelichting"), self.text, _("Toelichting"))
        self.behalf = QLineEdit()
        self.behalf_shown = session.role != "receiver"
        if self.behalf_shown:
            self.add_field("on_behalf_of", _("&Namens"), self.behalf, _("Namens wie"))
        self.add_buttons(_("Af&wijzen"))
        self.first = self.reason

    def send(self) -> None:
        self.clear_errors()
        code = self.reason.currentData()
        text = self.text.text().strip()
        if code == "other" and not text:
            from coordination.referrals import Problem

            self.show_error("text", problem_text(Problem("payload.text", "missing", "")))
            return
        try:
            self.result_view = self.session.referrals.decline(
                self.referral_id,
                code,
                text or None,
                on_behalf_of=self.behalf.text().strip() or None if self.behalf_shown else None,
            )
        except ReferralRefused as refusal:
            self.refused(
                refusal,
                {"payload.reason": "reason", "payload.text": "text",
                 "payload.on_behalf_of": "on_behalf_of"},
            )  # fmt: skip
            return
        self.accept()


class CancelDialog(_ReferralDialog):
    """Withdraw the referral with a reason (the case goes to *Plaatsing nodig*)."""

    def __init__(self, session: Any, referral_id: str, parent: QWidget | None = None) -> None:
        super().__init__(session, _("Verwijzing intrekken"), "cancel_dialog", parent)
        self.referral_id = referral_id
        self.reason = QLineEdit()
        self.add_field("cancel_reason", _("&Reden"), self.reason, _("Reden van intrekken"))
        self.add_buttons(_("&Intrekken"))
        self.first = self.reason

    def send(self) -> None:
        self.clear_errors()
        reason = self.reason.text().strip()
        if not reason:
            self.show_error("cancel_reason", _("Geef een reden voor het intrekken."))
            return
        try:
            self.result_view = self.session.referrals.cancel(self.referral_id, reason)
        except ReferralRefused as refusal:
            self.refused(refusal, {"payload.reason": "cancel_reason"})
            return
        self.accept()


def _qt_datetime(moment: datetime) -> QDateTime:
    """The desk-local wall-clock time of ``moment`` (the edit shows it as is)."""
    local = timefmt.to_local(moment)
    return QDateTime(QDate(local.year, local.month, local.day), QTime(local.hour, local.minute))


def _py_datetime(value: QDateTime) -> datetime:
    """The chosen local time as an aware datetime in the desk's zone."""
    naive = datetime(
        value.date().year(),
        value.date().month(),
        value.date().day(),
        value.time().hour(),
        value.time().minute(),
    )
    return naive.replace(tzinfo=timefmt.desk_zone())
