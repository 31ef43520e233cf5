"""The intake view: widgets from the definition, messages, autosave, roles, amend, history."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLineEdit, QListWidget, QPlainTextEdit, QWidget
from pytestqt.qtbot import QtBot

import desktop.forms
from desktop.forms import FormDefinition, load_form, parse_form
from desktop.i18n import pick
from desktop.session.desk import DeskSession
from desktop.store import Store
from desktop.ui.intake_view import IntakeView
from desktop.ui.main_window import MainWindow
from tests.helpers.intake import NOW, answer, expect_focus, press, session_with_role
from tests.helpers.stores import PASSPHRASE

ALT = Qt.KeyboardModifier.AltModifier
INTAKE: dict[str, Any] = {
    "call.received_at": NOW.isoformat(),
    "call.caller_role": "parent",
    "call.caller_name": "Ouder Testkind",
    "call.caller_phone": "0612345678",
    "youth.birth_date": "2012-03-15",
    "youth.current_location": "home",
    "authority.situation": "joint_parents",
    "situation.reason": "Gedachten aan de dood.",
    "risk.suicidality": "thoughts",
}
WIDGET_TYPES = {
    "text": QLineEdit,
    "date": QLineEdit,
    "datetime": QLineEdit,
    "number": QLineEdit,
    "phone": QLineEdit,
    "bsn": QLineEdit,
    "multiline": QPlainTextEdit,
    "choice": QComboBox,
    "yesno": QComboBox,
    "ynu": QComboBox,
    "multi": QListWidget,
}


def show(qtbot: QtBot, view: QWidget) -> Any:
    qtbot.addWidget(view)
    view.resize(1100, 800)
    view.show()
    qtbot.waitExposed(view)
    view.activateWindow()
    qtbot.waitUntil(view.isActiveWindow)
    return view


def saved(qtbot: QtBot, view: IntakeView) -> None:
    qtbot.waitUntil(lambda: view.save_state.text() == "opgeslagen", timeout=2000)


def ready(desk: DeskSession) -> str:
    case = desk.new_case(INTAKE)
    desk.mark_ready(case.id)
    return case.id


@pytest.fixture
def desk(store: Store) -> DeskSession:
    return session_with_role(store, "desk", "Anna de Vries")


@pytest.fixture
def triagist(store: Store) -> DeskSession:
    return session_with_role(store, "triagist", "Tim Triagist")


def test_every_field_has_a_widget_named_by_id_and_label(qtbot: QtBot, desk: DeskSession) -> None:
    view = IntakeView(desk, desk.new_case().id)
    qtbot.addWidget(view)
    form = load_form("intake", "1")
    for field in form.fields():
        found = view.findChildren(QWidget, field.id)
        assert len(found) == 1, field.id
        widget = found[0]
        assert widget.accessibleName() == pick(field.label), field.id
        assert isinstance(widget, WIDGET_TYPES[field.type]), field.id
    assert view.findChild(QWidget, "triage.decided_by") is None, "recorded, never typed"
    assert len(view.editors) == len(form.fields())


def test_a_case_opens_with_its_own_form_version(
    qtbot: QtBot, desk: DeskSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    v1 = load_form("intake", "1")
    v2 = _intake_v2()
    monkeypatch.setattr(
        desktop.forms, "load_form", lambda form_id, version: v2 if version == "2" else v1
    )
    old = desk.store.cases.create(desk.actor, form_version="1", answers={"youth.first_name": "A"})
    new = desk.store.cases.create(desk.actor, form_version="2", answers={"youth.first_name": "B"})
    old_view = IntakeView(desk, old.id)
    new_view = IntakeView(desk, new.id)
    qtbot.addWidget(old_view)
    qtbot.addWidget(new_view)
    assert old_view.form.version == "1" and new_view.form.version == "2"
    assert old_view.findChild(QWidget, "youth.school_year") is None
    assert new_view.findChild(QWidget, "youth.school_year") is not None
    assert old_view.editors["youth.first_name"].widget.accessibleName() == "Voornaam"
    assert new_view.editors["youth.first_name"].widget.accessibleName() == "Roepnaam"
    assert old_view.editors["youth.first_name"].text() == "A"


def _intake_v2() -> FormDefinition:
    text = (
        Path(desktop.session.desk.__file__).parents[1] / "forms/definitions/intake-v1.yaml"
    ).read_text(encoding="utf-8")
    text = text.replace('version: "1"', 'version: "2"', 1)
    text = text.replace(
        'label: {nl: "Voornaam", en: "First name"}', 'label: {nl: "Roepnaam", en: "Given name"}'
    )
    marker = "  # ------------------------------------------------------------------ 3. authority"
    extra = (
        "      - id: youth.school_year\n"
        "        type: text\n"
        '        label: {nl: "Leerjaar", en: "School year"}\n'
        '        help: {nl: "In welke klas zit de jeugdige?", en: "Which school year?"}\n\n'
    )
    return parse_form(text.replace(marker, extra + marker, 1), "intake-v2.yaml")


def test_a_desk_worker_cannot_decide_triage(qtbot: QtBot, desk: DeskSession) -> None:
    case_id = ready(desk)
    view = show(qtbot, IntakeView(desk, case_id))
    assert not view.decide_button.isVisible()
    assert not view.editors["triage.urgency"].widget.isEnabled(), "triage is the triagist's"
    press(Qt.Key.Key_8, ALT)
    press(Qt.Key.Key_T, ALT)
    view.decide_triage()  # even when called, the session refuses
    assert "triagist" in view.action_message.text()
    assert desk.get_case(case_id).status == "ready_for_triage"
    assert "decide" not in [e.action for e in desk.store.audit.events(case_id=case_id)]


def test_invalid_input_is_told_at_the_field_and_never_blocks_other_fields(
    qtbot: QtBot, desk: DeskSession
) -> None:
    view = show(qtbot, IntakeView(desk, desk.new_case().id))
    press(Qt.Key.Key_2, ALT)
    answer("youth.first_name", "Sem")
    answer("youth.last_name", "Testkind")
    answer("youth.birth_date", "31-02-2012")
    message = view.rows["youth.birth_date"].message
    assert message.isVisible()
    assert message.text() == "Fout: Ongeldige datum; gebruik dd-mm-jjjj."
    assert view.save_state.text().startswith("niet opgeslagen — Geboortedatum: Ongeldige datum")
    assert view.editors["youth.birth_date"].text() == "31-02-2012", "typed text is kept"
    assert view.section_list.item(1).text().startswith("!")
    answer("youth.age_estimate", "14")  # still shown: no valid birth date
    answer("youth.gender", "v")
    expect_focus("youth.bsn")
    answer("youth.bsn", "123456789")
    assert view.rows["youth.bsn"].message.text() == "Fout: Dit BSN klopt niet (11-proef)."
    stored = desk.get_case(view.case_id).answers
    assert stored["youth.first_name"] == "Sem" and stored["youth.gender"] == "female"
    assert stored["youth.age_estimate"] == 14
    assert "youth.birth_date" not in stored and "youth.bsn" not in stored
    view.editors["youth.bsn"].widget.setFocus()
    qtbot.keyClick(view.editors["youth.bsn"].widget, Qt.Key.Key_Backspace)
    qtbot.keyClicks(view.editors["youth.bsn"].widget, "2")  # 123456782 passes the 11-proef
    view.editors["youth.birth_date"].widget.setFocus()
    view.editors["youth.birth_date"].widget.clear()
    qtbot.keyClicks(view.editors["youth.birth_date"].widget, "15-03-2012")
    saved(qtbot, view)
    stored = desk.get_case(view.case_id).answers
    assert stored["youth.bsn"] == "123456782" and stored["youth.birth_date"] == "2012-03-15"
    assert not view.rows["youth.bsn"].message.isVisible()


def test_text_is_saved_after_the_debounce_and_flush_saves_at_once(
    qtbot: QtBot, desk: DeskSession
) -> None:
    view = show(qtbot, IntakeView(desk, desk.new_case().id))
    widget = view.editors["call.caller_name"].widget
    widget.setFocus()
    qtbot.keyClicks(widget, "Dokter")
    assert view.save_state.text() == "bezig met opslaan…", "not 'opgeslagen' before the commit"
    assert "call.caller_name" not in desk.get_case(view.case_id).answers
    with qtbot.waitSignal(view.saved, timeout=1000):
        pass
    assert desk.get_case(view.case_id).answers["call.caller_name"] == "Dokter"
    assert view.save_state.text() == "opgeslagen"
    qtbot.keyClicks(widget, " Testma")
    view.flush()
    assert desk.get_case(view.case_id).answers["call.caller_name"] == "Dokter Testma"
    assert view.save_state.text() == "opgeslagen"


def test_a_store_failure_says_not_saved_and_keeps_the_text(
    qtbot: QtBot, desk: DeskSession, store: Store
) -> None:
    view = show(qtbot, IntakeView(desk, desk.new_case().id))
    widget = view.editors["situation.reason"].widget
    widget.setFocus()
    qtbot.keyClicks(widget, "Paniek thuis")
    store.lock()
    view.flush()
    assert view.save_state.text().startswith("niet opgeslagen — Doorloop is vergrendeld")
    assert view.editors["situation.reason"].text() == "Paniek thuis"
    store.unlock(PASSPHRASE)
    view.flush()
    assert view.save_state.text() == "opgeslagen"
    assert desk.get_case(view.case_id).answers["situation.reason"] == "Paniek thuis"


def test_banners_show_at_once_and_are_recorded_once(qtbot: QtBot, desk: DeskSession) -> None:
    view = show(qtbot, IntakeView(desk, desk.new_case().id))
    banner = view.banners["somatic_danger"]
    assert not banner.isVisible()
    view.focus_field("risk.somatic_danger")
    qtbot.keyClicks(view.editors["risk.somatic_danger"].widget, "j")
    assert banner.isVisible()
    assert banner.text() == "GEVAAR: Acuut lichamelijk gevaar: overweeg 112 of de SEH"
    qtbot.keyClicks(view.editors["risk.somatic_danger"].widget, "n")
    assert not banner.isVisible()
    qtbot.keyClicks(view.editors["risk.somatic_danger"].widget, "j")
    case = desk.get_case(view.case_id)
    assert [b["id"] for b in case.banners_shown] == ["somatic_danger"]
    actions = [e.action for e in desk.store.audit.events(case_id=view.case_id)]
    assert actions.count("banner_shown") == 1


def test_deadline_counts_down_with_code_word_and_colour(
    qtbot: QtBot, desk: DeskSession, store: Store
) -> None:
    clock = {"now": NOW}
    triagist = session_with_role(store, "triagist", "Tim", clock=lambda: clock["now"])
    view = show(qtbot, IntakeView(triagist, ready(desk)))
    assert not view.deadline.isVisible()
    view.focus_field("triage.urgency")
    qtbot.keyClicks(view.editors["triage.urgency"].widget, "2")
    assert view.deadline.text() == "U2 Zeer dringend — nog 4 u 00 min"
    assert "#E65100" in view.deadline.styleSheet()
    clock["now"] = NOW + timedelta(hours=3, minutes=18)
    view._tick()
    assert view.deadline.text() == "U2 Zeer dringend — nog 42 min"
    clock["now"] = NOW + timedelta(hours=5)
    view._tick()
    assert view.deadline.text() == "U2 Zeer dringend — 1 u 00 min over tijd"
    qtbot.keyClicks(view.editors["triage.urgency"].widget, "5")
    assert view.deadline.text() == "U5 Advies — geen termijn"


def test_amend_needs_a_reason_and_keeps_the_earlier_decision(
    qtbot: QtBot, desk: DeskSession, triagist: DeskSession
) -> None:
    case_id = ready(desk)
    triagist.decide_triage(case_id, "U1", "assessment_on_site", "Plan met middelen.")
    decided = triagist.get_case(case_id)
    view = show(qtbot, IntakeView(triagist, case_id))
    assert view.amend_button.isEnabled()
    assert not view.editors["triage.urgency"].widget.isEnabled(), "decided triage is read-only"
    press(Qt.Key.Key_W, ALT)
    qtbot.waitUntil(lambda: getattr(view, "amend_dialog", None) is not None)
    dialog = view.amend_dialog
    qtbot.waitExposed(dialog)
    qtbot.waitUntil(dialog.isActiveWindow)  # its mnemonics answer only when it is active
    urgency = dialog.editors["triage.urgency"].widget
    assert urgency.objectName() == "amend:triage.urgency"
    urgency.setFocus()
    qtbot.keyClicks(urgency, "2")
    dialog.accept()  # no reason yet
    assert dialog.isVisible()
    assert "reden" in dialog.message.text()
    assert triagist.get_case(case_id).version.id == decided.version.id
    dialog.reason.setFocus()
    qtbot.keyClicks(dialog.reason, "Duo kan pas om 06:00; jeugdige is bij oma.")
    qtbot.keyClick(dialog.reason, Qt.Key.Key_V, ALT)  # Wijziging vastleggen
    qtbot.waitUntil(lambda: not dialog.isVisible())
    amended = triagist.get_case(case_id)
    assert amended.answers["triage.urgency"] == "U2"
    assert amended.version.base_version_id == decided.version.id
    assert view.case.answers["triage.urgency"] == "U2"
    assert view.editors["triage.urgency"].widget.currentText() == "U2 Zeer dringend"
    history = view.open_history()
    rows = history.rows()
    # the desk worker's intake stays hers; the triagist's decision is a version of its own
    assert rows[0][4].startswith("Intake aangemaakt") and rows[0][2] == "Anna de Vries"
    assert rows[1][4].startswith("Triagebesluit vastgelegd: U1 Direct")
    assert rows[-1][4] == "Duo kan pas om 06:00; jeugdige is bij oma."
    assert rows[-1][2] == "Tim Triagist"
    assert rows[-1][0].startswith(f"{amended.version.number} (op basis van")
    changes = [
        history.tree.topLevelItem(len(rows) - 1).child(i).text(4)
        for i in range(history.tree.topLevelItem(len(rows) - 1).childCount())
    ]
    assert "U1 Direct → U2 Zeer dringend" in changes


def test_export_json_is_written_and_audited(
    qtbot: QtBot, desk: DeskSession, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "export.json"
    monkeypatch.setattr(
        "desktop.ui.intake_view.QFileDialog.getSaveFileName",
        lambda *args, **kwargs: (str(target), "JSON"),
    )
    view = show(qtbot, IntakeView(desk, desk.new_case(INTAKE).id))
    press(Qt.Key.Key_X, ALT)
    qtbot.waitUntil(target.exists)
    data = json.loads(target.read_text(encoding="utf-8"))
    assert data["id"] == view.case_id and data["answers"]["call.caller_role"] == "parent"
    assert desk.store.audit.events(case_id=view.case_id)[-1].action == "export"
    assert "export.json" in view.action_message.text()


def test_main_window_opens_the_intake_view_and_flushes_on_close(
    qtbot: QtBot, desk: DeskSession
) -> None:
    window = show(qtbot, MainWindow(desk))
    press(Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    view = window.tabs.currentWidget()
    assert isinstance(view, IntakeView)
    qtbot.waitUntil(lambda: view.editors["call.received_at"].widget.hasFocus())
    view.focus_field("call.caller_name")
    qtbot.keyClicks(view.editors["call.caller_name"].widget, "Melder")
    window.close_tab(window.tabs.currentIndex())
    assert desk.get_case(view.case_id).answers["call.caller_name"] == "Melder"
