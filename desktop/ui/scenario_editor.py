"""The trainer's scenario editor: write a scenario in a form, YAML as the advanced view.

Two views of one scenario — the **Formulier** tab (the intake's own field widgets for
the facts, tables for the caller's script, key questions, learning goals and debrief
notes, choices for urgency and intervention, the legal flags proposed by the rules
engine) and the **YAML** tab. One source of truth: the scenario's data
(:attr:`ScenarioForm.data`). Leaving a view writes it into the data and refreshes the
other view; when both were changed the editor refuses to choose and says so, and when
the YAML has something the form cannot show it says that too
(:func:`desktop.training.authoring.form_gaps`). The logic is Qt-free in
:mod:`desktop.training.authoring`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QDateTime, Qt, QTimeZone, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateTimeEdit,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QStyledItemDelegate,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.forms import FormDefinition
from desktop.i18n import _, pick
from desktop.training.authoring import (
    Bilingual,
    DraftError,
    LineDraft,
    QuestionDraft,
    ScenarioDraft,
    apply_draft,
    draft_from_data,
    form_gaps,
    next_line_id,
    next_question_id,
    proposed_flags,
)
from desktop.training.scenario import (
    DECISION_FIELDS,
    FREE_TEXT_TYPES,
    ScenarioError,
    dump_yaml,
    read_yaml,
    rule_codes,
)
from desktop.ui.field_widgets import FieldEditor, MultiChoiceList

ID_ROLE = Qt.ItemDataRole.UserRole
FIELDS_ROLE = Qt.ItemDataRole.UserRole + 1


def _flag_titles() -> dict[str, str]:
    import legal_rules

    titles: dict[str, str] = {}
    for rule in sorted(legal_rules.load_rules().rules, key=lambda r: r.valid_from):
        titles[rule.code] = pick(rule.title)
    return titles


class BilingualEdit(QWidget):
    """A Dutch text and its (optional) English translation side by side."""

    changed = Signal()

    def __init__(self, name: str, label: str, multiline: bool = False) -> None:
        super().__init__()
        self.nl: QLineEdit | QPlainTextEdit
        self.en: QLineEdit | QPlainTextEdit
        if multiline:
            self.nl, self.en = QPlainTextEdit(), QPlainTextEdit()
            for edit in (self.nl, self.en):
                edit.setTabChangesFocus(True)
                edit.setFixedHeight(edit.fontMetrics().lineSpacing() * 3 + 12)
                edit.textChanged.connect(self.changed)
        else:
            self.nl, self.en = QLineEdit(), QLineEdit()
            for line_edit in (self.nl, self.en):
                line_edit.textEdited.connect(self.changed)
        self.nl.setObjectName(f"{name}_nl")
        self.nl.setAccessibleName(label)
        self.en.setObjectName(f"{name}_en")
        self.en.setAccessibleName(_("{label} (Engels)").format(label=label))
        self.en.setPlaceholderText(_("Engels (leeg = zoals het Nederlands)"))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.nl, 3)
        layout.addWidget(self.en, 2)

    def value(self) -> Bilingual:
        def text(edit: QLineEdit | QPlainTextEdit) -> str:
            if isinstance(edit, QLineEdit):
                return edit.text()
            # toPlainText() turns no-break spaces into spaces: keep the text as typed
            return edit.document().toRawText().replace("\u2029", "\n")

        return Bilingual(text(self.nl), text(self.en))

    def set_value(self, value: Bilingual) -> None:
        for edit, text in ((self.nl, value.nl), (self.en, value.en)):
            edit.blockSignals(True)
            if isinstance(edit, QLineEdit):
                edit.setText(text)
            else:
                edit.setPlainText(text)
            edit.blockSignals(False)


class TextTable(QWidget):
    """Rows of texts (columns given), with add/remove/up/down buttons by keyboard."""

    changed = Signal()

    def __init__(
        self, name: str, label: str, columns: list[str], buttons: tuple[str, str, str, str]
    ) -> None:
        super().__init__()
        self.table = QTableWidget(0, len(columns))
        self.table.setObjectName(name)
        self.table.setAccessibleName(label)
        self.table.setHorizontalHeaderLabels(columns)
        self.table.setTabKeyNavigation(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        if len(columns) <= 2:  # a text and its translation share the width
            self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        else:
            self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setWordWrap(True)
        # a row is as tall as its wrapped text: a long line is never cut off
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.itemChanged.connect(lambda _item: self.changed.emit())
        self.table.setMinimumHeight(110)
        row = QHBoxLayout()
        self.buttons: list[QPushButton] = []
        for text, slot, suffix in zip(
            buttons,
            (self.add_row, self.remove_row, self.move_up, self.move_down),
            ("add", "remove", "up", "down"),
            strict=True,
        ):
            button = QPushButton(text)
            button.setObjectName(f"{name}_{suffix}")
            button.clicked.connect(slot)
            row.addWidget(button)
            self.buttons.append(button)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table)
        layout.addLayout(row)

    # the row as texts; subclasses add cell widgets
    def add_row(self, texts: list[str] | None = None, row_id: str = "") -> int:
        self.table.blockSignals(True)
        row = self.table.rowCount()
        self.table.insertRow(row)
        texts = texts or [""] * self.table.columnCount()
        for column, text in enumerate(texts):
            item = QTableWidgetItem(text)
            if column == 0:
                item.setData(ID_ROLE, row_id)
            self.table.setItem(row, column, item)
        self.table.blockSignals(False)
        self.table.setCurrentCell(row, 0)
        self.changed.emit()
        return row

    def remove_row(self) -> None:
        row = self.table.currentRow()
        if row >= 0:
            self.table.removeRow(row)
            self.changed.emit()

    def _swap(self, row: int, other: int) -> None:
        if not (0 <= row < self.table.rowCount() and 0 <= other < self.table.rowCount()):
            return
        self.table.blockSignals(True)
        for column in range(self.table.columnCount()):
            first = self.table.takeItem(row, column)
            second = self.table.takeItem(other, column)
            self.table.setItem(row, column, second)
            self.table.setItem(other, column, first)
        self.table.blockSignals(False)
        self.table.setCurrentCell(other, self.table.currentColumn())
        self.changed.emit()

    def move_up(self) -> None:
        self._swap(self.table.currentRow(), self.table.currentRow() - 1)

    def move_down(self) -> None:
        self._swap(self.table.currentRow(), self.table.currentRow() + 1)

    def texts(self, row: int) -> list[str]:
        return [
            (item.text() if (item := self.table.item(row, c)) is not None else "")
            for c in range(self.table.columnCount())
        ]

    def clear(self) -> None:
        self.table.blockSignals(True)
        self.table.setRowCount(0)
        self.table.blockSignals(False)


WHEN_ROLE = Qt.ItemDataRole.UserRole + 2


class MomentDelegate(QStyledItemDelegate):
    """Edits a script line's moment with a choice list (F2, Enter or typing opens it)."""

    def __init__(self, table: ScriptTable) -> None:
        super().__init__(table.table)
        self.owner = table

    def createEditor(self, parent: QWidget, _option: Any, _index: Any) -> QWidget:
        combo = QComboBox(parent)
        combo.setObjectName("script_moment_editor")
        combo.setAccessibleName(_("Moment"))
        for label, key in self.owner.moments():
            combo.addItem(label, key)
        return combo

    def setEditorData(self, editor: QWidget, index: Any) -> None:
        assert isinstance(editor, QComboBox)
        key = _moment_key(str(index.data(WHEN_ROLE) or "start"))
        found = editor.findData(key)
        if found < 0:
            editor.addItem(key, key)
            found = editor.count() - 1
        editor.setCurrentIndex(found)

    def setModelData(self, editor: QWidget, model: Any, index: Any) -> None:
        assert isinstance(editor, QComboBox)
        model.setData(index, editor.currentData(), WHEN_ROLE)
        model.setData(index, editor.currentText(), Qt.ItemDataRole.DisplayRole)


