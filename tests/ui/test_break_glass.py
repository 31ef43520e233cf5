"""Break-the-glass in the desk (issue 21), from the keyboard: a case outside the view
opens only with a reason; an empty reason is refused with a Dutch message at the field."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desktop.session.desk import DeskSession, now_local
from desktop.store import Actor, Store
from desktop.ui.break_glass import BreakGlassDialog
from desktop.ui.main_window import MainWindow
from doorloop_protocol.privacy import DEFAULT_WINDOW_DAYS

COLLEAGUE = Actor(user_id="colleague", display_name="Bram", role="desk", device_id="dev-2")


def old_session(store: Store) -> tuple[DeskSession, str]:
    profile = store.profile() or store.create_profile("Anna de Vries", "desk")
    case = store.cases.create(
        COLLEAGUE,
        form_version="1",
        answers={"youth.first_name": "Noor", "call.received_at": "2026-11-20T10:00:00+01:00"},
        region="demo",
        training=False,
    )
    later = now_local() + timedelta(days=DEFAULT_WINDOW_DAYS + 3)
    return DeskSession(store, replace(profile), clock=lambda: later), case.id


def test_the_dialog_refuses_an_empty_reason_at_the_field(qtbot: QtBot, store: Store) -> None:
    session, case_id = old_session(store)
    dialog = BreakGlassDialog(session, case_id)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    assert dialog.reason.accessibleName() == "Reden" and dialog.note.accessibleName()
    qtbot.keyClick(dialog, Qt.Key.Key_Return)  # Open without a reason
    assert dialog.isVisible() and dialog.reason_error.isVisible()
    assert "Kies een reden" in dialog.reason_error.text()
    assert dialog.reason.hasFocus()
    qtbot.keyClick(dialog.reason, Qt.Key.Key_Down)  # the first reason on the list
    qtbot.keyClick(dialog.reason, Qt.Key.Key_Tab)
    assert dialog.note.hasFocus()
    dialog.accept()
    assert dialog.note_error.isVisible() and "Licht de reden toe" in dialog.note_error.text()
    qtbot.keyClicks(dialog.note, "Noor belt opnieuw")
    dialog.accept()
    assert dialog.opened_case_id == case_id
    events = [e for e in store.audit.events(case_id=case_id) if e.action == "break_glass"]
    assert events and events[0].details["reason"] == "continuity"


def test_searching_older_cases_from_the_menu(qtbot: QtBot, store: Store) -> None:
    session, case_id = old_session(store)
    window = MainWindow(session)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    assert window.list_page.model.rowCount() == 0  # the old case is not in the list
    seen: list[str] = []

    def fill() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, BreakGlassDialog):
            QTimer.singleShot(20, fill)
            return
        try:
            search(dialog)
        finally:
            if dialog.isVisible():
                dialog.reject()

    def search(dialog: BreakGlassDialog) -> None:
        assert dialog.search is not None
        qtbot.keyClicks(dialog.search, "Noor")
        dialog.reason.setCurrentIndex(dialog.reason.findData("quality"))
        qtbot.keyClicks(dialog.note, "Kwaliteitsonderzoek")
        dialog.run_search()
        assert dialog.results is not None and dialog.results.count() == 1
        seen.append(dialog.results.item(0).text())
        dialog.accept()

    QTimer.singleShot(0, fill)
    window.older_action.trigger()
    assert seen and "Noor" in seen[0]
    views = window.case_views()
    assert [getattr(v, "case_id", None) for v in views] == [case_id]


def test_who_opened_this_file_lists_the_break_the_glass_reason(qtbot: QtBot, store: Store) -> None:
    from desktop.ui.access_log import AccessLogDialog

    session, case_id = old_session(store)
    session.break_glass(case_id, "emergency", "Politie aan de lijn")
    rows = session.access_log(case_id)
    assert [r["action"] for r in rows] == ["create", "break_glass", "read"]
    assert rows[1]["reason"] == "emergency — Politie aan de lijn"
    dialog = AccessLogDialog(session, case_id)
    qtbot.addWidget(dialog)
    assert dialog.tree.accessibleName() and dialog.tree.topLevelItemCount() == 3
    assert dialog.tree.topLevelItem(1).text(2) == "noodtoegang"
    assert "Politie" in dialog.tree.topLevelItem(1).text(4)
