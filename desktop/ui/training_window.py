"""The training panel (training mode only): the trainee's exercise and the trainer's tools.

Tabs: **Oefenen** (choose a scenario, take the call in the normal intake view with the
caller's script beside it, finish, see the score and debrief, save the debrief PDF),
and for trainers **Casussen** (edit scenarios in a form over their YAML, validated by
the strict loader; import and export packs) and **Groepsresultaten** (a group session's
results per trainee; import/export results files).

The widgets only call Qt-free logic: :mod:`desktop.training` (scenarios, scoring,
debrief, packs, results) and the :class:`~desktop.session.desk.DeskSession`. The exercise runs
on a session whose clock starts at the scenario's call moment, so ages and legal flags
are those of the scenario. Entry point for the main window:
:func:`open_training_panel` (adds the panel as a tab) or :class:`TrainingPanel`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta
from html import escape
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from desktop import timefmt
from desktop.forms import FormDefinition, load_form
from desktop.forms.workflow import TransitionError
from desktop.i18n import _, language, pick
from desktop.session.desk import DeskSession
from desktop.store import StoreError
from desktop.training.authoring import blank_data, copy_data, friendly_problem, new_id
from desktop.training.debrief import debrief_sections, format_number, render_debrief
from desktop.training.exercises import ExerciseBook, ExerciseState, exercise_case_ids
from desktop.training.group_report import (
    GroupOverview,
    group_overview,
    overview_csv,
    render_overview,
    scenario_choices,
)
from desktop.training.group_report import cells as overview_cells
from desktop.training.group_report import header as overview_header
from desktop.training.packs import (
    ImportStep,
    PackError,
    ScenarioLibrary,
    export_pack,
    origin_label,
    plan_import,
    read_pack_file,
)
from desktop.training.results import (
    ResultBook,
    ResultsFileError,
    TrainingResult,
    new_result,
)
from desktop.training.scenario import (
    Scenario,
    ScenarioError,
    ScriptLine,
    scenario_from_data,
)
from desktop.training.scoring import Score, score_attempt
from desktop.ui.scenario_editor import ScenarioForm

TRAINER_ROLES = frozenset({"trainer", "coordinator"})
AUTOSAVE_MS = 5_000


def library_for(session: Any) -> ScenarioLibrary:
    """The trainer's scenario folder beside the training database."""
    return ScenarioLibrary(Path(session.store.path).parent / "scenarios")


def _now_local() -> datetime:
    return datetime.now().astimezone()


class ScenarioClock:
    """The exercise's "now": the scenario's call moment plus the exercise time so far.

    Exercise time is the time the exercise was open and unlocked: ``elapsed`` carries
    the time before a crash or a lock, :meth:`pause` stops it (lock) and :meth:`resume`
    goes on (unlock)."""

    def __init__(
        self,
        start: datetime,
        monotonic: Callable[[], float] = time.monotonic,
        elapsed: float = 0.0,
    ) -> None:
        self.start = start
        self._monotonic = monotonic
        self._before = elapsed
        self._origin = monotonic()
        self.paused = False

    def elapsed(self) -> float:
        if self.paused:
            return self._before
        return self._before + self._monotonic() - self._origin

    def pause(self) -> None:
        if not self.paused:
            self._before = self.elapsed()
            self.paused = True

    def resume(self) -> None:
        if self.paused:
            self._origin = self._monotonic()
            self.paused = False

    def __call__(self) -> datetime:
        return (self.start + timedelta(seconds=self.elapsed())).replace(microsecond=0)


# --------------------------------------------------------------------------- trainee


class CallerScriptPanel(QWidget):
    """The caller's script beside the intake: lines appear as sections are reached and
    key questions are ticked; the trainee's decision and the finish button."""

    finished = Signal()
    changed = Signal()  # a section reached, a question ticked, a decision chosen

    def __init__(self, scenario: Scenario, form: FormDefinition, clock: ScenarioClock) -> None:
        super().__init__()
        self.setObjectName("caller_script_panel")
        self.scenario = scenario
        self.clock = clock
        self.sections_reached: set[str] = set()
        self.asked: dict[str, float] = {}
        caller = QLabel(_("Melder: {caller}").format(caller=pick(scenario.caller)))
        caller.setWordWrap(True)
        caller.setStyleSheet("font-weight: bold;")
        self.lines = QListWidget()
        self.lines.setObjectName("caller_script")
        self.lines.setAccessibleName(_("Wat de melder zegt"))
        self.lines.setWordWrap(True)
        questions = QGroupBox(_("Kernvragen (vink aan wanneer je ze stelt)"))
        question_layout = QVBoxLayout(questions)
        self.question_boxes: dict[str, QCheckBox] = {}
        for number, question in enumerate(scenario.key_questions, start=1):
            text = pick(question.text).replace("&", "&&")
            box = QCheckBox(f"{text} (Ctrl+{number})" if number <= 9 else text)
            if number <= 9:  # ticked by keyboard from anywhere in the exercise
                QShortcut(
                    QKeySequence(f"Ctrl+{number}"),
                    self,
                    box.toggle,
                    context=Qt.ShortcutContext.WindowShortcut,
                )
            box.setObjectName(f"key_question:{question.id}")
            box.toggled.connect(lambda on, qid=question.id: self._asked(qid, on))
            question_layout.addWidget(box)
            self.question_boxes[question.id] = box
        decision = QGroupBox(_("Jouw besluit"))
        decision_form = QFormLayout(decision)
        self.urgency = QComboBox()
        self.urgency.setObjectName("trainee_urgency")
        self.urgency.setAccessibleName(_("Urgentie"))
        self.urgency.addItem(_("(kies)"), None)
        for level in form.urgency:
            self.urgency.addItem(f"{level.code} {pick(level.label)}", level.code)
        self.intervention = QComboBox()
        self.intervention.setObjectName("trainee_intervention")
        self.intervention.setAccessibleName(_("Besluit / interventie"))
        self.intervention.addItem(_("(kies)"), None)
        for option in form.field("triage.intervention").options:
            self.intervention.addItem(pick(option.label), option.value)
        decision_form.addRow(_("&Urgentie"), self.urgency)
        decision_form.addRow(_("&Interventie"), self.intervention)
        self.urgency.currentIndexChanged.connect(lambda _i: self.changed.emit())
        self.intervention.currentIndexChanged.connect(lambda _i: self.changed.emit())
        self.finish_button = QPushButton(_("Afron&den en scoren"))
        self.finish_button.setObjectName("finish_button")
        self.finish_button.clicked.connect(self.finished)
        layout = QVBoxLayout(self)
        layout.addWidget(caller)
        layout.addWidget(self.lines, 1)
        layout.addWidget(questions)
        layout.addWidget(decision)
        layout.addWidget(self.finish_button)
        self.refresh()
        if any(line.after is not None for line in scenario.script):
            self._timed = QTimer(self)  # the caller goes on talking by the clock
            self._timed.setInterval(1000)
            self._timed.timeout.connect(self.refresh)
            self._timed.start()

    def reach_section(self, section_id: str) -> None:
        if section_id not in self.sections_reached:
            self.sections_reached.add(section_id)
            self.refresh()
            self.changed.emit()

    def _asked(self, question_id: str, on: bool) -> None:
        if on:
            self.asked.setdefault(question_id, round(self.clock.elapsed(), 1))
        else:
            self.asked.pop(question_id, None)
        self.refresh()
        self.changed.emit()

    def restore(
        self,
        sections: list[str],
        asked: dict[str, float],
        urgency: str | None,
        intervention: str | None,
    ) -> None:
        """Show a resumed exercise as it was (no ``changed`` signals)."""
        self.blockSignals(True)
        try:
            self.sections_reached.update(sections)
            for question_id, box in self.question_boxes.items():
                box.blockSignals(True)
                box.setChecked(question_id in asked)
                box.blockSignals(False)
            boxes = self.question_boxes
            self.asked = {qid: seconds for qid, seconds in asked.items() if qid in boxes}
            for combo, value in ((self.urgency, urgency), (self.intervention, intervention)):
                combo.setCurrentIndex(max(0, combo.findData(value)) if value else 0)
        finally:
            self.blockSignals(False)
        self.refresh()

    def revealed(self) -> list[ScriptLine]:
        return self.scenario.revealed(self.sections_reached, self.asked, self.clock.elapsed())

    def refresh(self) -> None:
        shown = self.revealed()
        if [
            self.lines.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.lines.count())
        ] == [line.id for line in shown]:
            return
        self.lines.clear()
        for line in shown:
            item = QListWidgetItem(f"{pick(line.speaker)}: {pick(line.text)}")
            item.setData(Qt.ItemDataRole.UserRole, line.id)
            self.lines.addItem(item)
        self.lines.scrollToBottom()

    def decision(self) -> tuple[str | None, str | None]:
        return self.urgency.currentData(), self.intervention.currentData()


