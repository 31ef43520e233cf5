"""Reconciling cases in the desk: the list of cases that need it, and the merge view.

:class:`ReconcileListDialog` lists the cases with status ``needs_reconciliation``;
Enter opens :class:`ReconcileView` for one. Per differing field a group shows each
competing version's value (as a person reads it: option labels, dates the Dutch way)
with who wrote it and when, in the desk's local time, wrapped to the window's width
(one column, so it reads at 1280×720). A free-text field also offers *Beide teksten
behouden* (each text marked with its author) and a text box to write the merged text
(typing there chooses it). Keyboard: Tab moves from group to group (and into a text
box), the arrow keys move between a group's options, Space chooses. Saving writes one
new version through :class:`desktop.session.reconcile.Reconciler`; both earlier versions stay
in the history.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QGroupBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QRadioButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import _, ngettext
from desktop.session.reconcile import (
    BOTH_TEXTS,
    STATUS_FIELD,
    FieldDiff,
    ReconcileCase,
    ReconcileError,
    Reconciler,
    author_mark,
    both_texts,
)
from desktop.store import CaseVersion
from desktop.ui.labels import status_text
from desktop.ui.screen_fit import fit_to_screen

CASE_ID_ROLE = Qt.ItemDataRole.UserRole
VALUE_INDENT = 26
"""Pixels a value is indented under its radio button (past the indicator)."""


def answer_text(form: Any, field_id: str, value: Any, zone: ZoneInfo) -> str:
    """A competing value as a person reads it: the status word, else the one answer
    formatter (:func:`desktop.forms.text.answer_text`)."""
    from desktop.forms.text import answer_text as text_of

    if field_id == STATUS_FIELD and value:
        return status_text(str(value))
    return text_of(form, field_id, value, zone=zone)


def version_title(version: CaseVersion, own_device: str, zone: ZoneInfo | str) -> str:
    """``Versie 2 — Otto Jansen, 03-12-2026 09:50 (ander apparaat)``."""
    info = version.version
    where = _("deze desk") if info.device_id == own_device else _("ander apparaat")
    return _("Versie {number} — {who} ({where})").format(
        number=info.number, who=author_mark(version, str(zone)), where=where
    )


class FieldChoice(QGroupBox):
    """One differing field: a radio (and the wrapped value) per version; for free text
    also "both texts" and a text box for a merged text."""

    def __init__(
        self,
        diff: FieldDiff,
        described: ReconcileCase,
        form: Any,
        own_device: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(diff.label, parent)
        self.diff = diff
        self.heads = described.heads
        zone = ZoneInfo(described.zone)
        self.setObjectName(f"field_{diff.field_id}")
        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
        self.radios: list[QRadioButton] = []
        self.value_labels: list[QLabel] = []
        self.editor: QPlainTextEdit | None = None
        layout = QVBoxLayout(self)
        for index, head in enumerate(self.heads):
            title = version_title(head, own_device, zone)
            value = answer_text(form, diff.field_id, diff.values[head.version.id], zone)
            radio = self._radio(
                title,
                f"pick_{diff.field_id}_{index + 1}",
                _("{field}: {value} — {version}").format(
                    field=diff.label, value=value, version=title
                ),
                index,
                layout,
            )
            self.value_labels.append(self._value(value, radio, layout))
        if diff.free_text:
            both = both_texts(diff, self.heads, described.zone) or ""
            self._radio(
                _("Beide teksten behouden (elk met naam en tijd)"),
                f"pick_{diff.field_id}_both",
                _("{field}: beide teksten behouden").format(field=diff.label),
                len(self.heads),
                layout,
            )
            self.value_labels.append(self._value(both, self.radios[-1], layout))
            edit = self._radio(
                _("Zelf samenvoegen (tekst hieronder bewerken)"),
                f"pick_{diff.field_id}_edit",
                _("{field}: samengevoegde tekst zelf bewerken").format(field=diff.label),
                len(self.heads) + 1,
                layout,
            )
            self.editor = QPlainTextEdit(both)
            self.editor.setObjectName(f"merged_{diff.field_id}")
            self.editor.setAccessibleName(
                _("{field}: samengevoegde tekst").format(field=diff.label)
            )
            self.editor.setTabChangesFocus(True)
            self.editor.setFixedHeight(90)
            self.editor.textChanged.connect(lambda: edit.setChecked(True))
            layout.addWidget(self.editor)

    def _radio(
        self, text: str, name: str, accessible: str, index: int, layout: QVBoxLayout
    ) -> QRadioButton:
        radio = QRadioButton(text)
        radio.setObjectName(name)
        radio.setAccessibleName(accessible)
        self.group.addButton(radio, index)
        layout.addWidget(radio)
        self.radios.append(radio)
        return radio

    def _value(self, text: str, radio: QRadioButton, layout: QVBoxLayout) -> QLabel:
        label = QLabel(text)
        label.setWordWrap(True)
        label.setTextFormat(Qt.TextFormat.PlainText)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        label.setContentsMargins(VALUE_INDENT, 0, 0, 6)
        label.setBuddy(radio)
        layout.addWidget(label)
        return label

    # -- what was chosen --------------------------------------------------------------------

    @property
    def edit_index(self) -> int:
        return len(self.heads) + 1 if self.diff.free_text else -1

    def choice(self) -> str | None:
        """A head's version id, :data:`BOTH_TEXTS`, ``"edited"``, or None (nothing yet)."""
        index = self.group.checkedId()
        if index < 0:
            return None
        if index < len(self.heads):
            return self.heads[index].version.id
        return BOTH_TEXTS if index == len(self.heads) else "edited"

    def merged_text(self) -> str | None:
        if self.editor is None or self.group.checkedId() != self.edit_index:
            return None
        return self.editor.toPlainText()


