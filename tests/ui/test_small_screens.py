"""Windows and dialogs fit a 1280×720 (and 1366×768) laptop: nothing off-screen, nothing
cut off, the legal panel visible without scrolling, validation messages whole."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QPoint, QRect, QSize
from PySide6.QtWidgets import QApplication, QLabel, QWidget
from pytestqt.qtbot import QtBot

from desktop.session.desk import DeskSession
from desktop.ui.access_dialogs import ProfileDialog, UnlockDialog
from desktop.ui.main_window import MainWindow
from desktop.ui.report_dialog import ReportDialog
from desktop.ui.screen_fit import FRAME_ROOM, fit_to_screen

SCREENS = [QRect(0, 0, 1280, 720), QRect(0, 0, 1366, 768)]


def inside(widget: QWidget, top: QWidget) -> bool:
    """The whole of ``widget`` lies within ``top``'s client area."""
    corner = widget.mapTo(top, QPoint(0, 0))
    return top.rect().contains(QRect(corner, widget.size()))


def case_with_legal_answers(session: DeskSession) -> str:
    return session.new_case(
        {
            "youth.first_name": "Sem",
            "youth.birth_date": "2010-05-14",
            "legal.care_type": "voluntary_admission",
            "legal.youth_position": "consents",
        }
    ).id


@pytest.mark.parametrize("screen", SCREENS, ids=["1280x720", "1366x768"])
def test_main_window_and_status_bar_fit(qtbot: QtBot, session: DeskSession, screen: QRect) -> None:
    window = MainWindow(session)
    qtbot.addWidget(window)
    size = fit_to_screen(window, QSize(1200, 760), available=screen)
    window.show()
    QApplication.processEvents()
    assert size.height() + FRAME_ROOM.height() <= screen.height()
    assert window.height() + FRAME_ROOM.height() <= screen.height()
    assert window.width() <= screen.width()
    assert inside(window.statusBar(), window)
    assert window.statusBar().isVisible()


def test_the_legal_panel_starts_above_the_fold(qtbot: QtBot, session: DeskSession) -> None:
    window = MainWindow(session)
    qtbot.addWidget(window)
    fit_to_screen(window, QSize(1200, 760), available=SCREENS[0])
    window.show()
    window.open_case(case_with_legal_answers(session))
    intake: Any = window.tabs.currentWidget()
    intake.go_to_section([s.id for s in intake.form.sections].index("legal"))
    QApplication.processEvents()
    panel = intake.legal_panel
    scroll = intake.pages.currentWidget()
    viewport = scroll.viewport()
    top = panel.mapTo(viewport, QPoint(0, 0)).y()
    # the panel's heading and its first flag are in view without scrolling
    assert 0 <= top < viewport.height() // 3, (top, viewport.height())
    assert panel.height() > 0 and panel.isVisible()


@pytest.mark.parametrize("screen", SCREENS, ids=["1280x720", "1366x768"])
def test_print_dialog_buttons_are_on_screen(
    qtbot: QtBot, session: DeskSession, screen: QRect
) -> None:
    dialog = ReportDialog(session, case_with_legal_answers(session))
    qtbot.addWidget(dialog)
    fit_to_screen(dialog, QSize(820, 720), available=screen)
    dialog.show()
    QApplication.processEvents()
    assert dialog.height() + FRAME_ROOM.height() <= screen.height()
    for button in (dialog.print_button, dialog.save_button, dialog.close_button):
        assert inside(button, dialog), button.objectName()


def wrapped_whole(label: QLabel) -> bool:
    return label.isVisible() and label.height() >= label.heightForWidth(label.width())


def test_profile_validation_messages_are_not_cut_off(qtbot: QtBot) -> None:
    dialog = ProfileDialog(lambda *args: None)
    qtbot.addWidget(dialog)
    dialog.show()
    QApplication.processEvents()
    dialog.passphrase.setText("kort")
    dialog.repeat.setText("kort")
    dialog._submit()
    QApplication.processEvents()
    for label in (dialog.name_error, dialog.passphrase_error):
        assert wrapped_whole(label), label.text()
        assert inside(label, dialog), label.text()


def test_unlock_message_is_not_cut_off(qtbot: QtBot) -> None:
    from desktop.store import WrongPassphrase

    def refuse(_passphrase: str) -> None:
        raise WrongPassphrase("nee")

    dialog = UnlockDialog(refuse)
    qtbot.addWidget(dialog)
    dialog.show()
    QApplication.processEvents()
    dialog.panel.passphrase.setText("verkeerd")
    dialog.panel.submit()
    QApplication.processEvents()
    assert wrapped_whole(dialog.panel.error)
    assert inside(dialog.panel.error, dialog)