class DebriefView(QWidget):
    """The score and debrief of a finished exercise, with "save PDF"."""

    again = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("debrief")
        self.scenario: Scenario | None = None
        self.score: Score | None = None
        self.trainee = ""
        self.group = ""
        self.printer = ""  # who is at the keyboard when the PDF is saved
        self.headline = QLabel()
        self.headline.setObjectName("score_headline")
        self.headline.setStyleSheet("font-size: 16pt; font-weight: bold;")
        self.browser = QTextBrowser()
        self.browser.setObjectName("debrief_view")
        self.browser.setAccessibleName(_("Nabespreking"))
        self.pdf_button = QPushButton(_("Nabespreking als &PDF opslaan…"))
        self.pdf_button.setObjectName("save_pdf_button")
        self.pdf_button.clicked.connect(self._ask_pdf_path)
        self.again_button = QPushButton(_("&Nieuwe oefening"))
        self.again_button.setObjectName("again_button")
        self.again_button.clicked.connect(self.again)
        buttons = QHBoxLayout()
        buttons.addWidget(self.pdf_button)
        buttons.addWidget(self.again_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.headline)
        layout.addWidget(self.browser, 1)
        layout.addLayout(buttons)

    def show_score(self, scenario: Scenario, score: Score, trainee: str, group: str) -> None:
        self.scenario, self.score, self.trainee, self.group = scenario, score, trainee, group
        self.headline.setText(
            _("Score: {points} van 100 — {title}").format(
                points=format_number(score.total, language()), title=pick(scenario.title)
            )
        )
        parts = []
        for section in debrief_sections(scenario, score, lang=language()):
            rows = "".join(
                f"<tr><th align=left valign=top>{escape(row.label)}</th>"
                f"<td>{escape(row.value)}"
                + (f"<br/><small>{escape(row.note)}</small>" if row.note else "")
                + "</td></tr>"
                for row in section.rows
            )
            parts.append(f"<h3>{escape(section.title)}</h3><table cellpadding=3>{rows}</table>")
        self.browser.setHtml("".join(parts))

    def save_pdf(self, path: Path) -> None:
        assert self.scenario is not None and self.score is not None
        pdf = render_debrief(
            self.scenario,
            self.score,
            trainee=self.trainee,
            printed_at=_now_local(),
            lang=language(),
            group=self.group or None,
            printed_by=self.printer,
        )
        path.write_bytes(pdf)

    def _ask_pdf_path(self) -> None:
        if self.scenario is None:
            return
        name, _filter = QFileDialog.getSaveFileName(
            self,
            _("Nabespreking opslaan"),
            f"nabespreking-{self.scenario.id}.pdf",
            _("PDF-bestanden (*.pdf)"),
        )
        if name:
            try:
                self.save_pdf(Path(name))
            except OSError as error:
                QMessageBox.warning(self, _("Opslaan mislukt"), str(error.strerror or error))


