"""Keyboard and screen-reader access, checked on the real widgets (offscreen).

AT-SPI (the Linux accessibility bus) is not available offscreen, so these tests use what
Qt itself gives assistive technology: each control's QAccessibleInterface name, its focus
policy (Tab), the real keyboard (pytest-qt key clicks) and the accessibility events sent.
"""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSlider,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QHeaderView,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollBar,
    QTabBar,
    QTextEdit,
    QWidget,
)
from pytestqt.qtbot import QtBot

from desktop.session.desk import DeskSession
from desktop.ui.access_dialogs import ProfileDialog, UnlockDialog
from desktop.ui.history_view import HistoryDialog
from desktop.ui.intake_view import IntakeView
from desktop.ui.main_window import MainWindow
from desktop.ui.report_dialog import ReportDialog
from tests.ui.mnemonics import doubles

CONTROLS = (
    QAbstractButton,
    QLineEdit,
    QComboBox,
    QAbstractItemView,
    QTextEdit,
    QPlainTextEdit,
    QAbstractSpinBox,
    QAbstractSlider,
    QTabBar,
)


def exempt(widget: QWidget) -> bool:
    """Qt's own parts that have a keyboard equivalent: scroll bars (arrow keys, PageUp/
    PageDown in the view), table headers (the list is sorted newest first; Ctrl+F
    searches), the tab bar's close buttons (Ctrl+W)."""
    if isinstance(widget, QScrollBar | QHeaderView):
        return True
    parent = widget.parentWidget()
    return isinstance(parent, QTabBar) and isinstance(widget, QAbstractButton)


def problems(top: QWidget) -> list[str]:
    """Every visible, enabled control of ``top`` without an accessible name or not
    reachable by Tab."""
    found = []
    for widget in top.findChildren(QWidget):
        if not isinstance(widget, CONTROLS) or exempt(widget):
            continue
        if not widget.isVisibleTo(top) or not widget.isEnabled():
            continue
        interface = QAccessible.queryAccessibleInterface(widget)
        name = interface.text(QAccessible.Text.Name).strip() if interface else ""
        what = f"{type(widget).__name__} {widget.objectName()!r}"
        if not name:
            found.append(f"{what}: no accessible name")
        if not widget.focusPolicy() & Qt.FocusPolicy.TabFocus:
            found.append(f"{what}: not reachable by Tab")
    return found


def legal_case(session: DeskSession) -> str:
    return session.new_case(
        {
            "youth.first_name": "Sem",
            "youth.birth_date": "2010-05-14",
            "legal.care_type": "voluntary_admission",
        }
    ).id


def active(qtbot: QtBot, window: QWidget) -> None:
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)


def window_with_intake(qtbot: QtBot, session: DeskSession) -> tuple[MainWindow, Any]:
    window = MainWindow(session)
    active(qtbot, window)
    window.open_case(legal_case(session))
    return window, window.tabs.currentWidget()


def test_main_window_and_every_intake_section(qtbot: QtBot, session: DeskSession) -> None:
    window = MainWindow(session)
    qtbot.addWidget(window)
    window.show()
    assert problems(window) == []
    assert doubles(window) == {}
    window.open_case(legal_case(session))
    intake: Any = window.tabs.currentWidget()
    for index, section in enumerate(intake.form.sections):
        intake.go_to_section(index)
        QApplication.processEvents()
        assert problems(window) == [], section.id
        assert doubles(window) == {}, section.id


def test_dialogs(qtbot: QtBot, session: DeskSession) -> None:
    case_id = legal_case(session)
    dialogs: list[QWidget] = [
        ReportDialog(session, case_id),
        HistoryDialog(session, case_id, session.form_for(session.get_case(case_id))),
        ProfileDialog(lambda *args: None),
        UnlockDialog(lambda passphrase: None),
    ]
    for dialog in dialogs:
        qtbot.addWidget(dialog)
        dialog.show()
        QApplication.processEvents()
        assert problems(dialog) == [], dialog.windowTitle()
        assert doubles(dialog) == {}, dialog.windowTitle()


def test_the_other_dialogs(qtbot: QtBot, session: DeskSession) -> None:
    """Amend, merge, break-the-glass, access log, referral and user dialogs."""
    from desktop.ui.access_log import AccessLogDialog
    from desktop.ui.break_glass import BreakGlassDialog
    from desktop.ui.intake_amend import AmendDialog
    from desktop.ui.reconcile_view import ReconcileListDialog
    from desktop.ui.referral_dialogs import ReferDialog
    from desktop.ui.user_dialogs import PassphraseDialog, RemoveUserDialog

    case_id = legal_case(session)
    case = session.get_case(case_id)
    dialogs: list[QWidget] = [
        AmendDialog(session, session.form_for(case), case, lambda _case: None),
        ReconcileListDialog(session),
        BreakGlassDialog(session, case_id),
        BreakGlassDialog(session),  # the search of older cases
        AccessLogDialog(session, case_id),
        ReferDialog(session, case_id),
        PassphraseDialog(session),
        RemoveUserDialog(session),
    ]
    for dialog in dialogs:
        qtbot.addWidget(dialog)
        dialog.show()
        QApplication.processEvents()
        assert problems(dialog) == [], dialog.windowTitle()
        assert doubles(dialog) == {}, dialog.windowTitle()