class ReconcileView(QDialog):
    """Per differing field a group of choices; saves one new (reconciled) version."""

    def __init__(self, session: Any, case_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.case_id = case_id
        self.reconciler = Reconciler(session.store)
        self.described: ReconcileCase = self.reconciler.describe(case_id)
        case = session.store.cases.get(case_id)
        try:
            from desktop.forms import load_form

            form: Any = load_form(case.form_id, case.form_version)
        except (KeyError, FileNotFoundError, ValueError):
            form = None
        self.setObjectName("reconcile_view")
        self.setWindowTitle(_("Casus samenvoegen"))
        own = session.profile.device_id
        intro = QLabel(
            _(
                "Deze casus is op twee plaatsen tegelijk aangepast. Kies per veld welke "
                "waarde blijft; bij vrije tekst kunt u ook beide teksten behouden of zelf "
                "samenvoegen. Beide versies blijven in de geschiedenis bewaard."
            )
        )
        intro.setWordWrap(True)
        body = QWidget()
        column = QVBoxLayout(body)
        self.fields: dict[str, FieldChoice] = {}
        for diff in self.described.diffs:
            choice = FieldChoice(diff, self.described, form, own, body)
            choice.group.buttonToggled.connect(lambda *_args: self._update_save())
            column.addWidget(choice)
            self.fields[diff.field_id] = choice
        column.addStretch(1)
        self.fields_scroll = QScrollArea()
        self.fields_scroll.setObjectName("reconcile_fields")
        self.fields_scroll.setAccessibleName(_("Velden om samen te voegen"))
        self.fields_scroll.setWidgetResizable(True)
        self.fields_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.fields_scroll.setWidget(body)
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
        layout.addWidget(self.fields_scroll, 1)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.result_version: CaseVersion | None = None
        self._update_save()
        self._fit_to_screen()

    # kept for callers that look a field's radios or group up by field id
    @property
    def radios(self) -> dict[str, list[QRadioButton]]:
        return {f: choice.radios for f, choice in self.fields.items()}

    @property
    def groups(self) -> dict[str, QButtonGroup]:
        return {f: choice.group for f, choice in self.fields.items()}

    def _fit_to_screen(self) -> None:
        fit_to_screen(self, QSize(1000, 680))

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        first = next(iter(self.fields.values()), None)
        if first is not None:
            first.radios[0].setFocus()

    def choices(self) -> dict[str, str]:
        """Field id → chosen version id (or :data:`BOTH_TEXTS`), for the fields chosen so
        far; a field whose merged text is written by hand is in :meth:`texts` instead."""
        result: dict[str, str] = {}
        for field_id, choice in self.fields.items():
            picked = choice.choice()
            if picked is not None and picked != "edited":
                result[field_id] = picked
        return result

    def texts(self) -> dict[str, str]:
        """Field id → the merged text written by hand."""
        result: dict[str, str] = {}
        for field_id, choice in self.fields.items():
            text = choice.merged_text()
            if text is not None:
                result[field_id] = text
        return result

    def _missing(self) -> int:
        return sum(1 for choice in self.fields.values() if choice.choice() is None)

    def _update_save(self) -> None:
        missing = self._missing()
        self.save_button.setEnabled(missing == 0)
        if missing:
            self.message.setText(
                ngettext(
                    "Nog {count} veld zonder keuze.", "Nog {count} velden zonder keuze.", missing
                ).format(count=missing)
            )
        else:
            self.message.setText(_("Alle velden zijn gekozen."))

    def save(self) -> None:
        if self._missing():
            self._update_save()
            return
        texts = self.texts()
        for field_id, text in texts.items():
            if not text.strip():
                choice = self.fields[field_id]
                self.message.setText(
                    _(
                        "{field}: de samengevoegde tekst is leeg. Schrijf de tekst of kies een "
                        "versie."
                    ).format(field=choice.diff.label)
                )
                if choice.editor is not None:
                    choice.editor.setFocus()
                return
        try:
            self.result_version = self.reconciler.resolve(
                self.case_id, self.choices(), self.session.actor, texts=texts
            )
        except ReconcileError:
            self.message.setText(
                _(
                    "Samenvoegen is niet gelukt: de casus is intussen veranderd (bijvoorbeeld "
                    "op een ander apparaat samengevoegd). Sluit dit venster en open de lijst "
                    "opnieuw."
                )
            )
            return
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
        self.list.setAccessibleName(_("Casussen die samengevoegd moeten worden"))
        self.list.setAccessibleDescription(_("Enter opent de casus om samen te voegen."))
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