class SecondsDelegate(QStyledItemDelegate):
    """Seconds of a timed line, as a number box."""

    def createEditor(self, parent: QWidget, _option: Any, _index: Any) -> QWidget:
        box = QSpinBox(parent)
        box.setObjectName("script_seconds_editor")
        box.setAccessibleName(_("Na seconden"))
        box.setRange(1, 99999)
        box.setSuffix(" s")
        return box

    def setEditorData(self, editor: QWidget, index: Any) -> None:
        assert isinstance(editor, QSpinBox)
        text = str(index.data() or "").removesuffix(" s").strip()
        editor.setValue(int(text) if text.isdigit() else 60)

    def setModelData(self, editor: QWidget, model: Any, index: Any) -> None:
        assert isinstance(editor, QSpinBox)
        editor.interpretText()
        model.setData(index, f"{editor.value()} s", Qt.ItemDataRole.DisplayRole)


def _moment_key(when: str) -> str:
    return "after" if when.startswith("after:") else when


class ScriptTable(TextTable):
    """The caller's script: each line with the moment it is revealed. Every cell is
    edited by keyboard (arrows to move, F2 or typing to edit; the moment is a choice)."""

    def __init__(self, form: FormDefinition) -> None:
        super().__init__(
            "script_table",
            _("Script van de melder"),
            [
                _("Moment"),
                _("Na seconden"),
                _("Spreker"),
                _("Tekst"),
                _("Spreker (en)"),
                _("Tekst (en)"),
            ],
            (
                _("Regel toevoegen"),
                _("Regel verwijderen"),
                _("Regel omhoog"),
                _("Regel omlaag"),
            ),
        )
        self.form = form
        self.questions: list[tuple[str, str]] = []
        self.table.setItemDelegateForColumn(0, MomentDelegate(self))
        self.table.setItemDelegateForColumn(1, SecondsDelegate(self.table))
        self.table.setColumnWidth(0, 220)
        self.table.setColumnWidth(3, 320)
        self.table.setColumnWidth(5, 320)  # the translation as wide as the text
        self.table.setMinimumHeight(220)

    def moments(self) -> list[tuple[str, str]]:
        """(label, key) of every moment a line can have; ``after`` is a timed line."""
        out = [(_("Bij de start"), "start")]
        out += [
            (_("Bij sectie: {title}").format(title=pick(section.title)), f"section:{section.id}")
            for section in self.form.sections
        ]
        out += [
            (_("Na kernvraag: {text}").format(text=text or qid), f"question:{qid}")
            for qid, text in self.questions
        ]
        out.append((_("Na een aantal seconden"), "after"))
        return out

    def _label(self, key: str) -> str:
        return next((label for label, k in self.moments() if k == key), key)

    def add_row(self, texts: list[str] | None = None, row_id: str = "") -> int:
        return self.add_line(LineDraft(row_id, "start", Bilingual(), Bilingual()))

    def add_line(self, line: LineDraft) -> int:
        seconds = line.when.partition(":")[2] if line.when.startswith("after:") else ""
        row = super().add_row(
            [
                self._label(_moment_key(line.when)),
                f"{seconds} s" if seconds else "",
                line.speaker.nl,
                line.text.nl,
                line.speaker.en,
                line.text.en,
            ],
            line.id or "",
        )
        item = self.table.item(row, 0)
        if item is not None:
            self.table.blockSignals(True)
            item.setData(WHEN_ROLE, _moment_key(line.when))
            self.table.blockSignals(False)
        return row

    def set_moment(self, row: int, when: str) -> None:
        """Set a line's moment (``after:<seconds>`` for a timed line)."""
        item = self.table.item(row, 0)
        if item is None:
            return
        item.setData(WHEN_ROLE, _moment_key(when))
        item.setText(self._label(_moment_key(when)))
        seconds = self.table.item(row, 1)
        if when.startswith("after:") and seconds is not None:
            seconds.setText(f"{when.partition(':')[2]} s")

    def set_questions(self, questions: list[tuple[str, str]]) -> None:
        self.questions = questions
        self.table.blockSignals(True)
        for row in range(self.table.rowCount()):
            item = self.table.item(row, 0)
            if item is not None:
                item.setText(self._label(str(item.data(WHEN_ROLE) or "start")))
        self.table.blockSignals(False)

    def _when(self, row: int) -> str:
        item = self.table.item(row, 0)
        key = str(item.data(WHEN_ROLE) or "start") if item else "start"
        if key == "after":
            text = self.texts(row)[1].removesuffix(" s").strip()
            return f"after:{int(text) if text.isdigit() else 0}"
        return key

    def _swap(self, row: int, other: int) -> None:
        if not (0 <= row < self.table.rowCount() and 0 <= other < self.table.rowCount()):
            return
        lines = self.lines()
        lines[row], lines[other] = lines[other], lines[row]
        self.set_lines(lines)
        self.table.setCurrentCell(other, 2)
        self.changed.emit()

    def lines(self) -> list[LineDraft]:
        out = []
        for row in range(self.table.rowCount()):
            texts = self.texts(row)
            item = self.table.item(row, 0)
            out.append(
                LineDraft(
                    id=str(item.data(ID_ROLE) or "") if item else "",
                    when=self._when(row),
                    speaker=Bilingual(texts[2], texts[4]),
                    text=Bilingual(texts[3], texts[5]),
                )
            )
        return out

    def set_lines(self, lines: list[LineDraft]) -> None:
        self.clear()
        for line in lines:
            self.add_line(line)


