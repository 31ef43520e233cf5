"""Training mode in the UI: a trainee takes one scripted call to its score and debrief;
the trainer edits a scenario (validated) and sees the group's results."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop.session.desk import DeskSession
from desktop.store import Store, open_store
from desktop.training.scenario import bundled_scenarios
from desktop.ui.training_window import TrainingPanel, open_training_panel
from tests.helpers.stores import PASSPHRASE, make_session


@pytest.fixture
def training_store(tmp_path: Path) -> Iterator[Store]:
    opened = open_store(tmp_path / "data", PASSPHRASE, training=True)
    yield opened
    if not opened.locked:
        opened.close()


@pytest.fixture
def trainer(training_store: Store) -> DeskSession:
    return make_session(training_store, role="trainer", name="Tess Trainer")


def shown(qtbot: QtBot, panel: TrainingPanel) -> TrainingPanel:
    qtbot.addWidget(panel)
    panel.resize(1400, 900)
    panel.show()
    qtbot.waitExposed(panel)
    return panel


def script_ids(panel: TrainingPanel) -> list[str]:
    lines = panel.trainee.script.lines  # type: ignore[union-attr]
    return [lines.item(i).data(Qt.ItemDataRole.UserRole) for i in range(lines.count())]


def type_answer(intake: Any, field_id: str, value: Any) -> None:
    """Enter an answer the way the intake view receives it from its widget."""
    editor = intake.editors[field_id]
    editor.set_value(value)
    editor.edited.emit(field_id, True)


def test_a_trainee_takes_one_scenario_to_its_score(
    qtbot: QtBot, trainer: DeskSession, tmp_path: Path
) -> None:
    panel = shown(qtbot, TrainingPanel(trainer))
    page = panel.trainee
    scenario = next(s for s in bundled_scenarios() if s.id == "suicidal_thoughts_14")
    page.select(scenario.id)
    assert "Zwolle" not in page.description.text() and "Leerdoelen" in page.description.text()
    page.trainee_name.setText("Bram Oefenaar")
    page.group_name.setText("Groep maart")
    qtbot.mouseClick(page.start_button, Qt.MouseButton.LeftButton)
    intake = page.intake
    assert intake is not None and page.stack.currentWidget() is page.exercise_page
    # the first section is reached at once; the rest of the call is still hidden
    assert script_ids(panel) == ["opening", "callback"]
    intake.go_to_section(1)
    assert script_ids(panel) == ["opening", "callback", "youth_details"]
    need = page.script.question_boxes["need"]
    need.setFocus()
    qtbot.keyClick(need, Qt.Key.Key_Space)  # the trainee ticks it by keyboard
    assert script_ids(panel)[-1] == "need_answer"
    for question in ("suicidality", "means", "authority"):
        page.script.question_boxes[question].setChecked(True)
    assert set(page.script.asked) == {"need", "suicidality", "means", "authority"}

    # the trainee captures the facts in the normal intake (autosaved to the training store)
    texts = {"youth.first_name": "Sanne", "situation.youth_need": "Met iemand praten."}
    for fid, value in scenario.expected.answers.items():
        type_answer(intake, fid, texts.get(fid, value))
    case = trainer.get_case(page.case_id)
    assert case.training is True and case.answers["risk.suicidality"] == "thoughts"
    # ages are the scenario's: 14 on the call date
    assert trainer.store.cases.get(page.case_id).answers["youth.birth_date"] == "2011-11-02"

    page.script.urgency.setCurrentIndex(page.script.urgency.findData("U2"))
    page.script.intervention.setCurrentIndex(
        page.script.intervention.findData("assessment_on_site")
    )
    with qtbot.waitSignal(page.scored) as scored:
        qtbot.mouseClick(page.script.finish_button, Qt.MouseButton.LeftButton)
    result = scored.args[0]
    assert result.trainee == "Bram Oefenaar" and result.group == "Groep maart"
    assert result.total == 100.0
    assert page.stack.currentWidget() is page.debrief
    assert "100 van 100" in page.debrief.headline.text()
    html = page.debrief.browser.toPlainText()
    assert "Kernvragen" in html and "Gesteld" in html and "Gevonden" in html
    stored = trainer.get_case(page.case_id).answers
    assert (stored["triage.urgency"], stored["triage.intervention"]) == ("U2", "assessment_on_site")

    pdf = tmp_path / "nabespreking.pdf"
    page.debrief.save_pdf(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")

    results = panel.results
    assert results is not None
    assert results.group.currentText() == "Groep maart"
    assert results.table.rowCount() == 1 and results.table.item(0, 0).text() == "Bram Oefenaar"
    assert results.table.item(0, 3).text() == "100"
    # nothing of the exercise waits to be synced
    assert [i for i in trainer.store.outbox.items() if i.kind == "version"] == []

    qtbot.mouseClick(page.debrief.again_button, Qt.MouseButton.LeftButton)
    assert page.stack.currentIndex() == 0


def test_a_missed_question_and_wrong_urgency_show_in_the_debrief(
    qtbot: QtBot, trainer: DeskSession
) -> None:
    panel = shown(qtbot, TrainingPanel(trainer))
    page = panel.trainee
    page.select("eating_disorder_somatic")
    page.start()
    page.script.urgency.setCurrentIndex(page.script.urgency.findData("U3"))
    result = page.finish()
    assert result is not None
    score = result.as_score()
    assert score.urgency.direction == "too_low" and score.questions_asked == 0
    text = page.debrief.browser.toPlainText()
    assert "ondertriage" in text and "Niet gesteld" in text


def test_packs_import_with_problems_listed(
    qtbot: QtBot, trainer: DeskSession, tmp_path: Path
) -> None:
    panel = shown(qtbot, TrainingPanel(trainer))
    editor = panel.editor
    assert editor is not None
    broken = tmp_path / "kapot.yaml"
    broken.write_text("id: kapot\n", encoding="utf-8")
    assert not editor.import_pack(broken)
    assert editor.problems.count() > 0 and "niet geïmporteerd" in editor.status.text()
    pack = tmp_path / "een.zip"
    assert editor.export_pack(pack) == 1  # the scenario shown
    assert editor.import_pack(pack)


def test_trainees_do_not_see_the_trainer_tabs(qtbot: QtBot, training_store: Store) -> None:
    desk = make_session(training_store, role="desk", name="Bram")
    panel = shown(qtbot, TrainingPanel(desk))
    assert panel.editor is None and panel.results is None and panel.tabs.count() == 1


def test_the_panel_refuses_a_production_session(session: DeskSession) -> None:
    with pytest.raises(ValueError, match="training mode"):
        TrainingPanel(session)


def test_open_training_panel_adds_one_tab(qtbot: QtBot, trainer: DeskSession) -> None:
    from desktop.ui.main_window import MainWindow

    window = MainWindow(trainer)
    qtbot.addWidget(window)
    panel = open_training_panel(window)
    assert window.tabs.currentWidget() is panel
    assert open_training_panel(window) is panel
    assert (
        sum(isinstance(window.tabs.widget(i), TrainingPanel) for i in range(window.tabs.count()))
        == 1
    )


def test_a_lock_does_not_count_as_exercise_time_and_keeps_the_position(
    qtbot: QtBot, trainer: DeskSession
) -> None:
    from desktop.training.exercises import ExerciseBook
    from desktop.ui.main_window import MainWindow

    window = MainWindow(trainer, unlock=lambda secret: trainer.store.unlock(secret))
    qtbot.addWidget(window)
    window.show()
    panel = open_training_panel(window)
    page = panel.trainee
    page.start()
    page.script.question_boxes["need"].setChecked(True)
    clock = page.clock
    assert clock is not None
    window.lock()
    paused_at = clock.elapsed()
    qtbot.wait(300)
    assert clock.elapsed() == paused_at  # locked: the exercise time stands still
    trainer.store.unlock(PASSPHRASE)
    window._after_unlock(None)
    qtbot.wait(50)
    assert clock.elapsed() > paused_at
    state = ExerciseBook(trainer.store).get(page.case_id)
    assert state is not None and state.asked.keys() == {"need"}
    assert paused_at - 0.1 <= state.elapsed <= paused_at + 0.1


def test_interrupted_exercises_are_offered_and_finished_ones_are_not(
    qtbot: QtBot, trainer: DeskSession
) -> None:
    from desktop.ui.main_window import MainWindow
    from desktop.ui.training_window import offer_exercises

    first = shown(qtbot, TrainingPanel(trainer))
    first.trainee.select("suicidal_thoughts_14")
    first.trainee.start()
    first.trainee.script.question_boxes["means"].setChecked(True)
    interrupted = first.trainee.case_id
    first.trainee.flush()
    first.close()  # as if the process died: the panel is gone, the state is stored

    window = MainWindow(trainer)
    qtbot.addWidget(window)
    window.show()
    finished_panel = open_training_panel(window)
    page = finished_panel.trainee
    assert page.resume_list.count() == 1 and page.interrupted.isVisibleTo(page)
    page.select("eating_disorder_somatic")
    page.start()
    assert page.finish() is not None
    offered = offer_exercises(window, trainer.store.cases.unfinished())
    assert [s.id for s in offered] == []  # neither exercise is a plain unfinished intake
    page.back_to_chooser()
    assert page.resume_list.count() == 1
    page.resume_list.setFocus()
    qtbot.keyClick(page.resume_list, Qt.Key.Key_Return)
    assert page.case_id == interrupted and set(page.script.asked) == {"means"}
    # the case list opens an exercise case in the panel, resumed
    page.back_to_chooser()
    window.open_case(interrupted)
    assert window.tabs.currentWidget() is finished_panel and page.case_id == interrupted


def test_every_training_view_has_unique_alt_mnemonics_and_works_by_keyboard(
    qtbot: QtBot, trainer: DeskSession
) -> None:
    from datetime import UTC, datetime

    from desktop.training.exercises import ExerciseBook, ExerciseState
    from desktop.ui.main_window import MainWindow
    from tests.ui.mnemonics import doubles, mnemonics

    # an exercise a crash left behind
    scenario = bundled_scenarios()[0]
    ExerciseBook(trainer.store).save(
        ExerciseState(
            case_id=trainer.new_case().id,
            scenario_id=scenario.id,
            scenario_version=scenario.version,
            scenario_title="Sanne",
            trainee="Bram",
            group="Groep",
            started_at=datetime.now(UTC),
            elapsed=30.0,
        )
    )
    window = MainWindow(trainer)
    qtbot.addWidget(window)
    window.resize(1400, 900)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    panel = open_training_panel(window)
    page = panel.trainee
    alt = Qt.KeyboardModifier.AltModifier

    def press(key: Qt.Key, modifier: Qt.KeyboardModifier = alt) -> None:
        from PySide6.QtWidgets import QApplication

        qtbot.keyClick(QApplication.focusWidget() or window, key, modifier)
        qtbot.wait(200)  # a mnemonic clicks after a short animation

    assert page.interrupted.isVisibleTo(window)  # "Hervatten" is offered
    views = {"chooser": doubles(window)}
    assert "h" in mnemonics(window)
    press(Qt.Key.Key_H)  # Hervatten
    assert page.stack.currentWidget() is page.exercise_page
    views["exercise"] = doubles(window)
    press(Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)  # the first key question
    assert list(page.script.asked) == [page.scenario.key_questions[0].id]
    press(Qt.Key.Key_D)  # Afronden en scoren
    assert page.stack.currentWidget() is page.debrief
    views["debrief"] = doubles(window)
    press(Qt.Key.Key_B)  # the editor tab
    assert panel.tabs.currentWidget() is panel.editor
    views["editor"] = doubles(window)
    press(Qt.Key.Key_L)  # Controleren, not the Casus menu
    assert panel.editor.status.text() == "De casus is in orde."
    press(Qt.Key.Key_D)  # the YAML view
    assert panel.editor.editor.views.currentIndex() == 1
    views["yaml"] = doubles(window)
    press(Qt.Key.Key_S)  # Opslaan: a built-in is not overwritten, and says so
    assert "meegeleverde casus" in panel.editor.problems.item(0).text()
    press(Qt.Key.Key_R)  # group results
    assert panel.tabs.currentWidget() is panel.results
    views["results"] = doubles(window)
    press(Qt.Key.Key_E)  # back to the exercise tab
    assert panel.tabs.currentWidget() is page
    assert views == {name: {} for name in views}


def test_the_sync_menu_says_training_never_syncs(qtbot: QtBot, trainer: DeskSession) -> None:
    from PySide6.QtGui import QAction

    from desktop.ui.main_window import MainWindow

    window = MainWindow(trainer)
    qtbot.addWidget(window)
    line = window.findChild(QAction, "action_training_never_syncs")
    assert line is not None and "nooit gesynchroniseerd" in line.text()
    assert not window.sync_login_action.isEnabled() and not window.sync_now_action.isEnabled()


def test_a_trainer_runs_one_scenario_for_a_group_and_exports_the_overview(
    qtbot: QtBot, trainer: DeskSession, tmp_path: Path
) -> None:
    import csv

    from pypdf import PdfReader

    panel = shown(qtbot, TrainingPanel(trainer))
    page = panel.trainee
    page.group_name.setText("Groep april")
    for name, urgency, questions in (
        ("Bram", "U2", ["suicidality", "means", "need", "authority"]),
        ("Anna", "U4", ["need"]),
        ("Cor", "U3", []),
    ):
        page.select("suicidal_thoughts_14")
        page.trainee_name.setText(name)
        page.start()
        for question in questions:
            page.script.question_boxes[question].setChecked(True)
        page.script.urgency.setCurrentIndex(page.script.urgency.findData(urgency))
        assert page.finish() is not None
        page.back_to_chooser()
    results = panel.results
    assert results is not None
    panel.tabs.setCurrentWidget(results)
    assert results.group.currentText() == "Groep april"
    assert results.scenario_choice.currentData() == "suicidal_thoughts_14"
    table = results.overview_table
    assert [table.item(r, 0).text() for r in range(table.rowCount())] == ["Anna", "Bram", "Cor"]
    headers = [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]
    assert headers == [
        "Deelnemer", "Score", "Tijd tot besluit", "Urgentie", "Gemiste kernvragen",
        "Juridische signalen",
    ]  # fmt: skip
    assert table.item(0, 3).text() == "U4 (ondertriage)"
    assert "Zijn er middelen in huis" in table.item(0, 4).text()
    assert table.item(1, 4).text() == "geen"
    assert "binnen doeltijd" in table.item(1, 2).text()
    # on a 1280x720 laptop the long lists wrap: no column runs off the table
    panel.resize(1200, 640)
    qtbot.wait(20)
    results.show_overview()
    qtbot.wait(20)
    assert table.horizontalScrollBar().maximum() == 0

    pdf_path, csv_path = tmp_path / "groep.pdf", tmp_path / "groep.csv"
    assert results.export_overview_pdf(pdf_path) and results.export_overview_csv(csv_path)
    text = "\n".join(p.extract_text() for p in PdfReader(pdf_path).pages)
    assert "Anna" in text and "Cor" in text and "Afgedrukt door Tess Trainer" in text
    rows = list(csv.reader(csv_path.read_text(encoding="utf-8-sig").splitlines(), delimiter=";"))
    assert [row[0] for row in rows] == ["Deelnemer", "Anna", "Bram", "Cor"]


def test_the_case_list_shows_no_real_deadline_for_an_exercise(
    qtbot: QtBot, trainer: DeskSession
) -> None:
    from desktop.ui.case_list_model import COLUMNS, deadline_text
    from desktop.ui.main_window import MainWindow

    window = MainWindow(trainer)
    qtbot.addWidget(window)
    page = open_training_panel(window).trainee
    page.select("suicidal_thoughts_14")  # a call in March 2026: long past on a real clock
    page.start()
    page.script.urgency.setCurrentIndex(page.script.urgency.findData("U2"))
    assert page.finish() is not None
    model = window.list_page.model
    model.reload()
    [summary] = [s for s in model._rows if s.id == page.case_id]
    assert summary.deadline and deadline_text(summary.deadline, summary.status).startswith(
        "verlopen"
    )  # what the list showed before
    column = COLUMNS.index("deadline")
    shown = [model.index(r, column).data() for r in range(model.rowCount())]
    assert model.rowCount() >= 1 and shown == [""] * model.rowCount()


def test_start_puts_the_cursor_in_the_first_field(qtbot: QtBot, trainer: DeskSession) -> None:
    panel = shown(qtbot, TrainingPanel(trainer))
    panel.activateWindow()
    qtbot.waitUntil(panel.isActiveWindow)
    page = panel.trainee
    page.select(next(iter(bundled_scenarios())).id)
    page.start_button.setFocus()
    qtbot.keyClick(page.start_button, Qt.Key.Key_Space)  # by keyboard
    intake: Any = page.intake
    assert intake is not None
    first = intake._first_field(intake.current_section())
    qtbot.waitUntil(first.hasFocus)
