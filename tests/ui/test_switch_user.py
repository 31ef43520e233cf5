"""*Wissel gebruiker* by keyboard: two users on one desk PC, each with their own passphrase.

The desk worker (Anna) takes an intake and marks it ready; she switches user with
Ctrl+Shift+L; the triagist (Tim) picks his name on the lock screen, types his own
passphrase and decides in the same, still open tab. The audit trail names each of them
for what they did, and nothing of the intake was lost in between.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desktop.session.desk import DeskSession
from desktop.store import Store, open_store
from desktop.ui.intake_view import IntakeView
from desktop.ui.main_window import MainWindow
from tests.helpers.intake import answer, expect_focus, focused, press
from tests.helpers.stores import PASSPHRASE
from tests.ui.mnemonics import doubles
from tests.ui.test_intake_keyboard import saved, type_the_intake

ALT = Qt.KeyboardModifier.AltModifier
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
TIM_PASSPHRASE = "tim triageert vannacht"


@pytest.fixture
def two_users(tmp_path: Path) -> Iterator[Store]:
    """A store opened by Anna (desk, its first user) that Tim (triagist) may unlock too."""
    store = open_store(tmp_path / "data", PASSPHRASE)
    store.create_profile("Anna de Vries", "desk")
    store.add_user("Tim Triagist", "triagist", TIM_PASSPHRASE)
    yield store
    if not store.locked:
        store.close()


def test_the_triagist_takes_over_the_desk_and_decides_by_keyboard(
    qtbot: QtBot, two_users: Store
) -> None:
    store = two_users
    anna = store.profile()
    assert anna is not None
    window = MainWindow(DeskSession(store, anna))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    assert window.user_label.text() == "Anna de Vries — Medewerker meldpunt"

    press(Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)  # a new intake in a tab
    qtbot.waitUntil(lambda: isinstance(window.tabs.currentWidget(), IntakeView))
    view = window.tabs.currentWidget()
    assert isinstance(view, IntakeView)
    view.go_to_section(0)
    type_the_intake(qtbot, view)
    press(Qt.Key.Key_K, ALT)  # Klaar voor triage
    qtbot.waitUntil(lambda: view.case.status == "ready_for_triage")
    assert not view.decide_button.isVisible(), "a desk worker has no decide button"
    case_id = view.case_id

    # Wissel gebruiker: the window locks, the case stays open underneath
    press(Qt.Key.Key_L, CTRL_SHIFT)
    qtbot.waitUntil(lambda: store.locked and window.overlay.isVisible())
    panel = window.overlay.panel
    assert "Wissel gebruiker" in panel.prompt.text()
    assert panel.user.isVisible() and panel.selected_user() is None, "the next person picks"
    assert [panel.user.itemText(i) for i in range(panel.user.count())] == [
        "Kies uw naam",
        "Anna de Vries",
        "Tim Triagist",
    ]
    assert focused() is panel.user
    assert panel.user.accessibleName() == "Gebruiker"
    assert window.tabs.count() == 2 and window.tabs.widget(1) is view

    # the name alone is not enough: Enter in the passphrase field without a name chosen
    QTest.keyClick(panel.user, Qt.Key.Key_Tab)
    assert focused() is panel.passphrase
    QTest.keyClicks(panel.passphrase, TIM_PASSPHRASE)
    QTest.keyClick(panel.passphrase, Qt.Key.Key_Return)
    assert store.locked and "Kies eerst uw naam" in panel.error.text()
    assert focused() is panel.user

    QTest.keyClicks(panel.user, "Tim")  # the list's type-ahead
    assert panel.user.currentText() == "Tim Triagist"
    QTest.keyClick(panel.user, Qt.Key.Key_Tab)
    panel.passphrase.clear()
    QTest.keyClicks(panel.passphrase, PASSPHRASE)  # Anna's passphrase is not Tim's
    QTest.keyClick(panel.passphrase, Qt.Key.Key_Return)
    assert store.locked and "Onjuiste wachtwoordzin" in panel.error.text()
    panel.passphrase.clear()
    with qtbot.waitSignal(window.unlocked, timeout=5000):
        QTest.keyClicks(panel.passphrase, TIM_PASSPHRASE)
        QTest.keyClick(panel.passphrase, Qt.Key.Key_Return)

    assert window.session.profile.display_name == "Tim Triagist"
    assert window.user_label.text() == "Tim Triagist — Triagist"
    assert window.tabs.currentWidget() is view, "the open intake is still there"
    assert view.decide_button.isVisible(), "the triagist may decide"
    view.activateWindow()
    view.setFocus()
    press(Qt.Key.Key_8, ALT)  # jump to Triage
    expect_focus("triage.urgency")
    answer("triage.urgency", "1")  # U1 Direct
    answer("triage.domains", "1")
    answer("triage.intervention", "b")  # Beoordeling ter plaatse
    answer("triage.assigned_to", "Crisisdienst Jeugd Utrecht")
    answer("triage.rationale", "Plan en middelen; duo beoordeelt ter plaatse.")
    saved(qtbot, view)
    before = view.action_message.text()
    press(Qt.Key.Key_T, ALT)  # Triage vastleggen
    qtbot.waitUntil(lambda: view.case.status == "triaged" or view.action_message.text() != before)
    assert view.case.status == "triaged", view.action_message.text()

    case = store.cases.get(case_id)
    assert case.answers["youth.first_name"] == "Sem", "nothing of Anna's intake was lost"
    assert case.answers["triage.decided_by"] == "Tim Triagist"
    by_action: dict[str, set[str]] = {}
    for event in store.audit.events(case_id=case_id):
        by_action.setdefault(event.action, set()).add(event.display_name)
    assert by_action["create"] == {"Anna de Vries"}
    assert by_action["status"] >= {"Anna de Vries"}
    assert by_action["decide"] == {"Tim Triagist"}
    trail = [(e.action, e.display_name) for e in store.audit.events() if e.case_id is None]
    assert ("switch_user", "Anna de Vries") in trail
    assert ("unlock", "Tim Triagist") in trail
    assert store.audit.verify().ok
    versions = {v.version.created_by_name for v in store.cases.versions(case_id)}
    assert versions == {"Anna de Vries", "Tim Triagist"}


def test_the_first_user_adds_a_colleague_who_then_unlocks_as_themselves(
    qtbot: QtBot, two_users: Store
) -> None:
    store = two_users
    anna = store.profile()
    assert anna is not None
    window = MainWindow(DeskSession(store, anna))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    assert window.add_user_action.isVisible(), "the device's first user may add users"
    dialog = window.open_add_user()
    assert dialog is not None
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    assert dialog.windowTitle() == "Doorloop — gebruiker toevoegen"
    assert focused().objectName() == "profile.display_name"
    QTest.keyClicks(focused(), "tim triagist")  # the name is taken (any case)
    QTest.keyClick(focused(), Qt.Key.Key_Tab)
    QTest.keyClicks(focused(), "C")  # the role list's type-ahead: Coördinator
    QTest.keyClick(focused(), Qt.Key.Key_Tab)
    QTest.keyClicks(focused(), "carla haar eigen zin")
    QTest.keyClick(focused(), Qt.Key.Key_Tab)
    QTest.keyClicks(focused(), "carla haar eigen zin")
    QTest.keyClick(focused(), Qt.Key.Key_Return)
    assert dialog.isVisible() and "al een gebruiker" in dialog.name_error.text()
    assert focused().objectName() == "profile.display_name"
    focused().clear()  # type: ignore[attr-defined]
    QTest.keyClicks(focused(), "Carla Smit")
    QTest.keyClick(focused(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert [u.display_name for u in store.users()] == [
        "Anna de Vries",
        "Tim Triagist",
        "Carla Smit",
    ]
    carla = store.users()[-1]
    assert (carla.role, carla.added_by) == ("coordinator", anna.local_id)

    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    window.switch_user()
    panel = window.overlay.panel
    assert not window.centralWidget().isEnabled(), "what is under the cover takes no keys"
    assert doubles(window.overlay) == {}
    QTest.keyClicks(panel.user, "Carla")
    QTest.keyClick(panel.user, Qt.Key.Key_Tab)
    with qtbot.waitSignal(window.unlocked, timeout=5000):
        QTest.keyClicks(panel.passphrase, "carla haar eigen zin")
        QTest.keyClick(panel.passphrase, Qt.Key.Key_Return)
    assert window.user_label.text() == "Carla Smit — Coördinator / spelverdeler"
    assert window.add_user_action.isVisible(), "a coordinator may add users"

    window.switch_user()
    # a new type-ahead search starts after the keyboard input interval (a person is slower)
    qtbot.wait(QApplication.keyboardInputInterval() + 100)
    QTest.keyClicks(panel.user, "Tim")
    assert panel.user.currentText() == "Tim Triagist", panel.error.text()
    QTest.keyClick(panel.user, Qt.Key.Key_Tab)
    assert focused() is panel.passphrase
    with qtbot.waitSignal(window.unlocked, timeout=5000):
        QTest.keyClicks(panel.passphrase, TIM_PASSPHRASE)
        QTest.keyClick(panel.passphrase, Qt.Key.Key_Return)
    assert not window.add_user_action.isVisible(), "a triagist may not"
    assert window.open_add_user() is None
    added = [e for e in store.audit.events() if e.action == "user_added"]
    assert [(e.display_name, e.details["name"]) for e in added] == [
        ("Anna de Vries", "Tim Triagist"),
        ("Anna de Vries", "Carla Smit"),
    ]


def test_own_passphrase_and_removing_a_user_from_the_desk(qtbot: QtBot, two_users: Store) -> None:
    from desktop.store import WrongPassphrase
    from desktop.ui.user_dialogs import PassphraseDialog, RemoveUserDialog

    store = two_users
    anna = store.profile()
    assert anna is not None
    window = MainWindow(DeskSession(store, anna))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    assert window.remove_user_action.isVisible() and window.passphrase_action.isVisible()

    dialog = window.open_change_passphrase()
    assert isinstance(dialog, PassphraseDialog)
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    assert focused() is dialog.old
    for text in ("niet mijn zin", "anna haar nieuwe zin", "anna haar nieuwe zin"):
        QTest.keyClicks(focused(), text)
        QTest.keyClick(focused(), Qt.Key.Key_Tab)
    dialog.submit()
    assert dialog.isVisible() and "Onjuiste wachtwoordzin" in dialog.old_error.text()
    assert focused() is dialog.old
    dialog.old.clear()
    QTest.keyClicks(dialog.old, PASSPHRASE)
    QTest.keyClick(dialog.old, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not dialog.isVisible())

    remove = window.open_remove_user()
    assert isinstance(remove, RemoveUserDialog)
    qtbot.waitExposed(remove)
    assert [remove.user.itemText(i) for i in range(remove.user.count())] == [
        "Tim Triagist — Triagist"
    ], "not oneself"
    remove.activateWindow()
    qtbot.waitUntil(remove.isActiveWindow)
    QTest.keyClick(focused(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not remove.isVisible())
    assert [u.display_name for u in store.users()] == ["Anna de Vries"]

    window.close()
    store.close()
    with pytest.raises(WrongPassphrase):
        open_store(store.path.parent, TIM_PASSPHRASE)  # removed: his passphrase opens nothing
    with pytest.raises(WrongPassphrase):
        open_store(store.path.parent, PASSPHRASE)  # Anna's old one neither
    reopened = open_store(store.path.parent, "anna haar nieuwe zin")
    trail = [(e.action, e.display_name) for e in reopened.audit.events()]
    reopened.close()
    assert ("passphrase_changed", "Anna de Vries") in trail
    assert ("user_removed", "Anna de Vries") in trail


def test_a_new_passphrase_too_short_or_typed_differently_is_refused(
    qtbot: QtBot, two_users: Store
) -> None:
    """The same rule and messages as the profile form (one check for both)."""
    from desktop.ui.user_dialogs import PassphraseDialog

    anna = two_users.profile()
    assert anna is not None
    dialog = PassphraseDialog(DeskSession(two_users, anna))
    qtbot.addWidget(dialog)
    dialog.old.setText(PASSPHRASE)
    dialog.new.setText("te kort")
    dialog.repeat.setText("te kort")
    dialog.submit()
    assert dialog.new_error.text() == "De wachtwoordzin moet minstens 10 tekens lang zijn."
    assert not dialog.new_error.isHidden()
    dialog.new.setText("anna haar nieuwe zin")
    dialog.repeat.setText("anna haar andere zin")
    dialog.submit()
    assert dialog.new_error.text() == "De twee wachtwoordzinnen zijn niet gelijk."
    assert dialog.old_error.isHidden()
    two_users.close()
    open_store(two_users.path.parent, PASSPHRASE).close()  # unchanged