class TraineePage(QWidget):
    """Choose a scenario, take the call, finish, see the debrief."""

    scored = Signal(object)  # TrainingResult

    def __init__(self, session: DeskSession, library: ScenarioLibrary) -> None:
        super().__init__()
        self.setObjectName("trainee_page")
        self.session = session
        self.library = library
        self.exercise: DeskSession | None = None
        self.intake: QWidget | None = None
        self.script: CallerScriptPanel | None = None
        self.scenario: Scenario | None = None
        self.case_id: str | None = None
        self.started_at: datetime | None = None
        self.state: ExerciseState | None = None
        self.clock: ScenarioClock | None = None
        self.book = ExerciseBook(session.store)
        self.autosave = QTimer(self)  # exercise time and position, also without edits
        self.autosave.setInterval(AUTOSAVE_MS)
        self.autosave.timeout.connect(self.save_state)
        self.stack = QStackedWidget()

        chooser = QWidget()
        chooser.setObjectName("scenario_chooser")
        self.choice = QComboBox()
        self.choice.setObjectName("scenario_choice")
        self.choice.setAccessibleName(_("Casus"))
        self.choice.currentIndexChanged.connect(self._describe)
        self.trainee_name = QLineEdit(session.profile.display_name)
        self.trainee_name.setObjectName("trainee_name")
        self.trainee_name.setAccessibleName(_("Naam deelnemer"))
        self.group_name = QLineEdit(
            _("Oefening {date}").format(date=timefmt.format_moment(_now_local(), style="date"))
        )
        self.group_name.setObjectName("group_name")
        self.group_name.setAccessibleName(_("Groepssessie"))
        self.description = QLabel()
        self.description.setObjectName("scenario_description")
        self.description.setWordWrap(True)
        self.description.setTextFormat(Qt.TextFormat.RichText)
        self.start_button = QPushButton(_("&Start oefening"))
        self.start_button.setObjectName("start_button")
        self.start_button.clicked.connect(self.start)
        form = QFormLayout()
        form.addRow(_("&Kies casus"), self.choice)
        form.addRow(_("&Naam deelnemer"), self.trainee_name)
        form.addRow(_("&Groepssessie"), self.group_name)
        self.interrupted = QGroupBox(_("Onderbroken oefeningen"))
        self.interrupted.setObjectName("interrupted_exercises")
        self.resume_list = QListWidget()
        self.resume_list.setObjectName("resume_list")
        self.resume_list.setAccessibleName(_("Onderbroken oefeningen"))
        self.resume_list.itemActivated.connect(lambda _item: self.resume_chosen())
        self.resume_button = QPushButton(_("&Hervatten"))
        self.resume_button.setObjectName("resume_button")
        self.resume_button.clicked.connect(self.resume_chosen)
        interrupted_layout = QVBoxLayout(self.interrupted)
        interrupted_layout.addWidget(self.resume_list)
        interrupted_layout.addWidget(self.resume_button)
        chooser_layout = QVBoxLayout(chooser)
        chooser_layout.addWidget(self.interrupted)
        chooser_layout.addLayout(form)
        chooser_layout.addWidget(self.description, 1)
        chooser_layout.addWidget(self.start_button)
        self.stack.addWidget(chooser)

        self.exercise_page = QSplitter()
        self.exercise_page.setObjectName("exercise_page")
        self.stack.addWidget(self.exercise_page)
        self.debrief = DebriefView()
        self.debrief.printer = session.profile.display_name
        self.debrief.again.connect(self.back_to_chooser)
        self.stack.addWidget(self.debrief)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)
        self.reload()

    def reload(self) -> None:
        self.refresh_interrupted()
        current = self.choice.currentData()
        self.choice.blockSignals(True)
        self.choice.clear()
        for scenario in self.library.scenarios():
            self.choice.addItem(pick(scenario.title), scenario.id)
        self.choice.blockSignals(False)
        index = self.choice.findData(current)
        self.choice.setCurrentIndex(max(index, 0))
        self._describe()

    def _describe(self) -> None:
        scenario_id = self.choice.currentData()
        if scenario_id is None:
            self.description.setText("")
            return
        scenario = self.library.get(scenario_id)
        goals = "".join(f"<li>{escape(pick(goal))}</li>" for goal in scenario.learning_goals)
        self.description.setText(
            f"<p>{escape(pick(scenario.summary))}</p><p><b>{escape(_('Leerdoelen'))}</b></p>"
            f"<ul>{goals}</ul>"
        )

    def select(self, scenario_id: str) -> None:
        self.choice.setCurrentIndex(self.choice.findData(scenario_id))

    def refresh_interrupted(self) -> None:
        """List the exercises a crash or a close left unfinished (resumable)."""
        self.resume_list.clear()
        for state in self.book.running():
            if state.case_id == self.case_id:
                continue  # the one on screen
            minutes, seconds = divmod(int(state.elapsed), 60)
            item = QListWidgetItem(
                _("{title} — {trainee}, {group}; {mm}:{ss:02d} min geoefend").format(
                    title=state.scenario_title,
                    trainee=state.trainee,
                    group=state.group,
                    mm=minutes,
                    ss=seconds,
                )
            )
            item.setData(Qt.ItemDataRole.UserRole, state.case_id)
            self.resume_list.addItem(item)
        if self.resume_list.count():
            self.resume_list.setCurrentRow(0)
        self.interrupted.setVisible(self.resume_list.count() > 0)

    def offer_resume(self) -> None:
        """Back to the chooser with the interrupted exercises on top (after a crash)."""
        if self.script is None:
            self.stack.setCurrentIndex(0)
        self.refresh_interrupted()
        if self.resume_list.count() and self.script is None:
            self.resume_button.setFocus()

    def user_changed(self) -> None:
        """Another user took over the desk (*wissel gebruiker*): the exercise in progress
        goes on as them (its intake view follows by itself)."""
        if self.exercise is not None:
            self.exercise.profile = self.session.profile

    def start(self) -> None:
        """A new exercise on the chosen scenario."""
        scenario_id = self.choice.currentData()
        if scenario_id is None:
            return
        scenario = self.library.get(scenario_id)
        self.flush()
        exercise = DeskSession(
            self.session.store, self.session.profile, clock=ScenarioClock(scenario.call_moment)
        )
        case_id = exercise.new_case().id
        state = ExerciseState(
            case_id=case_id,
            scenario_id=scenario.id,
            scenario_version=scenario.version,
            scenario_title=pick(scenario.title),
            trainee=self.trainee_name.text().strip() or self.session.profile.display_name,
            group=self.group_name.text().strip() or _("Zonder groep"),
            started_at=_now_local(),
        )
        self.book.save(state)
        self._open(state, scenario)

    def resume_chosen(self) -> bool:
        item = self.resume_list.currentItem()
        return item is not None and self.resume(item.data(Qt.ItemDataRole.UserRole))

    def resume(self, case_id: str) -> bool:
        """Go on with an interrupted exercise: its exercise time, the script as far as it
        was revealed, the questions ticked, the decision chosen and the intake answers."""
        state = self.book.get(case_id)
        if state is None or state.status != "running":
            return False
        try:
            scenario = self.library.get(state.scenario_id)
        except KeyError:
            QMessageBox.warning(
                self,
                _("Casus niet gevonden"),
                _("De casus '{id}' van deze oefening bestaat niet meer.").format(
                    id=state.scenario_id
                ),
            )
            return False
        self.flush()
        self.trainee_name.setText(state.trainee)
        self.group_name.setText(state.group)
        self._open(state, scenario)
        return True

    def _open(self, state: ExerciseState, scenario: Scenario) -> None:
        from desktop.ui.intake_view import IntakeView

        self._clear_exercise()
        self.state = state
        self.scenario = scenario
        form = load_form(scenario.form.id, scenario.form.version)
        self.clock = clock = ScenarioClock(scenario.call_moment, elapsed=state.elapsed)
        self.exercise = DeskSession(self.session.store, self.session.profile, clock=clock)
        self.case_id = state.case_id
        self.started_at = state.started_at
        self.intake = IntakeView(self.exercise, self.case_id)
        self.script = CallerScriptPanel(scenario, form, clock)
        self.script.restore(state.sections, state.asked, state.urgency, state.intervention)
        self.script.finished.connect(self.finish)
        self.script.changed.connect(self.save_state)
        pages = getattr(self.intake, "pages", None)
        sections = [section.id for section in form.sections]
        if pages is not None:
            pages.currentChanged.connect(
                lambda index: (
                    self.script.reach_section(sections[index])
                    if self.script and 0 <= index < len(sections)
                    else None
                )
            )
            self.script.reach_section(sections[max(pages.currentIndex(), 0)])
            pages.currentChanged.connect(lambda _index: self.save_state())
            if state.current_section in sections:  # back where the trainee was
                self.intake.go_to_section(sections.index(state.current_section))
        self.exercise_page.addWidget(self.intake)
        self.exercise_page.addWidget(self.script)
        self.exercise_page.setSizes([800, 380])
        self.stack.setCurrentWidget(self.exercise_page)
        if pages is not None:  # the cursor in the first open field, ready to type
            self.intake.go_to_section(max(pages.currentIndex(), 0))
        self.save_state()
        self.autosave.start()
        self.refresh_interrupted()

    def save_state(self) -> None:
        """Commit the exercise's time and position (called on every change, every few
        seconds, and on lock and close)."""
        if self.state is None or self.script is None or self.clock is None:
            return
        if self.session.store.locked:
            return
        urgency, intervention = self.script.decision()
        self.state = self.state.model_copy(
            update={
                "elapsed": round(self.clock.elapsed(), 1),
                "sections": sorted(self.script.sections_reached),
                "current_section": self._current_section(),
                "asked": dict(self.script.asked),
                "urgency": urgency,
                "intervention": intervention,
            }
        )
        self.book.save(self.state)

    def _current_section(self) -> str | None:
        pages = getattr(self.intake, "pages", None)
        form = getattr(self.intake, "form", None)
        if pages is None or form is None or not 0 <= pages.currentIndex() < len(form.sections):
            return None
        return form.sections[pages.currentIndex()].id

    def pause(self) -> None:
        """The window locks: save, and stop the exercise time."""
        self.flush()
        if self.clock is not None:
            self.clock.pause()

    def go_on(self) -> None:
        """The window is unlocked: the exercise time runs again."""
        if self.clock is not None:
            self.clock.resume()

    def _clear_exercise(self) -> None:
        for widget in (self.intake, self.script):
            if widget is not None:
                widget.setParent(None)
                widget.deleteLater()
        self.intake = self.script = None

    def flush(self) -> None:
        flush = getattr(self.intake, "flush", None)
        if callable(flush):
            flush()
        self.save_state()

    def finish(self) -> TrainingResult | None:
        """Score the exercise, store the result, show the debrief."""
        if self.script is None or self.exercise is None or self.scenario is None:
            return None
        assert self.case_id is not None and self.started_at is not None
        assert self.clock is not None and self.state is not None
        self.flush()
        decided_at = _now_local()
        exercise_time = timedelta(seconds=self.clock.elapsed())
        urgency, intervention = self.script.decision()
        changes = {
            fid: value
            for fid, value in (("triage.urgency", urgency), ("triage.intervention", intervention))
            if value is not None
        }
        try:
            if changes:
                self.exercise.save_answers(self.case_id, changes)
        except (TransitionError, StoreError):
            pass  # a decided exercise case keeps its own decision; score what is stored
        case = self.exercise.get_case(self.case_id)
        answers = dict(case.answers)
        answers.update(changes)
        score = score_attempt(
            self.scenario,
            answers,
            asked=self.script.asked,
            started_at=decided_at - exercise_time,  # time to decision is exercise time
            decided_at=decided_at,
        )
        trainee, group = self.state.trainee, self.state.group
        result = new_result(
            group=group,
            trainee=trainee,
            scenario_title=pick(self.scenario.title),
            score=score,
            started_at=self.started_at,
            finished_at=decided_at,
            case_id=self.case_id,
        )
        ResultBook(self.session.store).add(result)
        self.book.finish(self.state)
        self.autosave.stop()
        self.state = None
        self._clear_exercise()
        self.debrief.show_score(self.scenario, score, trainee, group)
        self.stack.setCurrentWidget(self.debrief)
        self.scored.emit(result)
        return result

    def back_to_chooser(self) -> None:
        self.refresh_interrupted()
        self.stack.setCurrentIndex(0)