class QuestionTable(TextTable):
    """Key questions; the fields where each answer belongs are chosen below the table."""

    def __init__(self, form: FormDefinition) -> None:
        super().__init__(
            "question_table",
            _("Kernvragen"),
            [_("Vraag"), _("Waarom"), _("Vraag (en)"), _("Waarom (en)")],
            (
                _("Kernvraag toevoegen"),
                _("Kernvraag verwijderen"),
                _("Kernvraag omhoog"),
                _("Kernvraag omlaag"),
            ),
        )
        self.form = form
        for column, width in enumerate((240, 220, 180)):  # the translations readable too
            self.table.setColumnWidth(column, width)
        choices = [
            (field.id, f"{pick(section.title)} — {pick(field.label)}")
            for section in form.sections
            for field in section.fields
            if field.id not in DECISION_FIELDS
        ]
        self.fields = MultiChoiceList(choices)
        self.fields.setObjectName("question_fields")
        self.fields.setAccessibleName(_("Velden waar het antwoord op de kernvraag hoort"))
        self.fields.setMinimumHeight(90)
        self.fields.setMaximumHeight(150)
        self.fields.itemChanged.connect(self._fields_changed)
        self.table.currentCellChanged.connect(lambda row, *_a: self._show_fields(row))
        label = QLabel(_("Velden waar het antwoord hoort (kies een kernvraag hierboven)"))
        label.setBuddy(self.fields)
        layout = self.layout()
        assert isinstance(layout, QVBoxLayout)
        layout.addWidget(label)
        layout.addWidget(self.fields)

    def add_row(self, texts: list[str] | None = None, row_id: str = "") -> int:
        row = super().add_row(texts, row_id)
        item = self.table.item(row, 0)
        if item is not None and item.data(FIELDS_ROLE) is None:
            item.setData(FIELDS_ROLE, [])
        self._show_fields(row)
        return row

    def _show_fields(self, row: int) -> None:
        item = self.table.item(row, 0) if row >= 0 else None
        self.fields.blockSignals(True)
        self.fields.set_values(list(item.data(FIELDS_ROLE) or []) if item else [])
        self.fields.setEnabled(item is not None)
        self.fields.blockSignals(False)

    def _fields_changed(self, _item: QListWidgetItem) -> None:
        item = self.table.item(self.table.currentRow(), 0)
        if item is not None:
            self.table.blockSignals(True)
            item.setData(FIELDS_ROLE, _in_order(self.fields.values(), item.data(FIELDS_ROLE) or []))
            self.table.blockSignals(False)
            self.changed.emit()

    def questions(self, draft: ScenarioDraft) -> list[QuestionDraft]:
        out: list[QuestionDraft] = []
        for row in range(self.table.rowCount()):
            texts = self.texts(row)
            item = self.table.item(row, 0)
            question_id = str(item.data(ID_ROLE) or "") if item else ""
            if not question_id:
                probe = ScenarioDraft(key_questions=out)
                question_id = next_question_id(probe, texts[0])
                if item is not None:
                    self.table.blockSignals(True)
                    item.setData(ID_ROLE, question_id)
                    self.table.blockSignals(False)
            fields = list(item.data(FIELDS_ROLE) or []) if item else []
            out.append(
                QuestionDraft(
                    question_id,
                    Bilingual(texts[0], texts[2]),
                    Bilingual(texts[1], texts[3]),
                    fields,
                )
            )
        return out

    def set_questions(self, questions: list[QuestionDraft]) -> None:
        self.clear()
        for question in questions:
            row = self.add_row(
                [question.text.nl, question.why.nl, question.text.en, question.why.en], question.id
            )
            item = self.table.item(row, 0)
            if item is not None:
                self.table.blockSignals(True)
                item.setData(FIELDS_ROLE, list(question.fields))
                self.table.blockSignals(False)
        self._show_fields(self.table.currentRow())


