"""Reconciling cases in the desk: the list of cases that need it, and the side-by-side view.

:class:`ReconcileListDialog` lists the cases with status ``needs_reconciliation``;
Enter opens :class:`ReconcileView` for one: per differing field the label, the value in
each competing version and a radio button per side (Tab moves between fields, the arrow
keys or Space choose a side). Saving writes one new version through
:class:`desktop.reconcile.Reconciler`; both earlier versions stay in the history.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QRadioButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import _, language
from desktop.reconcile import STATUS_FIELD, ReconcileCase, Reconciler
from desktop.store import CaseVersion
from desktop.ui.labels import status_text

CASE_ID_ROLE = Qt.ItemDataRole.UserRole


def value_text(field_id: str, value: Any, form_id: str = "intake", version: str = "1") -> str:
    """A value as a person reads it (option labels, Ja/Nee, dates as written)."""
    if value is None or value == [] or value == "":
        return _("(leeg)")
    if field_id == STATUS_FIELD:
        return status_text(str(value))
    if isinstance(value, bool):
        return _("Ja") if value else _("Nee")
    try:
        from desktop.forms import load_form

        form = load_form(form_id, version)
        if isinstance(value, list):
            return ", ".join(form.option_label(field_id, str(v), language()) for v in value)
        if isinstance(value, str) and form.field(field_id).options:
            return form.option_label(field_id, value, language())
    except (KeyError, ValueError, FileNotFoundError):
        pass
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def version_title(version: CaseVersion, own_device: str) -> str:
    info = version.version
    moment = info.created_at.astimezone().strftime("%d-%m-%Y %H:%M")
    where = _("deze desk") if info.device_id == own_device else _("ander apparaat")
    return _("Versie {number} — {name}, {moment} ({where})").format(
        number=info.number, name=info.created_by_name or info.created_by, moment=moment, where=where
    )


class ReconcileView(QDialog):
    """Side by side: one row per differing field, a radio per version; saves a new version."""

    def __init__(self, session: Any, case_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.case_id = case_id
        self.reconciler = Reconciler(session.store)
        self.described: ReconcileCase = self.reconciler.describe(case_id)
        case = session.store.cases.get(case_id)
        self.setObjectName("reconcile_view")
        self.setWindowTitle(_("Casus samenvoegen"))
        heads = self.described.heads
        own = session.profile.device_id
        intro = QLabel(
            _(
                "Deze casus is op twee plaatsen tegelijk aangepast. Kies per veld welke "
                "waarde blijft. Beide versies blijven in de geschiedenis bewaard."
            )
        )
        intro.setWordWrap(True)
        grid = QGridLayout()
        grid.addWidget(_bold(_("Veld")), 0, 0)
        for column, head in enumerate(heads, start=1):
            grid.addWidget(_bold(version_title(head, own)), 0, column)
        self.groups: dict[str, QButtonGroup] = {}
        self.radios: dict[str, list[QRadioButton]] = {}
        for row, diff in enumerate(self.described.diffs, start=1):
            label = QLabel(diff.label)
            label.setWordWrap(True)
            grid.addWidget(label, row, 0)
            group = QButtonGroup(self)
            group.setExclusive(True)
            buttons: list[QRadioButton] = []
            for column, head in enumerate(heads, start=1):
                text = value_text(
                    diff.field_id, diff.values[head.version.id], case.form_id, case.form_version
                )
                radio = QRadioButton(text)
                radio.setObjectName(f"pick_{diff.field_id}_{column}")
                radio.setAccessibleName(f"{diff.label}: {text} ({version_title(head, own)})")
                group.addButton(radio, column - 1)
                grid.addWidget(radio, row, column)
                buttons.append(radio)
            if len(buttons) > 1:
                label.setBuddy(buttons[0])
            group.buttonToggled.connect(lambda *_args: self._update_save())
            self.groups[diff.field_id] = group
            self.radios[diff.field_id] = buttons
        body = QWidget()
        body.setLayout(grid)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)
        self.message = QLabel()
        self.message.setObjectName("reconcile_message")
        self.message.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setText(_("Samengevoegde versie opslaan"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Annuleren"))
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.result_version: CaseVersion | None = None
        self._update_save()
        self.resize(900, 520)

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        first = next(iter(self.radios.values()), None)
        if first:
            first[0].setFocus()

    def choices(self) -> dict[str, str]:
        """Field id → chosen version id, for the fields chosen so far."""
        heads = self.described.heads
        result: dict[str, str] = {}
        for field_id, group in self.groups.items():
            index = group.checkedId()
            if index >= 0:
                result[field_id] = heads[index].version.id
        return result

    def _update_save(self) -> None:
        missing = len(self.groups) - len(self.choices())
        self.save_button.setEnabled(missing == 0)
        if missing:
            self.message.setText(_("Nog {count} veld(en) zonder keuze.").format(count=missing))
        else:
            self.message.setText(_("Alle velden zijn gekozen."))

    def save(self) -> None:
        choices = self.choices()
        if len(choices) != len(self.groups):
            self._update_save()
            return
        self.result_version = self.reconciler.resolve(self.case_id, choices, self.session.actor)
        self.accept()


class ReconcileListDialog(QDialog):
    """The cases waiting for reconciliation; Enter (or double-click) opens one."""

    def __init__(self, session: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.setObjectName("reconcile_list")
        self.setWindowTitle(_("Samenvoegen nodig"))
        self.list = QListWidget()
        self.list.setObjectName("reconcile_cases")
        self.list.itemActivated.connect(self._open_item)
        self.empty = QLabel(_("Er zijn geen casussen die samengevoegd moeten worden."))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText(_("Sluiten"))
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel(_("Casussen met twee versies op dezelfde basis (Enter om samen te voegen):"))
        )
        layout.addWidget(self.list)
        layout.addWidget(self.empty)
        layout.addWidget(buttons)
        self.resize(560, 360)
        self.reload()

    def reload(self) -> None:
        self.list.clear()
        cases = Reconciler(self.session.store).cases()
        for case_id in cases:
            case = self.session.store.cases.get(case_id)
            first = str(case.answers.get("youth.first_name") or "")
            last = str(case.answers.get("youth.last_name") or "")
            name = " ".join(p for p in (first, last) if p) or _("(naam onbekend)")
            item = QListWidgetItem(f"{name} — {case_id[:8]}")
            item.setData(CASE_ID_ROLE, case_id)
            self.list.addItem(item)
        self.empty.setVisible(not cases)
        if cases:
            self.list.setCurrentRow(0)
            self.list.setFocus()

    def case_ids(self) -> list[str]:
        return [self.list.item(i).data(CASE_ID_ROLE) for i in range(self.list.count())]

    def _open_item(self, item: QListWidgetItem) -> None:
        self.open_case(str(item.data(CASE_ID_ROLE)))

    def open_case(self, case_id: str) -> ReconcileView:
        view = ReconcileView(self.session, case_id, self)
        view.finished.connect(lambda _result: self.reload())
        view.open()
        return view


def _bold(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setStyleSheet("font-weight: bold;")
    return label