# --------------------------------------------------------------------------- trainer


class ScenarioEditorPage(QWidget):
    """The trainer's scenarios: a list (with where each comes from) and the editor — a
    form over the scenario with the YAML as the advanced view
    (:class:`~desktop.ui.scenario_editor.ScenarioForm`). "Controleren" runs the strict
    loader and lists its Dutch problems; nothing the trainer typed is ever replaced
    without a word."""

    saved = Signal()

    def __init__(self, library: ScenarioLibrary) -> None:
        super().__init__()
        self.setObjectName("scenario_editor")
        self.library = library
        self.form = load_form("intake", "1")
        self.origin_id: str | None = None  # the stored scenario being edited (None: new)
        self.auto_id: str | None = None  # an id made by "new", replaced by one from the title
        self.scenarios: list[Scenario] = []
        self.preview: ImportPreview | None = None
        self.list = QListWidget()
        self.list.setObjectName("scenario_list")
        self.list.setAccessibleName(_("Casussen"))
        self.list.setSelectionMode(QListWidget.SelectionMode.ExtendedSelection)
        # long titles wrap instead of running off a narrow list
        self.list.setWordWrap(True)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.list.currentRowChanged.connect(self._load_current)
        list_label = QLabel(_("&Alle casussen"))
        list_label.setBuddy(self.list)
        self.editor = ScenarioForm(self.form)
        self.editor.sync_problems.connect(self._show_problems)
        self.problems = QListWidget()
        self.problems.setObjectName("scenario_problems")
        self.problems.setAccessibleName(_("Problemen in de casus"))
        self.problems.setMaximumHeight(90)
        self.status = QLabel()
        self.status.setObjectName("editor_status")
        self.status.setWordWrap(True)
        left_buttons = QVBoxLayout()
        right_buttons = QHBoxLayout()
        for text, name, slot, where in (
            (_("&Nieuwe casus"), "new_scenario_button", self.new_scenario, left_buttons),
            (_("Kopie als nieu&we casus"), "copy_scenario_button", self.copy, left_buttons),
            (_("Verwijder eigen casus"), "delete_scenario_button", self.delete, left_buttons),
            (_("Im&porteer pakket…"), "import_pack_button", self._ask_import, left_buttons),
            (_("E&xporteer selectie…"), "export_pack_button", self._ask_export, left_buttons),
            (_("Contro&leren"), "validate_button", self.validate, right_buttons),
            (_("Op&slaan"), "save_scenario_button", self.save, right_buttons),
        ):
            button = QPushButton(text)
            button.setObjectName(name)
            button.clicked.connect(slot)
            where.addWidget(button)
        right_buttons.addStretch(1)
        left = QVBoxLayout()
        left.addWidget(list_label)
        left.addWidget(self.list, 1)
        left.addLayout(left_buttons)
        right = QVBoxLayout()
        right.addWidget(self.editor, 1)
        problems_label = QLabel(_("Problemen"))
        problems_label.setBuddy(self.problems)
        # shown only when there are problems: the form gets the height otherwise
        model = self.problems.model()
        for signal in (model.rowsInserted, model.rowsRemoved, model.modelReset):
            signal.connect(self._problems_shown)  # a method: gone with the page
        self._problems_label = problems_label
        right.addWidget(problems_label)
        right.addWidget(self.problems)
        right.addWidget(self.status)
        right.addLayout(right_buttons)
        body = QHBoxLayout(self)
        body.addLayout(left, 1)
        body.addLayout(right, 4)
        self._problems_shown()
        self.reload()

    def _problems_shown(self, *_changed: object) -> None:
        shown = self.problems.count() > 0
        self._problems_label.setVisible(shown)
        self.problems.setVisible(shown)

    # -- the list --------------------------------------------------------------------------

    def reload(self, select: str | None = None) -> None:
        self.scenarios = self.library.scenarios()
        self.list.blockSignals(True)
        self.list.clear()
        for scenario in self.scenarios:
            item = QListWidgetItem(
                f"{pick(scenario.title)} ({origin_label(self.library.origin(scenario.id))}, "
                + _("versie {version}").format(version=scenario.version)
                + ")"
            )
            item.setData(Qt.ItemDataRole.UserRole, scenario.id)
            item.setToolTip(item.text())
            self.list.addItem(item)
        ids = [s.id for s in self.scenarios]
        if self.dirty and select is None:
            # unsaved edits stay in the editor; only the list is refreshed
            row = ids.index(self.origin_id) if self.origin_id in ids else -1
            self.list.setCurrentRow(row)
            self.list.blockSignals(False)
            return
        row = ids.index(select) if select in ids else 0
        self.list.setCurrentRow(row)
        self.list.blockSignals(False)
        self._show(row)

    def _load_current(self, row: int) -> None:
        if row == self._shown_row():
            return
        if not self._may_leave():
            self.list.blockSignals(True)
            self.list.setCurrentRow(self._shown_row())
            self.list.blockSignals(False)
            return
        self._show(row)

    def _shown_row(self) -> int:
        ids = [s.id for s in self.scenarios]
        return ids.index(self.origin_id) if self.origin_id in ids else -1

    def _show(self, row: int) -> None:
        if 0 <= row < len(self.scenarios):
            self.show_scenario(self.scenarios[row])

    def show_scenario(self, scenario: Scenario) -> None:
        self.origin_id = scenario.id
        self.auto_id = None
        self._load(scenario.to_data())
        self.status.setText(
            _("{origin}: {title}").format(
                origin=origin_label(self.library.origin(scenario.id)).capitalize(),
                title=pick(scenario.title),
            )
        )

    def _load(self, data: dict[str, Any]) -> None:
        self.problems.clear()
        for problem in self.editor.load(data):
            self.problems.addItem(problem)

    @property
    def dirty(self) -> bool:
        return self.editor.form_dirty or self.editor.yaml_dirty

    def _may_leave(self) -> bool:
        """Unsaved edits are never dropped without the trainer's yes."""
        if not self.dirty:
            return True
        answer = QMessageBox.question(
            self,
            _("Niet opgeslagen"),
            _("De casus heeft wijzigingen die niet zijn opgeslagen. Weggooien?"),
            QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        return answer == QMessageBox.StandardButton.Discard

    def _taken(self) -> set[str]:
        return {s.id for s in self.scenarios}

    # -- new and copy ----------------------------------------------------------------------

    def new_scenario(self) -> None:
        """A new scenario from scratch, in the form."""
        if not self._may_leave():
            return
        data = blank_data(datetime.now(ZoneInfo(self.form.timezone)), self._taken())
        self.origin_id = None
        self.auto_id = data["id"]
        self.list.clearSelection()
        self._load(data)
        self.editor.views.setCurrentIndex(0)
        self.editor.title.nl.setFocus()
        self.editor.title.nl.selectAll()
        self.status.setText(_("Nieuwe casus: vul het formulier in en sla op."))

    def copy(self) -> None:
        """The scenario being edited (with its edits) as a new scenario of one's own."""
        problems = self.editor.sync()
        if problems:
            self._show_problems(problems)
            return
        data = copy_data(self.editor.data, self._taken())
        self.origin_id = None
        self.auto_id = None
        self._load(data)
        self.status.setText(_("Kopie '{id}': pas aan en sla op.").format(id=data.get("id", "")))

    # -- check and save --------------------------------------------------------------------

    def _show_problems(self, problems: list[str]) -> None:
        self.problems.clear()
        for problem in problems:
            self.problems.addItem(friendly_problem(problem, self.form))
        self.status.setText(
            _("{n} probleem/problemen: de casus is niet opgeslagen.").format(n=len(problems))
        )

    def validate(self) -> Scenario | None:
        """Check the scenario as the active view shows it; list problems. The views are
        made one first — neither overwrites the other."""
        self.problems.clear()
        problems = self.editor.sync()
        if problems:
            self._show_problems(problems)
            return None
        data = self.editor.data
        try:
            scenario = scenario_from_data(data, str(data.get("id", "")))
        except ScenarioError as error:
            self._show_problems(error.problems)
            return None
        self.status.setText(_("De casus is in orde."))
        return scenario

    def save(self) -> bool:
        """Save as the trainer's own scenario: a new one gets an id from its title, a
        changed one the next version; a built-in one is never overwritten."""
        scenario = self.validate()
        if scenario is None:
            return False
        if self.origin_id is not None and self.library.origin(self.origin_id) == "builtin":
            self._show_problems(
                [
                    _(
                        "'{title}' is een meegeleverde casus en wordt niet overschreven. "
                        "Kies 'Kopie als nieuwe casus' en sla de kopie op."
                    ).format(title=pick(scenario.title))
                ]
            )
            return False
        taken = self._taken() - {self.origin_id}
        changes: dict[str, Any] = {}
        if self.origin_id is None and self.auto_id == scenario.id:
            changes["id"] = new_id(scenario.title["nl"], taken)
        if (changes.get("id", scenario.id)) in taken:
            self._show_problems([_("Er is al een casus met code '{id}'.").format(id=scenario.id)])
            return False
        if self.origin_id is not None and scenario.id == self.origin_id:
            stored = self.library.get(self.origin_id)
            if stored == scenario:
                self.status.setText(_("Geen wijzigingen om op te slaan."))
                return True
            if scenario.version <= stored.version:
                changes["version"] = stored.version + 1
        if changes:
            scenario = scenario.model_copy(update=changes)
        self.library.save(scenario, origin="own")
        self.origin_id = scenario.id
        self.auto_id = None
        self.reload(select=scenario.id)
        self.status.setText(
            _("Opgeslagen als eigen casus '{id}', versie {version}.").format(
                id=scenario.id, version=scenario.version
            )
        )
        self.saved.emit()
        return True

    def delete(self) -> None:
        scenario_id = self.origin_id or ""
        if self.library.origin(scenario_id) == "builtin" or not self.library.delete(scenario_id):
            self.status.setText(_("Alleen eigen casussen kunnen worden verwijderd."))
            return
        self.origin_id = None
        self.reload()
        self.status.setText(_("Eigen casus '{id}' verwijderd.").format(id=scenario_id))
        self.saved.emit()

    def import_pack(self, path: Path) -> bool:
        """Read a pack and show what importing it does; updates of scenarios that are
        here already are shown with their diff and wait for the trainer's yes
        (:attr:`preview`), the rest is imported at once."""
        self.problems.clear()
        try:
            steps = plan_import(self.library, read_pack_file(path))
        except PackError as error:
            for problem in error.problems:
                self.problems.addItem(problem)
            self.status.setText(_("Het pakket is niet geïmporteerd."))
            return False
        for step in steps:
            if not step.applies:
                self.problems.addItem(step.message)
        if any(step.kind == "update" for step in steps):
            self.preview = ImportPreview(steps, self)
            self.preview.accepted.connect(lambda: self._apply_import(steps))
            self.preview.rejected.connect(
                lambda: self.status.setText(_("Import afgebroken: er is niets gewijzigd."))
            )
            self.preview.open()
            return True
        self._apply_import(steps)
        return True

    def _apply_import(self, steps: list[ImportStep]) -> None:
        saved = self.library.apply_import(steps)
        self.preview = None
        refused = sum(1 for step in steps if step.kind in ("older", "conflict"))
        self.reload(select=None if self.dirty else (saved[0].id if saved else self.origin_id))
        self.status.setText(
            _("{n} casus(sen) geïmporteerd of bijgewerkt, {refused} geweigerd.").format(
                n=len(saved), refused=refused
            )
        )
        for step in steps:
            if not step.applies:
                self.problems.addItem(step.message)
        if saved:
            self.saved.emit()

    def chosen(self) -> list[Scenario]:
        """The scenarios selected in the list (the one shown when none is selected)."""
        ids = {item.data(Qt.ItemDataRole.UserRole) for item in self.list.selectedItems()}
        if not ids and self.origin_id:
            ids = {self.origin_id}
        return [scenario for scenario in self.scenarios if scenario.id in ids]

    def export_pack(self, path: Path, scenarios: list[Scenario] | None = None) -> int:
        """Export the chosen scenarios, each with its id, version and origin."""
        chosen = self.chosen() if scenarios is None else scenarios
        if not chosen:
            self.status.setText(_("Kies eerst een of meer casussen in de lijst."))
            return 0
        export_pack(chosen, path, self.library.origins())
        self.status.setText(
            _("Pakket met {n} casus(sen) opgeslagen: {name}").format(n=len(chosen), name=path.name)
        )
        return len(chosen)

    def _ask_import(self) -> None:
        name, _filter = QFileDialog.getOpenFileName(
            self, _("Casuspakket importeren"), "", _("Casuspakketten (*.zip *.yaml *.yml)")
        )
        if name:
            self.import_pack(Path(name))

    def _ask_export(self) -> None:
        name, _filter = QFileDialog.getSaveFileName(
            self, _("Casuspakket exporteren"), "casussen.zip", _("Casuspakketten (*.zip *.yaml)")
        )
        if name:
            self.export_pack(Path(name))


class ImportPreview(QDialog):
    """What an import changes: every step in words, and the diff of each update."""

    def __init__(self, steps: list[ImportStep], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("import_preview")
        self.setWindowTitle(_("Casuspakket importeren"))
        text = QPlainTextEdit()
        text.setObjectName("import_diff")
        text.setAccessibleName(_("Wijzigingen door de import"))
        text.setReadOnly(True)
        lines: list[str] = []
        for step in steps:
            lines.append(step.message)
            lines.extend(f"    {line}" for line in step.diff)
        text.setPlainText("\n".join(lines))
        self.text = text
        buttons = QDialogButtonBox()
        ok = buttons.addButton(_("&Importeren"), QDialogButtonBox.ButtonRole.AcceptRole)
        ok.setObjectName("import_confirm")
        cancel = buttons.addButton(_("&Annuleren"), QDialogButtonBox.ButtonRole.RejectRole)
        cancel.setObjectName("import_cancel")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(_("Controleer wat er verandert voordat je importeert.")))
        layout.addWidget(text, 1)
        layout.addWidget(buttons)
        self.resize(800, 600)
        ok.setFocus()


class GroupResultsPage(QWidget):
    """A group session's results per trainee."""

    COLUMNS = 7

    def __init__(
        self, store: Any, library: ScenarioLibrary | None = None, printer: str = ""
    ) -> None:
        super().__init__()
        self.setObjectName("group_results_page")
        self.book = ResultBook(store)
        self.library = library
        self.printer = printer
        self.overview: GroupOverview | None = None
        self.group = QComboBox()
        self.group.setObjectName("group_choice")
        self.group.setAccessibleName(_("Groepssessie"))
        self.group.currentIndexChanged.connect(self.show_group)
        self.table = QTableWidget(0, self.COLUMNS)
        self.table.setObjectName("group_results")
        self.table.setAccessibleName(_("Resultaten per deelnemer"))
        self.table.setHorizontalHeaderLabels(
            [
                _("Deelnemer"),
                _("Oefeningen"),
                _("Gemiddeld"),
                _("Beste"),
                _("Urgentie goed"),
                _("Ondertriage"),
                _("Kernvragen gesteld"),
            ]
        )
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.status = QLabel()
        self.status.setObjectName("results_status")
        import_button = QPushButton(_("&Importeer resultaten…"))
        import_button.setObjectName("import_results_button")
        import_button.clicked.connect(self._ask_import)
        export_button = QPushButton(_("E&xporteer resultaten…"))
        export_button.setObjectName("export_results_button")
        export_button.clicked.connect(self._ask_export)
        top = QHBoxLayout()
        group_label = QLabel(_("&Groepssessie"))
        group_label.setBuddy(self.group)
        top.addWidget(group_label)
        top.addWidget(self.group, 1)
        top.addWidget(import_button)
        top.addWidget(export_button)

        # one scenario, the participants side by side
        self.scenario_choice = QComboBox()
        self.scenario_choice.setObjectName("overview_scenario")
        self.scenario_choice.setAccessibleName(_("Casus van het groepsoverzicht"))
        self.scenario_choice.currentIndexChanged.connect(lambda _i: self.show_overview())
        scenario_label = QLabel(_("Ca&sus"))
        scenario_label.setBuddy(self.scenario_choice)
        self.overview_table = QTableWidget(0, len(overview_header(language())))
        self.overview_table.setObjectName("group_overview")
        self.overview_table.setAccessibleName(_("Deelnemers naast elkaar"))
        self.overview_table.setHorizontalHeaderLabels(overview_header(language()))
        self.overview_table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.overview_table.setWordWrap(True)
        self.overview_table.horizontalHeader().setStretchLastSection(True)
        self.overview_summary = QLabel()
        self.overview_summary.setObjectName("overview_summary")
        self.overview_summary.setWordWrap(True)
        pdf_button = QPushButton(_("Overzicht als &PDF…"))
        pdf_button.setObjectName("overview_pdf_button")
        pdf_button.clicked.connect(self._ask_overview_pdf)
        csv_button = QPushButton(_("Overzicht als CS&V…"))
        csv_button.setObjectName("overview_csv_button")
        csv_button.clicked.connect(self._ask_overview_csv)
        overview_top = QHBoxLayout()
        overview_top.addWidget(scenario_label)
        overview_top.addWidget(self.scenario_choice, 1)
        overview_top.addWidget(pdf_button)
        overview_top.addWidget(csv_button)
        overview_box = QGroupBox(_("Groepsoverzicht per casus"))
        overview_layout = QVBoxLayout(overview_box)
        overview_layout.addLayout(overview_top)
        overview_layout.addWidget(self.overview_table, 1)
        overview_layout.addWidget(self.overview_summary)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(overview_box, 2)
        layout.addWidget(self.status)
        self.reload()

    def reload(self) -> None:
        current = self.group.currentText()
        self.group.blockSignals(True)
        self.group.clear()
        self.group.addItems(self.book.groups())
        self.group.blockSignals(False)
        index = self.group.findText(current)
        self.group.setCurrentIndex(max(index, 0))
        self.show_group()

    def show_group(self) -> None:
        group = self.group.currentText()
        summaries = self.book.per_trainee(group) if group else []
        self.table.setRowCount(len(summaries))
        for row, summary in enumerate(summaries):
            cells = [
                summary.trainee,
                str(summary.attempts),
                format_number(summary.average, language()),
                format_number(summary.best, language()),
                f"{summary.urgency_correct} / {summary.attempts}",
                str(summary.under_triage),
                f"{summary.questions_asked} / {summary.questions_total}",
            ]
            for column, text in enumerate(cells):
                self.table.setItem(row, column, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
        current = self.scenario_choice.currentData()
        self.scenario_choice.blockSignals(True)
        self.scenario_choice.clear()
        for scenario_id, title in scenario_choices(self.book.results(group) if group else []):
            self.scenario_choice.addItem(title, scenario_id)
        self.scenario_choice.setCurrentIndex(max(0, self.scenario_choice.findData(current)))
        self.scenario_choice.blockSignals(False)
        self.show_overview()

    def _scenario(self, scenario_id: str) -> Scenario | None:
        if self.library is None:
            return None
        try:
            return self.library.get(scenario_id)
        except KeyError:
            return None

    def show_overview(self) -> None:
        """The chosen scenario's attempts in this group, side by side."""
        group = self.group.currentText()
        scenario_id = self.scenario_choice.currentData()
        if not group or scenario_id is None:
            self.overview = None
            self.overview_table.setRowCount(0)
            self.overview_summary.clear()
            return
        lang = language()
        self.overview = overview = group_overview(
            self.book.results(group), scenario_id, self._scenario, lang
        )
        self.overview_table.setRowCount(len(overview.rows))
        for row, attempt in enumerate(overview.rows):
            for column, text in enumerate(overview_cells(attempt, lang)):
                self.overview_table.setItem(row, column, QTableWidgetItem(text))
        self.overview_table.resizeColumnsToContents()
        for column in (4, 5):  # long lists wrap instead of running off the table
            width = self.overview_table.columnWidth(column)
            self.overview_table.setColumnWidth(column, min(width, 320))
        self.overview_table.resizeRowsToContents()
        self.overview_summary.setText(
            _("{n} poging(en), gemiddelde score {average}.").format(
                n=len(overview.rows), average=format_number(overview.average, lang)
            )
        )

    def export_overview_pdf(self, path: Path) -> bool:
        if self.overview is None or not self.overview.rows:
            self.status.setText(_("Er is geen groepsoverzicht om op te slaan."))
            return False
        pdf = render_overview(
            self.overview, printed_by=self.printer, printed_at=_now_local(), lang=language()
        )
        path.write_bytes(pdf)
        self.status.setText(_("Groepsoverzicht opgeslagen: {name}").format(name=path.name))
        return True

    def export_overview_csv(self, path: Path) -> bool:
        if self.overview is None or not self.overview.rows:
            self.status.setText(_("Er is geen groepsoverzicht om op te slaan."))
            return False
        # utf-8 with a byte order mark: spreadsheets then read the accents right
        path.write_text(overview_csv(self.overview, language()), encoding="utf-8-sig")
        self.status.setText(_("Groepsoverzicht opgeslagen: {name}").format(name=path.name))
        return True

    def _overview_name(self, suffix: str) -> str:
        overview = self.overview
        name = f"groepsoverzicht-{overview.scenario_id}" if overview else "groepsoverzicht"
        return f"{name}.{suffix}"

    def _ask_overview_pdf(self) -> None:
        name, _filter = QFileDialog.getSaveFileName(
            self,
            _("Groepsoverzicht opslaan"),
            self._overview_name("pdf"),
            _("PDF-bestanden (*.pdf)"),
        )
        if name:
            try:
                self.export_overview_pdf(Path(name))
            except OSError as error:
                QMessageBox.warning(self, _("Opslaan mislukt"), str(error.strerror or error))

    def _ask_overview_csv(self) -> None:
        name, _filter = QFileDialog.getSaveFileName(
            self,
            _("Groepsoverzicht opslaan"),
            self._overview_name("csv"),
            _("CSV-bestanden (*.csv)"),
        )
        if name:
            try:
                self.export_overview_csv(Path(name))
            except OSError as error:
                QMessageBox.warning(self, _("Opslaan mislukt"), str(error.strerror or error))

    def import_results(self, path: Path) -> int | None:
        try:
            added = self.book.import_json(path.read_text(encoding="utf-8"))
        except (ResultsFileError, OSError, UnicodeDecodeError) as error:
            self.status.setText(str(error))
            return None
        self.reload()
        self.status.setText(_("{n} nieuwe resultaten geïmporteerd.").format(n=added))
        return added

    def export_results(self, path: Path) -> None:
        group = self.group.currentText() or None
        path.write_text(self.book.export_json(group), encoding="utf-8")
        self.status.setText(_("Resultaten opgeslagen: {name}").format(name=path.name))

    def _ask_import(self) -> None:
        name, _filter = QFileDialog.getOpenFileName(
            self, _("Resultaten importeren"), "", _("Resultatenbestanden (*.json)")
        )
        if name:
            self.import_results(Path(name))

    def _ask_export(self) -> None:
        name, _filter = QFileDialog.getSaveFileName(
            self, _("Resultaten exporteren"), "resultaten.json", _("Resultatenbestanden (*.json)")
        )
        if name:
            self.export_results(Path(name))


# --------------------------------------------------------------------------- panel


class TrainingPanel(QWidget):
    """Everything of training mode in one widget (a tab of the main window)."""

    def __init__(self, session: DeskSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        if not session.training:
            raise ValueError("the training panel opens only in training mode (--training)")
        self.setObjectName("training_panel")
        self.session = session
        self.library = library_for(session)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("training_tabs")
        self.trainee = TraineePage(session, self.library)
        self.tabs.addTab(self.trainee, _("O&efenen"))
        self.editor: ScenarioEditorPage | None = None
        self.results: GroupResultsPage | None = None
        if session.profile.role in TRAINER_ROLES:
            self.editor = ScenarioEditorPage(self.library)
            self.editor.saved.connect(self.trainee.reload)
            results = GroupResultsPage(session.store, self.library, session.profile.display_name)
            self.results = results
            self.trainee.scored.connect(lambda _result: results.reload())
            self.tabs.addTab(self.editor, _("Casussen &bewerken"))
            self.tabs.addTab(self.results, _("Groeps&resultaten"))
        banner = QLabel(_("OEFENOMGEVING — oefencasussen, geen echte gegevens"))
        banner.setObjectName("training_panel_banner")
        banner.setStyleSheet("background: #6A1B9A; color: white; font-weight: bold; padding: 4px;")
        layout = QVBoxLayout(self)
        layout.addWidget(banner)
        layout.addWidget(self.tabs)

    def flush(self) -> None:
        """Save what the trainee typed (the main window calls this on close and lock)."""
        self.trainee.flush()


def open_training_panel(main_window: Any) -> TrainingPanel:
    """Show the training panel as a tab of the main window (one panel per window)."""
    tabs: QTabWidget = main_window.tabs
    for index in range(tabs.count()):
        if isinstance(tabs.widget(index), TrainingPanel):
            tabs.setCurrentIndex(index)
            return tabs.widget(index)  # type: ignore[return-value]
    panel = TrainingPanel(main_window.session)
    index = tabs.addTab(panel, _("Oefenen"))
    tabs.setCurrentIndex(index)
    locked = getattr(main_window, "locked", None)
    unlocked = getattr(main_window, "unlocked", None)
    if locked is not None and unlocked is not None:
        locked.connect(panel.trainee.pause)  # a lock does not count as exercise time
        unlocked.connect(panel.trainee.go_on)
    return panel


def offer_exercises(main_window: Any, unfinished: list[Any]) -> list[Any]:
    """At start-up in training: exercise cases are not plain unfinished intakes. Finished
    ones are left out; interrupted ones are offered for resuming in the training panel.
    Returns the unfinished cases that are not exercises."""
    store = main_window.session.store
    ids = exercise_case_ids(store)
    if not ids:
        return unfinished
    if ExerciseBook(store).running():
        open_training_panel(main_window).trainee.offer_resume()
    return [summary for summary in unfinished if summary.id not in ids]


def open_exercise(main_window: Any, case_id: str) -> bool:
    """An exercise case opened from the case list: resume it in the training panel when it
    is running (the call timer then counts exercise time); ``False`` for other cases."""
    store = main_window.session.store
    if case_id not in exercise_case_ids(store):
        return False
    state = ExerciseBook(store).get(case_id)
    if state is None or state.status != "running":
        return False  # a finished exercise opens as the case it is
    panel = open_training_panel(main_window)
    if panel.trainee.case_id != case_id:
        panel.trainee.resume(case_id)
    panel.tabs.setCurrentWidget(panel.trainee)
    return True
