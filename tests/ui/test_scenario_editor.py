"""The trainer's scenario editor: a new scenario written in the form (the intake's own
widgets), YAML edits never overwritten by the form, built-ins never overwritten."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QComboBox
from pytestqt.qtbot import QtBot

from desktop.session.desk import DeskSession
from desktop.store import Store, open_store
from desktop.training.authoring import proposed_flags
from desktop.training.scenario import bundled_scenarios, read_yaml
from desktop.ui.training_window import ScenarioEditorPage, TrainingPanel
from tests.helpers.stores import PASSPHRASE, make_session
from tests.unit.training.test_authoring import drafts, normalised


@pytest.fixture
def training_store(tmp_path: Path) -> Iterator[Store]:
    opened = open_store(tmp_path / "data", PASSPHRASE, training=True)
    yield opened
    if not opened.locked:
        opened.close()


@pytest.fixture
def trainer(training_store: Store) -> DeskSession:
    return make_session(training_store, role="trainer", name="Tess Trainer")


@pytest.fixture
def panel(qtbot: QtBot, trainer: DeskSession) -> TrainingPanel:
    shown = TrainingPanel(trainer)
    qtbot.addWidget(shown)
    shown.resize(1400, 900)
    shown.show()
    qtbot.waitExposed(shown)
    shown.tabs.setCurrentWidget(shown.editor)
    return shown


def problems(editor: ScenarioEditorPage) -> list[str]:
    return [editor.problems.item(i).text() for i in range(editor.problems.count())]


def type_into(qtbot: QtBot, widget: Any, text: str) -> None:
    widget.setFocus()
    qtbot.keyClicks(widget, text)


def choose(qtbot: QtBot, combo: QComboBox, value: Any) -> None:
    combo.setFocus()
    combo.setCurrentIndex(combo.findData(value))


def test_a_trainer_writes_a_new_scenario_in_the_form_without_yaml(
    qtbot: QtBot, panel: TrainingPanel
) -> None:
    editor = panel.editor
    assert editor is not None
    form = editor.editor
    editor.new_scenario()
    assert form.views.currentIndex() == 0 and form.title.nl.hasFocus()
    type_into(qtbot, form.title.nl, "Tim (15): blowt en dreigt")
    form.summary.nl.setFocus()
    qtbot.keyClicks(form.summary.nl, "Een mentor belt over een leerling die dreigt.")
    type_into(qtbot, form.caller.nl, "Mentor (Joris Bakker)")
    qtbot.mouseClick(form.goals.buttons[0], Qt.MouseButton.LeftButton)
    form.goals.table.item(0, 0).setText("Doorvragen naar middelengebruik.")
    # the opening line: who and what
    form.script.table.item(0, 2).setText("Mentor")
    form.script.table.item(0, 3).setText(
        "Ik maak me zorgen om Tim, hij zegt dat hij iemand gaat slaan."
    )
    # a key question, and the answer revealed when it is asked
    qtbot.mouseClick(form.questions.buttons[0], Qt.MouseButton.LeftButton)
    form.questions.table.item(0, 0).setText("Gebruikt hij middelen?")
    form.questions.table.item(0, 1).setText("Middelen verhogen het risico.")
    form.questions.fields.item(0).setCheckState(Qt.CheckState.Checked)
    qtbot.mouseClick(form.script.buttons[0], Qt.MouseButton.LeftButton)
    # the moment by keyboard: F2 opens the choice, Enter keeps it
    table = form.script.table
    table.setFocus()
    table.setCurrentCell(1, 0)
    qtbot.keyClick(table, Qt.Key.Key_F2)
    moment = QApplication.focusWidget()
    assert isinstance(moment, QComboBox) and moment.objectName() == "script_moment_editor"
    question_moment = next(
        i for i in range(moment.count()) if str(moment.itemData(i)).startswith("question:")
    )
    moment.setCurrentIndex(question_moment)
    qtbot.keyClick(moment, Qt.Key.Key_Return)
    qtbot.wait(20)  # the delegate commits queued
    assert table.item(1, 0).text().startswith("Na kernvraag: Gebruikt hij middelen?")
    form.script.table.item(1, 2).setText("Mentor")
    form.script.table.item(1, 3).setText("Ja, hij blowt elke dag.")
    # a timed line: the caller goes on after 2 minutes
    qtbot.mouseClick(form.script.buttons[0], Qt.MouseButton.LeftButton)
    table.setFocus()
    table.setCurrentCell(2, 0)
    qtbot.keyClick(table, Qt.Key.Key_F2)
    moment = QApplication.focusWidget()
    moment.setCurrentIndex(moment.findData("after"))
    qtbot.keyClick(moment, Qt.Key.Key_Return)
    qtbot.wait(20)
    table.setCurrentCell(2, 1)
    qtbot.keyClick(table, Qt.Key.Key_F2)
    seconds = QApplication.focusWidget()
    seconds.selectAll()
    qtbot.keyClicks(seconds, "120")
    qtbot.keyClick(seconds, Qt.Key.Key_Return)
    qtbot.wait(20)
    assert table.item(2, 1).text() == "120 s"
    form.script.table.item(2, 2).setText("Mentor")
    form.script.table.item(2, 3).setText("Hallo? Bent u er nog?")
    # the facts, in the intake's own widgets (type-ahead, Dutch dates)
    answers = form.answer_editors
    role = answers["call.caller_role"].widget
    choose(qtbot, role, "school")
    birth = answers["youth.birth_date"].widget
    type_into(qtbot, birth, "10-01-2011")
    choose(qtbot, answers["risk.suicidality"].widget, "none")
    choose(qtbot, answers["authority.situation"].widget, "joint_parents")
    choose(qtbot, answers["legal.care_type"].widget, "voluntary_outpatient")
    choose(qtbot, answers["legal.youth_position"].widget, "consents")
    choose(qtbot, answers["legal.youth_competent"].widget, "yes")
    choose(qtbot, answers["legal.parents_position"].widget, "consent")
    for fid in ("youth.birth_date",):
        answers[fid].edited.emit(fid, False)
    type_into(qtbot, answers["situation.youth_need"], "rust, school")
    choose(qtbot, form.urgency, "U3")
    choose(qtbot, form.intervention, "consult_referrer")
    form.acceptable_urgency.item(3).setCheckState(Qt.CheckState.Checked)
    # the rules propose the legal flags for these facts
    proposal = proposed_flags(form.draft(), form.form)
    assert proposal and form.proposal.text().startswith("Voorstel van de regels")
    assert form.draft().flags == proposal  # untouched signals follow the rules' proposal
    qtbot.mouseClick(form.use_proposal, Qt.MouseButton.LeftButton)
    assert form.draft().flags == proposal  # in the rules engine's order

    qtbot.mouseClick(
        editor.findChild(type(form.use_proposal), "save_scenario_button"), Qt.MouseButton.LeftButton
    )
    assert problems(editor) == []
    saved = panel.library.get("tim_15_blowt_en_dreigt")
    assert panel.library.origin(saved.id) == "own" and saved.version == 1
    assert saved.caller == {"nl": "Mentor (Joris Bakker)", "en": "Mentor (Joris Bakker)"}
    assert saved.expected.answers["youth.birth_date"] == "2011-01-10"
    assert saved.expected.answers["situation.youth_need"] == ["rust", "school"]
    assert saved.expected.urgency == "U3" and saved.expected.acceptable_urgency == ["U4"]
    [question] = saved.key_questions
    assert question.fields == ["call.received_at"]
    assert [line.when for line in saved.script] == ["start", f"question:{question.id}", "after:120"]
    assert saved.expected.flags == proposal
    assert panel.trainee.choice.findData(saved.id) >= 0
    # what the form saved is what the YAML view shows, and reloading shows the same form
    assert read_yaml(form.yaml.toPlainText(), "t") == saved.to_data()
    assert not editor.dirty


def test_yaml_edits_are_never_overwritten_by_the_form(qtbot: QtBot, panel: TrainingPanel) -> None:
    editor = panel.editor
    assert editor is not None
    form = editor.editor
    qtbot.mouseClick(
        editor.findChild(type(form.use_proposal), "copy_scenario_button"), Qt.MouseButton.LeftButton
    )
    assert form.title.nl.text().endswith("(kopie)")
    form.views.setCurrentIndex(1)  # the advanced view
    text = form.yaml.toPlainText()
    edited = (
        text.replace("id: suicidal_thoughts_14_2", "id: sanne_avonddienst")
        .replace("(kopie)", "avonddienst")
        .replace("urgency: U2", "urgency: U3")
        .replace("acceptable_urgency:\n  - U3", "acceptable_urgency:\n  - U2")
        .replace("intervention: assessment_on_site", "intervention: ambulatory_crisis_care")
        .replace(
            "acceptable_interventions:\n  - ambulatory_crisis_care",
            "acceptable_interventions:\n  - assessment_on_site",
        )
    )
    assert edited.count("U3") >= 1 and edited != text
    form.yaml.setPlainText(edited)
    qtbot.mouseClick(
        editor.findChild(type(form.use_proposal), "validate_button"), Qt.MouseButton.LeftButton
    )
    assert problems(editor) == [] and editor.status.text() == "De casus is in orde."
    assert form.yaml.toPlainText() == edited  # not rewritten from the form
    assert form.urgency.currentData() == "U3" and form.title.nl.text().endswith("avonddienst")
    assert editor.save()
    saved = panel.library.get("sanne_avonddienst")
    assert saved.expected.urgency == "U3"
    assert saved.expected.intervention == "ambulatory_crisis_care"
    assert saved.title["nl"].endswith("avonddienst")


def test_edits_in_both_views_are_refused_not_merged(qtbot: QtBot, panel: TrainingPanel) -> None:
    editor = panel.editor
    assert editor is not None
    form = editor.editor
    editor.copy()
    type_into(qtbot, form.title.nl, " X")
    form.yaml.setPlainText(form.yaml.toPlainText().replace("urgency: U2", "urgency: U1"))
    assert editor.validate() is None
    assert any("Zowel het formulier als de YAML" in p for p in problems(editor))
    assert not editor.save()


def test_broken_yaml_keeps_the_yaml_view_and_says_why(qtbot: QtBot, panel: TrainingPanel) -> None:
    editor = panel.editor
    assert editor is not None
    form = editor.editor
    form.views.setCurrentIndex(1)
    form.yaml.setPlainText("id: [kapot\n")
    form.views.setCurrentIndex(0)
    assert form.views.currentIndex() == 1  # the form cannot show it: stay
    assert any("YAML" in p for p in problems(editor))


def test_a_built_in_scenario_is_never_overwritten(qtbot: QtBot, panel: TrainingPanel) -> None:
    editor = panel.editor
    assert editor is not None
    form = editor.editor
    type_into(qtbot, form.title.nl, " (aangepast)")
    assert not editor.save()
    assert any("meegeleverde casus" in p for p in problems(editor))
    assert panel.library.get("suicidal_thoughts_14") == bundled_scenarios()[0]


def test_saving_an_edited_own_scenario_raises_its_version(
    qtbot: QtBot, panel: TrainingPanel
) -> None:
    editor = panel.editor
    assert editor is not None
    form = editor.editor
    editor.copy()
    assert editor.save()
    own_id = editor.origin_id
    assert own_id is not None and panel.library.get(own_id).version == 1
    form.title.nl.setFocus()
    qtbot.keyClicks(form.title.nl, " v2")
    assert editor.save()
    assert panel.library.get(own_id).version == 2
    assert "versie 2" in form.code.text()


@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
@given(draft=drafts())
def test_the_form_shows_and_gives_back_every_draft(panel: TrainingPanel, draft: Any) -> None:
    form = panel.editor.editor  # type: ignore[union-attr]
    form._loading = True
    form.show_draft(draft)
    form._loading = False
    assert normalised(form.draft()) == normalised(draft)


def test_packs_export_a_chosen_set_and_import_with_origins_versions_and_a_diff(
    qtbot: QtBot, panel: TrainingPanel, tmp_path: Path
) -> None:
    editor = panel.editor
    assert editor is not None
    editor.copy()
    assert editor.save()
    own_id = editor.origin_id
    # choose two scenarios by keyboard: the first built-in and the own one
    editor.list.setFocus()
    editor.list.setCurrentRow(0)
    own_row = [s.id for s in editor.scenarios].index(own_id)
    editor.list.item(own_row).setSelected(True)
    pack = tmp_path / "keuze.zip"
    assert editor.export_pack(pack) == 2

    # a fresh training environment: the built-in stays built-in, the own one arrives
    fresh_store = open_store(tmp_path / "fresh", PASSPHRASE, training=True)
    try:
        fresh = TrainingPanel(make_session(fresh_store, role="trainer", name="Tom"))
        qtbot.addWidget(fresh)
        other = fresh.editor
        assert other is not None
        assert other.import_pack(pack) and other.preview is None
        assert fresh.library.origin("suicidal_thoughts_14") == "builtin"
        assert fresh.library.origin(own_id) == "own"
        assert "1 casus(sen) geïmporteerd of bijgewerkt, 0 geweigerd." in other.status.text()
        assert any("al aanwezig" in p for p in problems(other))

        # version 2 of the own scenario: shown as a diff first, imported on yes
        form = editor.editor
        editor.reload(select=own_id)
        form.title.nl.setFocus()
        qtbot.keyClicks(form.title.nl, " herzien")
        assert editor.save() and panel.library.get(own_id).version == 2
        editor.list.clearSelection()
        newer = tmp_path / "nieuwer.yaml"
        editor.export_pack(newer)
        assert other.import_pack(newer)
        preview = other.preview
        assert preview is not None and preview.isVisible()
        diff = preview.text.toPlainText()
        assert "versie 1 wordt bijgewerkt naar versie 2" in diff and "herzien" in diff
        assert fresh.library.get(own_id).version == 1  # nothing yet
        qtbot.keyClick(preview, Qt.Key.Key_Return)
        assert fresh.library.get(own_id).version == 2
        assert fresh.library.get(own_id).title["nl"].endswith("herzien")

        # the old pack again: refused, with a message
        assert other.import_pack(pack)
        assert any(
            f"'{own_id}' versie 1 is ouder dan de aanwezige versie 2" in p for p in problems(other)
        )
        assert fresh.library.get(own_id).version == 2
        fresh.close()
    finally:
        fresh_store.close()


def test_an_import_never_replaces_unsaved_edits(
    qtbot: QtBot, panel: TrainingPanel, tmp_path: Path
) -> None:
    editor = panel.editor
    assert editor is not None
    form = editor.editor
    pack = tmp_path / "een.yaml"
    editor.list.setCurrentRow(1)
    assert editor.export_pack(pack) == 1
    editor.list.setCurrentRow(0)
    editor.copy()
    type_into(qtbot, form.title.nl, " nog niet opgeslagen")
    assert editor.import_pack(pack)
    assert form.title.nl.text().endswith("nog niet opgeslagen") and editor.dirty


def test_signals_changed_by_the_trainer_stop_following_the_rules(
    qtbot: QtBot, panel: TrainingPanel
) -> None:
    editor = panel.editor
    assert editor is not None
    form = editor.editor
    editor.copy()
    flags = form.draft().flags
    assert flags == proposed_flags(form.draft(), form.form)
    kept = flags[:1]
    form.flags.set_values(kept)
    type_into(qtbot, form.flags_reason.nl, "Alleen toestemming oefenen.")
    parents = form.answer_editors["legal.parents_position"]
    choose(qtbot, parents.widget, "refuse")
    parents.edited.emit("legal.parents_position", True)
    assert form.draft().flags == kept  # the trainer's choice stays, with its reason
    assert editor.save()
    saved = panel.library.get(editor.origin_id)  # type: ignore[arg-type]
    assert saved.expected.flags == kept and saved.expected.flags_reason is not None


def test_a_long_script_line_is_shown_whole_and_problems_only_when_there_are_some(
    qtbot: QtBot, panel: TrainingPanel
) -> None:
    editor = panel.editor
    assert editor is not None
    form = editor.editor
    assert not editor.problems.isVisible()  # nothing wrong: the form gets the height
    editor.copy()
    table = form.script.table
    table.item(0, 3).setText("Ik maak me zorgen om hem, hij zegt dat hij niet meer wil. " * 4)
    table.item(0, 5).setText("I'm worried about him, he says he doesn't want to go on. " * 4)
    qtbot.wait(20)
    assert table.rowHeight(0) >= table.sizeHintForRow(0)  # every wrapped line of it
    assert table.rowHeight(0) > table.verticalHeader().defaultSectionSize()
    form.views.setCurrentIndex(1)
    form.yaml.setPlainText("id: [kapot\n")
    assert editor.validate() is None
    assert editor.problems.isVisible() and editor.problems.count() > 0
    form.yaml.setPlainText(yaml_text := form.yaml.toPlainText().replace("[kapot", "kapot"))
    assert yaml_text.startswith("id: kapot")
    editor.problems.clear()
    assert not editor.problems.isVisible()