def test_the_legal_panel_is_reached_by_tab_and_vul_in_works_by_keyboard(
    qtbot: QtBot, session: DeskSession
) -> None:
    _window, intake = window_with_intake(qtbot, session)
    intake.go_to_section([s.id for s in intake.form.sections].index("legal"))
    qtbot.waitUntil(lambda: intake.editors["legal.care_type"].widget.hasFocus())
    reached: list[QWidget] = []
    for _press in range(40):  # Tab through the legal fields into the panel
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        focus = QApplication.focusWidget()
        reached.append(focus)
        if isinstance(focus, QPushButton) and focus.objectName().startswith("legal_missing."):
            break
    flags = [w for w in reached if w.objectName().startswith("legal_flag.")]
    assert flags, "each flag is a Tab stop"
    assert flags[0].accessibleName().startswith(("Vereist:", "Let op:", "Ter informatie:"))
    assert "Grondslag" in flags[0].accessibleDescription()
    link = QApplication.focusWidget()
    assert link.objectName().startswith("legal_missing."), [w.objectName() for w in reached]
    field_id = link.objectName().removeprefix("legal_missing.")
    qtbot.keyClick(link, Qt.Key.Key_Space)  # "Vul in" by keyboard
    qtbot.waitUntil(lambda: intake.editors[field_id].widget.hasFocus())


def test_help_text_is_shown_while_the_field_has_focus(qtbot: QtBot, session: DeskSession) -> None:
    _window, intake = window_with_intake(qtbot, session)
    with_help = [fid for fid, editor in intake.editors.items() if editor.field.help]
    field_id = next(fid for fid in with_help if fid.startswith("youth."))
    other = next(fid for fid in intake.editors if fid.startswith("youth.") and fid != field_id)
    row = intake.rows[field_id]
    intake.focus_field(field_id)
    qtbot.waitUntil(lambda: row.help.isVisible())
    assert row.help.text() == intake.editors[field_id].widget.accessibleDescription()
    intake.focus_field(other)
    qtbot.waitUntil(lambda: not row.help.isVisible())


def test_urgency_and_deadline_changes_are_announced_once(
    qtbot: QtBot, session: DeskSession
) -> None:
    view = IntakeView(session, legal_case(session))
    qtbot.addWidget(view)
    view.show()
    assert view.announcements == []
    view.state.values["triage.urgency"] = "U2"
    view.state.derived["triage.deadline"] = "2099-01-01T12:00:00+01:00"
    view._tick()
    view._tick()  # the minute countdown is not announced again
    assert len(view.announcements) == 1
    assert view.announcements[0].startswith("U2")
    assert view.deadline.accessibleName() == view.deadline.text()
    view.state.derived["triage.deadline"] = "2000-01-01T12:00:00+01:00"
    view._tick()  # the deadline passed: announced
    assert len(view.announcements) == 2 and "over tijd" in view.announcements[1]


def test_the_countdown_stops_once_handed_over(qtbot: QtBot, session: DeskSession) -> None:
    view = IntakeView(session, legal_case(session))
    qtbot.addWidget(view)
    view.state.values["triage.urgency"] = "U2"
    view.state.derived["triage.deadline"] = "2000-01-01T12:00:00+01:00"
    view.case = view.case.model_copy(update={"status": "handed_over"})
    view._tick()
    assert "over tijd" not in view.deadline.text()
    assert "overgedragen" in view.deadline.text()


@pytest.mark.parametrize("key", [Qt.Key.Key_Return, Qt.Key.Key_Enter])
def test_enter_in_search_opens_the_first_match_at_once(
    qtbot: QtBot, session: DeskSession, key: Qt.Key
) -> None:
    session.new_case({"youth.first_name": "Fleur"})
    wanted = session.new_case({"youth.first_name": "Noor"}).id
    window = MainWindow(session)
    active(qtbot, window)
    search = window.list_page.search
    search.setFocus()
    qtbot.keyClicks(search, "Noor")
    qtbot.keyClick(search, key)
    qtbot.waitUntil(lambda: window.tabs.count() == 2)
    assert wanted[:8] in window.tabs.tabText(window.tabs.currentIndex())
    window.tabs.setCurrentIndex(0)
    search.setFocus()
    qtbot.keyClick(search, Qt.Key.Key_Down)  # Down chooses in the list instead
    qtbot.waitUntil(window.list_page.table.hasFocus)


def test_read_only_text_does_not_look_editable(qtbot: QtBot, session: DeskSession) -> None:
    view = IntakeView(session, legal_case(session))
    qtbot.addWidget(view)
    editor = view.editors["youth.first_name"]
    editable_background = editor.widget.palette().base().color()
    editor.set_editable(False)
    view.show()
    QApplication.processEvents()
    assert editor.widget.isReadOnly()
    shown = editor.widget.grab().toImage().pixelColor(editor.widget.width() - 4, 4)
    assert shown != editable_background
    assert "alleen lezen" in editor.widget.accessibleDescription()
    editor.set_editable(True)
    assert "alleen lezen" not in editor.widget.accessibleDescription()