class ScenarioForm(QWidget):
    """The form and YAML views of one scenario's data (the one source of truth)."""

    changed = Signal()

    def __init__(self, form: FormDefinition) -> None:
        super().__init__()
        self.setObjectName("scenario_form")
        self.form = form
        self.zone = ZoneInfo(form.timezone)
        self.data: dict[str, Any] = {}
        self.form_dirty = False
        self.yaml_dirty = False
        self.form_problems: list[str] = []
        self.gaps: list[str] = []
        self._loading = False
        self._orders: dict[str, list[str]] = {}

        self.views = QTabWidget()
        self.views.setObjectName("scenario_views")
        self.form_page = QScrollArea()
        self.form_page.setObjectName("scenario_form_page")
        self.form_page.setWidgetResizable(True)
        inner = QWidget()
        body = QVBoxLayout(inner)
        self.form_page.setWidget(inner)
        self.yaml = QPlainTextEdit()
        self.yaml.setObjectName("scenario_yaml")
        self.yaml.setAccessibleName(_("Casus als YAML"))
        self.yaml.setTabChangesFocus(True)
        self.yaml.textChanged.connect(self._yaml_edited)
        self.views.addTab(self.form_page, _("Formul&ier"))
        self.views.addTab(self.yaml, _("YAML (gevorder&d)"))
        self.views.currentChanged.connect(self._view_changed)
        self._current_view = 0

        # -- the scenario itself
        general = QGroupBox(_("Casus"))
        general_form = QFormLayout(general)
        self.code = QLabel()
        self.code.setObjectName("scenario_code")
        self.code.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByKeyboard
            | Qt.TextInteractionFlag.TextSelectableByMouse
        )
        self.title = BilingualEdit("scenario_title", _("Titel"))
        self.summary = BilingualEdit("scenario_summary", _("Samenvatting"), multiline=True)
        self.caller = BilingualEdit("scenario_caller", _("Melder"))
        self.call_at = QDateTimeEdit()
        self.call_at.setObjectName("scenario_call_at")
        self.call_at.setAccessibleName(_("Moment van het gesprek"))
        self.call_at.setDisplayFormat("dd-MM-yyyy HH:mm")
        self.call_at.setTimeZone(QTimeZone(form.timezone.encode()))
        self.call_at.dateTimeChanged.connect(lambda _v: self._form_edited())
        for edit in (self.title, self.summary, self.caller):
            edit.changed.connect(self._form_edited)
        general_form.addRow(_("Code en versie"), self.code)
        self._row(general_form, _("&Titel"), self.title, self.title.nl)
        self._row(general_form, _("Samenvatting"), self.summary, self.summary.nl)
        self._row(general_form, _("Melder"), self.caller, self.caller.nl)
        self._row(general_form, _("Moment van het gesprek"), self.call_at, self.call_at)
        body.addWidget(general)

        self.goals = TextTable(
            "goals_table",
            _("Leerdoelen"),
            [_("Leerdoel"), _("Leerdoel (en)")],
            (
                _("Leerdoel toevoegen"),
                _("Leerdoel verwijderen"),
                _("Leerdoel omhoog"),
                _("Leerdoel omlaag"),
            ),
        )
        body.addWidget(self._group(_("Leerdoelen"), self.goals))
        self.script = ScriptTable(form)
        body.addWidget(
            self._group(_("Script van de melder (wat wanneer wordt gezegd)"), self.script)
        )
        self.questions = QuestionTable(form)
        body.addWidget(self._group(_("Kernvragen"), self.questions))
        for table in (self.goals, self.script, self.questions):
            table.changed.connect(self._form_edited)
        self.questions.changed.connect(self._questions_changed)

        # -- the facts, in the intake's own widgets
        self.answer_editors: dict[str, FieldEditor | QLineEdit] = {}
        facts = QGroupBox(_("Feiten: wat een goede intake vastlegt"))
        facts_layout = QVBoxLayout(facts)
        hint = QLabel(
            _(
                "Vul alleen in wat de deelnemer moet vastleggen. Bij tekstvelden: "
                "trefwoorden, gescheiden door komma's."
            )
        )
        hint.setWordWrap(True)
        facts_layout.addWidget(hint)
        for section in form.sections:
            fields = [f for f in section.fields if f.id not in DECISION_FIELDS]
            if not fields:
                continue
            box = QGroupBox(pick(section.title))
            box_form = QFormLayout(box)
            for field in fields:
                widget: QWidget
                if field.type in FREE_TEXT_TYPES:
                    line = QLineEdit()
                    line.setObjectName(field.id)
                    line.setAccessibleName(pick(field.label))
                    line.setPlaceholderText(_("trefwoorden, gescheiden door komma's"))
                    line.textEdited.connect(lambda _t: self._facts_edited())
                    self.answer_editors[field.id] = line
                    widget = line
                else:
                    editor = FieldEditor(form, field, self)
                    editor.edited.connect(lambda _fid, _now: self._facts_edited())
                    self.answer_editors[field.id] = editor
                    widget = editor.widget
                label = QLabel(pick(field.label))
                label.setBuddy(widget)
                label.setWordWrap(True)
                box_form.addRow(label, widget)
            facts_layout.addWidget(box)
        body.addWidget(facts)

        # -- the expected decision
        decision = QGroupBox(_("Verwacht besluit"))
        decision_form = QFormLayout(decision)
        self.urgency = QComboBox()
        self.urgency.setObjectName("scenario_urgency")
        self.urgency.addItem(_("(kies)"), "")
        for level in form.urgency:
            self.urgency.addItem(f"{level.code} {pick(level.label)}", level.code)
        self.acceptable_urgency = MultiChoiceList(
            [(level.code, f"{level.code} {pick(level.label)}") for level in form.urgency]
        )
        self.acceptable_urgency.setObjectName("scenario_acceptable_urgency")
        self.intervention = QComboBox()
        self.intervention.setObjectName("scenario_intervention")
        self.intervention.addItem(_("(kies)"), "")
        options = form.field("triage.intervention").options
        for option in options:
            self.intervention.addItem(pick(option.label), option.value)
        self.acceptable_interventions = MultiChoiceList(
            [(option.value, pick(option.label)) for option in options]
        )
        self.acceptable_interventions.setObjectName("scenario_acceptable_interventions")
        self.minutes = QSpinBox()
        self.minutes.setObjectName("scenario_minutes")
        self.minutes.setRange(1, 240)
        self.minutes.setSuffix(" min")
        for combo in (self.urgency, self.intervention):
            combo.currentIndexChanged.connect(lambda _i: self._form_edited())
        for multi in (self.acceptable_urgency, self.acceptable_interventions):
            multi.itemChanged.connect(lambda _i: self._form_edited())
        self.minutes.valueChanged.connect(lambda _v: self._form_edited())
        self._row(decision_form, _("Verwachte urgentie"), self.urgency, self.urgency)
        self._row(
            decision_form,
            _("Ook goed (urgentie)"),
            self.acceptable_urgency,
            self.acceptable_urgency,
        )
        self._row(decision_form, _("Verwachte interventie"), self.intervention, self.intervention)
        self._row(
            decision_form,
            _("Ook goed (interventie)"),
            self.acceptable_interventions,
            self.acceptable_interventions,
        )
        self._row(decision_form, _("Doeltijd besluit"), self.minutes, self.minutes)
        body.addWidget(decision)

        # -- legal flags: proposed by the rules, editable with a reason
        legal = QGroupBox(_("Juridische signalen"))
        legal_layout = QVBoxLayout(legal)
        self.proposal = QLabel()
        self.proposal.setObjectName("flags_proposal")
        self.proposal.setWordWrap(True)
        titles = _flag_titles()
        self.flags = MultiChoiceList(
            [(code, f"{titles.get(code, code)} ({code})") for code in sorted(rule_codes())]
        )
        self.flags.setObjectName("scenario_flags")
        self.flags.setAccessibleName(_("Verwachte juridische signalen"))
        self.flags.setMinimumHeight(90)
        self.flags.setMaximumHeight(170)
        self.flags.itemChanged.connect(lambda _i: self._form_edited())
        self.use_proposal = QPushButton(_("Juridisch voorstel van de regels overnemen"))
        self.use_proposal.setObjectName("use_flags_proposal")
        self.use_proposal.clicked.connect(self.take_proposal)
        self.flags_reason = BilingualEdit("flags_reason", _("Reden voor afwijken van de regels"))
        self.flags_reason.changed.connect(self._form_edited)
        reason_label = QLabel(_("Reden als je afwijkt van het voorstel"))
        reason_label.setBuddy(self.flags_reason.nl)
        legal_layout.addWidget(self.proposal)
        legal_layout.addWidget(self.flags)
        legal_layout.addWidget(self.use_proposal)
        legal_layout.addWidget(reason_label)
        legal_layout.addWidget(self.flags_reason)
        body.addWidget(legal)

        self.debrief = TextTable(
            "debrief_table",
            _("Nabespreking"),
            [_("Punt"), _("Punt (en)")],
            (
                _("Nabesprekingspunt toevoegen"),
                _("Punt verwijderen"),
                _("Punt omhoog"),
                _("Punt omlaag"),
            ),
        )
        self.debrief.changed.connect(self._form_edited)
        body.addWidget(self._group(_("Nabespreking (punten voor de trainer)"), self.debrief))
        body.addStretch(1)

        self.gaps_label = QLabel()
        self.gaps_label.setObjectName("scenario_gaps")
        self.gaps_label.setWordWrap(True)
        self.gaps_label.setStyleSheet("color: #8A4B00;")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.gaps_label)
        layout.addWidget(self.views, 1)

    # -- building helpers ------------------------------------------------------------------

    @staticmethod
    def _row(layout: QFormLayout, text: str, widget: QWidget, buddy: QWidget) -> None:
        label = QLabel(text)
        label.setBuddy(buddy)
        layout.addRow(label, widget)

    @staticmethod
    def _group(title: str, widget: QWidget) -> QGroupBox:
        box = QGroupBox(title)
        QVBoxLayout(box).addWidget(widget)
        return box

    # -- loading ---------------------------------------------------------------------------

    def load(self, data: dict[str, Any]) -> list[str]:
        """Show scenario data in both views; returns the problems of the form view
        (then only the YAML view is usable)."""
        self.data = dict(data)
        self._set_yaml(dump_yaml(self.data))
        problems = self._fill_form()
        self.form_dirty = self.yaml_dirty = False
        return problems

    def _set_yaml(self, text: str) -> None:
        self._loading = True
        self.yaml.setPlainText(text)
        self._loading = False

    def _fill_form(self) -> list[str]:
        try:
            draft = draft_from_data(self.data, self.form)
        except DraftError as error:
            self.views.setTabEnabled(0, False)
            self.views.setCurrentIndex(1)
            self.gaps = [
                _("Het formulier kan deze casus niet tonen; bewerk haar in de YAML."),
                *error.problems,
            ]
            self.gaps_label.setText("\n".join(self.gaps))
            return error.problems
        self.views.setTabEnabled(0, True)
        self._loading = True
        try:
            self.show_draft(draft)
        finally:
            self._loading = False
        self.gaps = form_gaps(self.data, self.yaml.toPlainText())
        self.gaps_label.setText("\n".join(self.gaps))
        return []

    def show_draft(self, draft: ScenarioDraft) -> None:
        self.code.setText(_("{id}, versie {version}").format(id=draft.id, version=draft.version))
        self._draft_id, self._draft_version = draft.id, draft.version
        self.title.set_value(draft.title)
        self.summary.set_value(draft.summary)
        self.caller.set_value(draft.caller)
        self._call_at_text = draft.call_at
        try:
            moment = datetime.fromisoformat(draft.call_at)
            self.call_at.blockSignals(True)
            self.call_at.setDateTime(QDateTime.fromSecsSinceEpoch(int(moment.timestamp())))
            self.call_at.blockSignals(False)
        except (ValueError, OverflowError):
            pass
        self.goals.clear()
        for goal in draft.learning_goals:
            self.goals.add_row([goal.nl, goal.en])
        self.questions.set_questions(draft.key_questions)
        self.script.questions = [(q.id, q.text.nl) for q in draft.key_questions]
        self.script.set_lines(draft.script)
        for fid, editor in self.answer_editors.items():
            value = draft.answers.get(fid)
            if isinstance(editor, QLineEdit):
                editor.setText(", ".join(value) if isinstance(value, list) else (value or ""))
            else:
                editor.set_value(value)
        self._extra_answers = {
            fid: value for fid, value in draft.answers.items() if fid not in self.answer_editors
        }
        self.urgency.setCurrentIndex(max(0, self.urgency.findData(draft.urgency)))
        self._orders = {
            "acceptable_urgency": list(draft.acceptable_urgency),
            "acceptable_interventions": list(draft.acceptable_interventions),
            "flags": list(draft.flags),
        }
        self.acceptable_urgency.set_values(draft.acceptable_urgency)
        self.intervention.setCurrentIndex(max(0, self.intervention.findData(draft.intervention)))
        self.acceptable_interventions.set_values(draft.acceptable_interventions)
        self.minutes.setValue(draft.decision_minutes)
        self.flags.set_values(draft.flags)
        self._extra_flags = [code for code in draft.flags if code not in rule_codes()]
        self.flags_reason.set_value(draft.flags_reason)
        self.debrief.clear()
        for note in draft.debrief:
            self.debrief.add_row([note.nl, note.en])
        self._show_proposal(draft)

    # -- reading ---------------------------------------------------------------------------

    def draft(self) -> ScenarioDraft:
        """What the form shows now; typing problems go to :attr:`form_problems`."""
        self.form_problems = []
        answers: dict[str, Any] = dict(getattr(self, "_extra_answers", {}))
        now = datetime.now(self.zone)
        for fid, editor in self.answer_editors.items():
            if isinstance(editor, QLineEdit):
                words = [word.strip() for word in editor.text().split(",") if word.strip()]
                if words:
                    answers[fid] = words
                continue
            value, message = editor.parsed(now)
            if message:
                self.form_problems.append(
                    _("Feit '{label}': {message}").format(
                        label=pick(self.form.field(fid).label), message=message
                    )
                )
            elif value is not None:
                answers[fid] = value
        moment = self.call_at.dateTime().toSecsSinceEpoch()
        call_at = datetime.fromtimestamp(moment, self.zone).isoformat()
        if getattr(self, "_call_at_text", "") and _same_moment(self._call_at_text, call_at):
            call_at = self._call_at_text  # keep the file's own spelling of the same moment
        draft = ScenarioDraft(
            id=getattr(self, "_draft_id", ""),
            version=getattr(self, "_draft_version", 1),
            title=self.title.value(),
            summary=self.summary.value(),
            caller=self.caller.value(),
            call_at=call_at,
            learning_goals=[
                Bilingual(*self.goals.texts(r)) for r in range(self.goals.table.rowCount())
            ],
            answers=answers,
            urgency=self.urgency.currentData() or "",
            acceptable_urgency=self._ordered("acceptable_urgency", self.acceptable_urgency),
            intervention=self.intervention.currentData() or "",
            acceptable_interventions=self._ordered(
                "acceptable_interventions", self.acceptable_interventions
            ),
            flags=_in_order(
                [*self.flags.values(), *getattr(self, "_extra_flags", [])],
                getattr(self, "_orders", {}).get("flags", []),
            ),
            flags_reason=self.flags_reason.value(),
            decision_minutes=self.minutes.value(),
            debrief=[
                Bilingual(*self.debrief.texts(r)) for r in range(self.debrief.table.rowCount())
            ],
        )
        draft.key_questions = self.questions.questions(draft)
        lines = self.script.lines()
        for line in lines:
            if not line.id:
                line.id = next_line_id(ScenarioDraft(script=[x for x in lines if x.id]))
        draft.script = lines
        return draft

    def _ordered(self, name: str, widget: MultiChoiceList) -> list[str]:
        return _in_order(widget.values(), getattr(self, "_orders", {}).get(name, []))

    # -- keeping the two views one -----------------------------------------------------------

    def _form_edited(self) -> None:
        if not self._loading:
            self.form_dirty = True
            self.changed.emit()

    def _facts_edited(self) -> None:
        self._form_edited()
        if self._loading:
            return
        draft = self.draft()
        followed = draft.flags == getattr(self, "_proposal", None)
        self._show_proposal(draft)
        if followed and not draft.flags_reason.nl.strip() and draft.flags != self._proposal:
            # the signals followed the rules' proposal: they go on following it
            self._orders["flags"] = list(self._proposal)
            self.flags.blockSignals(True)
            self.flags.set_values(self._proposal)
            self.flags.blockSignals(False)

    def _questions_changed(self) -> None:
        if self._loading:
            return
        self.script.set_questions(
            [(q.id, q.text.nl) for q in self.questions.questions(ScenarioDraft())]
        )

    def _yaml_edited(self) -> None:
        if not self._loading:
            self.yaml_dirty = True
            self.changed.emit()

    def sync(self) -> list[str]:
        """Write the edited view into the data and refresh the other one. Returns Dutch
        problems when that cannot be done without losing something (nothing changes)."""
        if self.form_dirty and self.yaml_dirty:
            return [
                _(
                    "Zowel het formulier als de YAML is gewijzigd. Kies één: maak de "
                    "wijziging in het formulier of in de YAML ongedaan."
                )
            ]
        if self.yaml_dirty:
            try:
                data = read_yaml(self.yaml.toPlainText(), _("YAML"))
            except ScenarioError as error:
                return error.problems
            if not isinstance(data, dict):
                return [_("Een casus moet een YAML-mapping zijn.")]
            self.data = data
            self.yaml_dirty = False
            self._fill_form()
            self.form_dirty = False
            return []
        if self.form_dirty:
            draft = self.draft()
            if self.form_problems:
                return list(self.form_problems)
            self.data = apply_draft(self.data, draft, self.form)
            self._set_yaml(dump_yaml(self.data))
            self.gaps = form_gaps(self.data, "")
            self.gaps_label.setText("\n".join(self.gaps))
            self.form_dirty = False
        return []

    def _view_changed(self, index: int) -> None:
        if index == self._current_view:
            return
        problems = self.sync()
        if problems:
            self.views.blockSignals(True)
            self.views.setCurrentIndex(self._current_view)
            self.views.blockSignals(False)
            self.sync_problems.emit(problems)
            return
        self._current_view = index

    sync_problems = Signal(list)

    # -- legal flags -----------------------------------------------------------------------

    def _show_proposal(self, draft: ScenarioDraft) -> None:
        proposal = proposed_flags(draft, self.form)
        self._proposal = proposal
        titles = _flag_titles()
        if proposal:
            text = _("Voorstel van de regels voor deze feiten: {flags}.").format(
                flags="; ".join(titles.get(code, code) for code in proposal)
            )
        else:
            text = _(
                "De regels geven (nog) geen signalen: kies eerst het soort zorg bij de feiten."
            )
        self.proposal.setText(text)

    def take_proposal(self) -> None:
        self._show_proposal(self.draft())
        self._orders["flags"] = list(self._proposal)
        self.flags.set_values(self._proposal)
        self._extra_flags = []
        self.flags_reason.set_value(Bilingual())
        self._form_edited()


def _in_order(chosen: list[str], before: list[str]) -> list[str]:
    """Chosen values in the order they had (new ones after them, in the list's order)."""
    rank = {value: index for index, value in enumerate(before)}
    return sorted(chosen, key=lambda value: rank.get(value, len(rank)))


def _same_moment(first: str, second: str) -> bool:
    try:
        return datetime.fromisoformat(first) == datetime.fromisoformat(second)
    except ValueError:
        return False
