"""A stray key or wheel never changes a risk answer silently (issue 22).

Wheel and paging keys pass a closed choice by (the page scrolls, Ctrl+PgUp/PgDn switches
tabs); clearing a given risk or legal answer, or making it *onbekend*, asks first (Enter
and Escape keep it); every change of a given one gets a version of its own, which the
history shows, and is named under the section heading with the local time.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication, QComboBox, QMessageBox
from pytestqt.qtbot import QtBot

from desktop.session.desk import DeskSession
from desktop.ui.intake_view import IntakeView
from desktop.ui.main_window import MainWindow
from tests.ui.test_intake_view import show

CTRL = Qt.KeyboardModifier.ControlModifier
NO = Qt.KeyboardModifier.NoModifier


def wheel(widget: QComboBox, steps: int) -> None:
    centre = QPointF(widget.rect().center())
    event = QWheelEvent(
        centre,
        QPointF(widget.mapToGlobal(widget.rect().center())),
        QPoint(0, 0),
        QPoint(0, 120 * steps),
        Qt.MouseButton.NoButton,
        NO,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(widget, event)


def test_wheel_and_paging_keys_never_change_a_closed_choice(
    qtbot: QtBot, session: DeskSession
) -> None:
    case = session.new_case({"risk.suicidality": "plan", "risk.means_available": "yes"})
    view = show(qtbot, IntakeView(session, case.id))
    view.focus_field("risk.suicidality")
    combo = view.editors["risk.suicidality"].widget
    assert isinstance(combo, QComboBox)
    assert combo.hasFocus()
    for steps in (1, -1, 3):
        wheel(combo, steps)
    for key in (Qt.Key.Key_PageUp, Qt.Key.Key_PageDown, Qt.Key.Key_Home, Qt.Key.Key_End):
        for modifiers in (NO, CTRL):
            qtbot.keyClick(combo, key, modifiers)
            assert combo.currentText() == "Concreet plan", (key, modifiers)
    assert session.get_case(case.id).answers["risk.suicidality"] == "plan"
    assert view.confirm_dialog is None
    qtbot.keyClick(combo, Qt.Key.Key_Down)  # the arrow keys still choose, on purpose
    assert combo.currentText() == "Recente poging"


def test_ctrl_page_down_on_a_choice_switches_tabs_instead(
    qtbot: QtBot, session: DeskSession
) -> None:
    case = session.new_case({"risk.suicidality": "plan"})
    window = MainWindow(session)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    window.open_case(case.id)
    view = window.tabs.currentWidget()
    assert isinstance(view, IntakeView)
    view.focus_field("risk.suicidality")
    combo = view.editors["risk.suicidality"].widget
    qtbot.keyClick(combo, Qt.Key.Key_PageUp, CTRL)
    assert window.tabs.currentIndex() == 0, "Ctrl+PgUp went on to the tabs"
    qtbot.keyClick(window.list_page.search, Qt.Key.Key_PageDown, CTRL)
    assert window.tabs.currentWidget() is view
    assert combo.currentText() == "Concreet plan"
    assert session.get_case(case.id).answers["risk.suicidality"] == "plan"


def test_a_stray_key_that_would_make_a_risk_answer_unknown_asks_and_enter_keeps_it(
    qtbot: QtBot, session: DeskSession
) -> None:
    case = session.new_case({"risk.suicidality": "plan"})
    view = show(qtbot, IntakeView(session, case.id))
    view.focus_field("risk.suicidality")
    combo = view.editors["risk.suicidality"].widget
    qtbot.keyClick(combo, "o")  # type-ahead: Onbekend
    box = view.confirm_dialog
    assert isinstance(box, QMessageBox)
    qtbot.waitUntil(box.isVisible, timeout=2000)
    assert "Suïcidaliteit was: Concreet plan" in box.text()
    assert "Onbekend" in box.text()
    assert session.get_case(case.id).answers["risk.suicidality"] == "plan", "not yet"
    qtbot.keyClick(box, Qt.Key.Key_Return)  # the default is to keep it
    assert combo.currentText() == "Concreet plan"
    assert session.get_case(case.id).answers["risk.suicidality"] == "plan"

    qtbot.keyClick(combo, Qt.Key.Key_Delete)  # clearing asks too; Escape keeps it
    box = view.confirm_dialog
    assert isinstance(box, QMessageBox)
    qtbot.waitUntil(box.isVisible, timeout=2000)
    assert "leeg" in box.text()
    qtbot.keyClick(box, Qt.Key.Key_Escape)
    assert combo.currentText() == "Concreet plan"
    assert session.get_case(case.id).answers["risk.suicidality"] == "plan"
    assert len(session.store.cases.versions(case.id)) == 1, "nothing was written"


def test_a_confirmed_change_gets_its_own_version_and_shows_under_the_heading(
    qtbot: QtBot, session: DeskSession
) -> None:
    case = session.new_case({"risk.suicidality": "plan"})
    view = show(qtbot, IntakeView(session, case.id))
    heading = view.headings["risk"][0]
    assert "gewijzigd" not in heading.text()
    view.focus_field("risk.suicidality")
    combo = view.editors["risk.suicidality"].widget
    qtbot.keyClick(combo, "o")
    box = view.confirm_dialog
    assert isinstance(box, QMessageBox)
    qtbot.waitUntil(box.isActiveWindow, timeout=2000)
    qtbot.keyClick(box, Qt.Key.Key_J, Qt.KeyboardModifier.AltModifier)  # &Ja, wijzigen
    qtbot.waitUntil(lambda: view.confirm_dialog is None, timeout=2000)  # after the animation
    stored = session.get_case(case.id)
    assert stored.answers["risk.suicidality"] == "unknown"
    versions = session.store.cases.versions(case.id)
    assert [v.answers.get("risk.suicidality") for v in versions] == ["plan", "unknown"]
    assert all(v.version.sealed for v in versions), "the earlier value is kept as it was"
    assert versions[1].version.reason == "Eerder gegeven antwoord gewijzigd: Suïcidaliteit"
    moment = versions[1].version.created_at.astimezone(view.zone).strftime("%H:%M")
    assert heading.text().endswith(f"— gewijzigd om {moment}")
    changed = view.changed_labels["risk"]
    assert changed.isVisibleTo(view)
    assert changed.text() == (
        f"Suïcidaliteit gewijzigd om {moment} door Anna de Vries: was Concreet plan, nu Onbekend"
    )
    history = [e for e in session.history(case.id) if "risk.suicidality" in e.changed]
    assert [e.why for e in history][-1] == "Eerder gegeven antwoord gewijzigd: Suïcidaliteit"

    qtbot.keyClicks(view.editors["risk.protective_factors"].widget, "Oma")
    view.flush()  # an ordinary edit afterwards goes into a new version, not the sealed one
    assert session.store.cases.versions(case.id)[1].answers.get("risk.protective_factors") is None


def test_a_change_between_given_answers_needs_no_question_but_is_shown(
    qtbot: QtBot, session: DeskSession
) -> None:
    case = session.new_case({"legal.youth_position": "consents"})
    view = show(qtbot, IntakeView(session, case.id))
    view.focus_field("legal.youth_position")
    qtbot.keyClick(view.editors["legal.youth_position"].widget, "v")  # Verzet zich
    assert view.confirm_dialog is None
    assert session.get_case(case.id).answers["legal.youth_position"] == "objects"
    assert "gewijzigd om" in view.headings["legal"][0].text()
    assert "was Stemt in, nu Verzet zich" in view.changed_labels["legal"].text()
    # a first answer is no change
    view.focus_field("risk.aggression")
    qtbot.keyClick(view.editors["risk.aggression"].widget, "g")
    assert view.confirm_dialog is None
    assert "gewijzigd" not in view.headings["risk"][0].text()
