"""The main window, driven with the keyboard as a desk worker would."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialog, QWidget
from pytestqt.qtbot import QtBot

from desktop.session.desk import DeskSession
from desktop.ui.case_list_model import CaseListModel
from desktop.ui.main_window import MainWindow
from tests.helpers.stores import PASSPHRASE


def make_window(qtbot: QtBot, session: DeskSession) -> MainWindow:
    window = MainWindow(session)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    return window


def seed(session: DeskSession) -> None:
    session.new_case(
        {
            "youth.first_name": "Fleur",
            "youth.last_name": "de Boer",
            "youth.birth_date": "2012-03-01",
            "call.received_at": "2026-11-20T10:00:00+01:00",
        }
    )
    session.new_case(
        {
            "call.caller_name": "Ömer Yılmaz",
            "youth.age_estimate": 15,
            "call.received_at": "2026-11-21T10:00:00+01:00",
        }
    )
    session.new_case(
        {"youth.municipality": "Súdwest-Fryslân", "call.received_at": "2026-11-22T10:00:00+01:00"}
    )


def test_ctrl_n_creates_a_draft_that_appears_in_the_list(
    qtbot: QtBot, session: DeskSession
) -> None:
    window = make_window(qtbot, session)
    assert window.list_page.proxy.rowCount() == 0
    qtbot.keyClick(window.focusWidget(), Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert session.store.cases.count() == 1
    assert window.list_page.proxy.rowCount() == 1
    assert window.tabs.count() == 2, "the new case opens in its own tab"
    status = window.list_page.model.index(0, 4).data()
    assert status == "Concept"
    assert window.list_page.model.index(0, 1).data() == "onbekend"


def test_search_as_you_type_and_enter_opens(qtbot: QtBot, session: DeskSession) -> None:
    seed(session)
    window = make_window(qtbot, session)
    page = window.list_page
    assert page.proxy.rowCount() == 3
    qtbot.keyClick(window.focusWidget(), Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert page.search.hasFocus()
    qtbot.keyClicks(page.search, "lmaz")  # QTest types ASCII only
    qtbot.waitUntil(lambda: page.proxy.rowCount() == 1)
    assert page.model.index(0, 2).data() == "± 15"
    qtbot.keyClick(page.search, Qt.Key.Key_Return)  # one press opens the match
    assert window.tabs.count() == 2
    opened = window.tabs.currentWidget()
    assert session.store.cases.get(opened.case_id).answers["call.caller_name"] == "Ömer Yılmaz"
    actions = [e.action for e in session.store.audit.events(case_id=opened.case_id)]
    assert actions[-1] == "read", "opening a case is audited"


def test_list_columns_show_age_and_newest_first(qtbot: QtBot, session: DeskSession) -> None:
    seed(session)
    window = make_window(qtbot, session)
    model = window.list_page.model
    names = [model.index(row, 1).data() for row in range(3)]
    assert names == ["onbekend", "onbekend", "Fleur de Boer"]
    assert model.index(2, 2).data() == "14"  # born 2012-03-01, called 2026-11-20
    assert model.index(0, 0).data() == "22-11-2026 10:00"


def test_sorting_is_done_by_the_store(qtbot: QtBot, session: DeskSession) -> None:
    seed(session)
    window = make_window(qtbot, session)
    window.list_page.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    model = window.list_page.model
    assert model.index(0, 0).data() == "20-11-2026 10:00"


def test_status_bar_names_user_role_and_unsynced(qtbot: QtBot, session: DeskSession) -> None:
    window = make_window(qtbot, session)
    assert window.user_label.text() == "Anna de Vries — Medewerker meldpunt"
    assert "offline" in window.connection_label.text()
    session.new_case()
    window.refresh_status()
    assert window.unsynced_label.text() == "1 casusversie nog niet verzonden"
    session.new_case()
    window.refresh_status()
    assert window.unsynced_label.text() == "2 casusversies nog niet verzonden"


def test_case_list_model_passes_the_model_tester(qtmodeltester, session: DeskSession) -> None:  # type: ignore[no-untyped-def]
    seed(session)
    model = CaseListModel(session)
    qtmodeltester.check(model)


def test_paging_fetches_more_rows(session: DeskSession) -> None:
    from desktop.ui.case_list_model import PAGE

    actor = session.actor
    with session.store.atomic():
        for n in range(PAGE + 5):
            session.store.cases.create(actor, answers={"youth.first_name": f"Kind{n:04d}"})
    model = CaseListModel(session)
    assert model.rowCount() == PAGE
    assert model.canFetchMore()
    model.fetchMore()
    assert model.rowCount() == PAGE + 5
    assert not model.canFetchMore()


def test_idle_lock_covers_the_window_and_unlock_returns(qtbot: QtBot, session: DeskSession) -> None:
    seed(session)
    window = make_window(qtbot, session)
    qtbot.keyClick(window.list_page.search, Qt.Key.Key_Return)
    open_tab = window.tabs.currentIndex()
    window.idle.set_minutes(0.001)  # 60 ms
    with qtbot.waitSignal(window.locked, timeout=2000):
        pass
    assert session.store.locked
    assert window.overlay.isVisible()
    panel = window.overlay.panel
    qtbot.keyClicks(panel.passphrase, "verkeerd wachtwoord")
    qtbot.keyClick(panel.passphrase, Qt.Key.Key_Return)
    assert panel.error.text() == "Onjuiste wachtwoordzin. Probeer het opnieuw."
    assert session.store.locked
    window.idle.set_minutes(5)
    panel.passphrase.clear()
    qtbot.keyClicks(panel.passphrase, PASSPHRASE)
    with qtbot.waitSignal(window.unlocked, timeout=5000):
        qtbot.keyClick(panel.passphrase, Qt.Key.Key_Return)
    assert not window.overlay.isVisible()
    assert window.tabs.currentIndex() == open_tab, "unlocking returns to the same view"
    assert session.store.cases.count() == 3
    actions = [e.action for e in session.store.audit.events()]
    assert actions[-2:] == ["lock", "unlock"]


# a menu is a popup: offscreen cannot raise it or grab the keyboard for it (harmless here)
@pytest.mark.qt_log_ignore("does not support raise", "does not support grabbing the keyboard")
def test_input_in_the_window_a_dialog_or_a_menu_postpones_the_idle_lock(
    qtbot: QtBot, session: DeskSession
) -> None:
    window = make_window(qtbot, session)
    window.idle.set_minutes(0.01)  # 600 ms

    def type_for_a_while(target: QWidget) -> None:
        # through the window system, as a keyboard delivers keys (to the window first)
        for _ in range(12):
            QTest.keyClick(target.windowHandle(), Qt.Key.Key_Shift)
            qtbot.wait(100)

    type_for_a_while(window)
    assert not session.store.locked, "1.2 s of typing: never 600 ms without activity"
    dialog = QDialog(window)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    type_for_a_while(dialog)
    assert not session.store.locked, "typing in a dialog is activity too"
    dialog.close()
    menu = window.menuBar().actions()[0].menu()
    menu.popup(window.mapToGlobal(QPoint(20, 20)))
    qtbot.waitExposed(menu)
    for step in range(12):
        QTest.mouseMove(menu, QPoint(10 + step % 3, 10))
        qtbot.wait(100)
    assert not session.store.locked, "moving through a menu is activity too"
    menu.close()
    with qtbot.waitSignal(window.locked, timeout=3000):
        pass
    assert session.store.locked


def test_training_window_is_visibly_different(qtbot: QtBot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from desktop.store import open_store
    from tests.helpers.stores import make_session

    store = open_store(tmp_path / "d", PASSPHRASE, training=True)
    window = make_window(qtbot, make_session(store))
    banner = window.findChild(type(window.user_label), "training_banner")
    assert banner is not None and "OEFENOMGEVING" in banner.text()
    assert "OEFENOMGEVING" in window.windowTitle()
    store.close()


def test_training_menu_opens_the_exercise_panel(qtbot: QtBot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from desktop.store import open_store
    from desktop.ui.training_window import TrainingPanel
    from tests.helpers.stores import make_session

    store = open_store(tmp_path / "d", PASSPHRASE, training=True)
    window = make_window(qtbot, make_session(store, role="trainer"))
    qtbot.keyClick(
        window.focusWidget(),
        Qt.Key.Key_O,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    assert isinstance(window.tabs.currentWidget(), TrainingPanel)
    window.close()
    store.close()


def test_production_window_offers_the_sandbox_as_a_separate_process(
    qtbot: QtBot, session: DeskSession
) -> None:
    from desktop.ui.main_window import sandbox_arguments

    window = make_window(qtbot, session)
    assert window.sandbox_action.text() == "&Oefenomgeving openen (apart venster)"
    arguments = sandbox_arguments(session.store.path)
    assert arguments[:3] == ["-m", "desktop", "--training"]
    assert arguments[4] == str(session.store.path.parent)


def test_ctrl_l_says_you_locked_it_and_idle_says_inactivity(
    qtbot: QtBot, session: DeskSession
) -> None:
    window = make_window(qtbot, session)
    qtbot.keyClick(window.focusWidget(), Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(window.overlay.isVisible)
    prompt = window.overlay.panel.prompt.text()
    assert prompt.startswith("U hebt Doorloop vergrendeld.")
    assert "zonder activiteit" not in prompt
    panel = window.overlay.panel
    qtbot.keyClicks(panel.passphrase, PASSPHRASE)
    with qtbot.waitSignal(window.unlocked, timeout=5000):
        qtbot.keyClick(panel.passphrase, Qt.Key.Key_Return)
    window.idle.set_minutes(0.001)
    with qtbot.waitSignal(window.locked, timeout=2000):
        pass
    assert "zonder activiteit" in window.overlay.panel.prompt.text()
    window.idle.set_minutes(5)


def arrow_rows(window: MainWindow) -> list[int]:
    """The widths, top to bottom, of the sort arrow drawn in the first column's header."""
    header = window.list_page.table.horizontalHeader()
    image = header.grab().toImage()
    right = header.sectionViewportPosition(0) + header.sectionSize(0)
    back = image.pixelColor(right - 40, 2)
    widths = []
    for y in range(2, image.height() - 3):
        dark = [
            x
            for x in range(right - 30, right - 2)
            if abs(image.pixelColor(x, y).lightness() - back.lightness()) > 60
        ]
        if dark:
            widths.append(len(dark))
    return widths


def test_newest_first_shows_a_down_arrow(qtbot: QtBot, session: DeskSession) -> None:
    window = make_window(qtbot, session)
    header = window.list_page.table.horizontalHeader()
    assert header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder  # newest first
    widths = arrow_rows(window)
    assert widths and widths[0] > widths[-1], widths  # ▼: widest at the top
    window.list_page.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    widths = arrow_rows(window)
    assert widths and widths[0] < widths[-1], widths  # ▲ for oldest first
