"""Referrals on the desk, by keyboard (pytest-qt): a triagist refers a case and the case
view shows both timers; a receiver's desk acknowledges and accepts; a breach appears in
Verlopen afspraken with a visible and audible alert, is acknowledged and stays so after
a restart of the window and session; a coordinator re-assigns; Plaatsing nodig after a
decline; every new window and dialog has names and unique Alt mnemonics."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from desktop.session.desk import DeskSession
from desktop.session.referral_info import refer_with_summary, targets
from desktop.store import Store
from desktop.store.sync_state import SyncState
from desktop.ui.main_window import MainWindow
from desktop.ui.referral_dialogs import AcceptDialog, CancelDialog, DeclineDialog, ReferDialog
from tests.helpers.stores import make_session
from tests.ui.mnemonics import doubles
from tests.ui.test_accessibility import active, problems
from tests.unit.session.test_referrals import T0, Clock, bind_organization, session, triaged_case

CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
ALT = Qt.KeyboardModifier.AltModifier
SHOTS = os.environ.get("DOORLOOP_SCREENSHOTS")
"""A folder to save the flow's screenshots in (docs/screenshots/referral-*.png):
``DOORLOOP_SCREENSHOTS=docs/screenshots pytest tests/ui/test_referrals_ui.py``."""


@pytest.fixture
def clock() -> Clock:
    return Clock()


def directory(store: Store) -> None:
    """A profile and two units of the directory (as pulled from the central API)."""
    make_session(store)
    state = SyncState(store.db)
    for seq, (unit, org, name) in enumerate(
        [("u-1", "org-1", "Crisisteam Jeugd Noord"), ("u-2", "org-2", "Crisisbedden Zuid")]
    ):
        state.put_reference(
            "provider", unit, {"id": unit, "region": "r", "name": name, "organisation": org}, seq
        )


def window_for(qtbot: QtBot, desk: DeskSession) -> tuple[MainWindow, list[int]]:
    window = MainWindow(desk)
    beeps: list[int] = []
    window.alerts.beep = lambda: beeps.append(1)
    active(qtbot, window)
    return window, beeps


def press(qtbot: QtBot, key: Qt.Key, modifier: Any = Qt.KeyboardModifier.NoModifier) -> None:
    """A key to whatever has the focus (after a dialog closed: once its window is active
    again, which the offscreen platform leaves to the caller)."""
    if QApplication.focusWidget() is None:
        window = next(w for w in QApplication.topLevelWidgets()
                      if isinstance(w, MainWindow) and w.isVisible())  # fmt: skip
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None)
    widget = QApplication.focusWidget()
    assert widget is not None
    qtbot.keyClick(widget, key, modifier)


def shot(widget: QWidget, name: str) -> None:
    if SHOTS:
        widget.resize(1280, 720)
        QApplication.processEvents()
        assert widget.grab().save(str(Path(SHOTS) / name))


def refer_by_keyboard(qtbot: QtBot, window: MainWindow, case_id: str) -> Any:
    window.open_case(case_id)
    intake: Any = window.tabs.currentWidget()
    panel = intake.referral_panel
    qtbot.waitUntil(panel.isVisible)
    intake.setFocus()
    press(qtbot, Qt.Key.Key_V, CTRL_SHIFT)  # Overdragen aan…
    qtbot.waitUntil(lambda: isinstance(panel.dialog, ReferDialog) and panel.dialog.isVisible())
    dialog = panel.dialog
    qtbot.waitUntil(dialog.target.hasFocus)
    assert dialog.chosen().unit_id == "u-2"  # the units by name
    press(qtbot, Qt.Key.Key_Down)
    assert dialog.chosen().unit_id == "u-1"
    qtbot.keyClick(dialog.target, Qt.Key.Key_Tab)  # name and phone are off for a unit
    qtbot.keyClicks(QApplication.focusWidget(), "Graag vandaag bellen")
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    return intake


def test_a_triagist_refers_and_the_case_view_counts_both_timers_down(
    qtbot: QtBot, store: Store, clock: Clock
) -> None:
    directory(store)
    case_id = triaged_case(store, clock)
    triagist = session(store, "triagist", clock)
    window, _beeps = window_for(qtbot, triagist)
    intake = refer_by_keyboard(qtbot, window, case_id)
    panel = intake.referral_panel
    (view,) = triagist.referrals.of_case(case_id)
    summary = view.referral.summary
    assert set(summary) >= {"urgency", "age_band", "legal_route", "setting", "feedback",
                            "handover"} - {"legal_route"}  # fmt: skip
    assert "Crisishulp vandaag." in summary["handover"]
    assert summary["urgency"].startswith("U2")
    assert "Crisisteam Jeugd Noord" in panel.status.text()
    assert "Verzonden" in panel.status.text()
    ack = panel.timer_labels["acknowledge"].text()
    contact = panel.timer_labels["first_contact"].text()
    assert ack.startswith("U2") and "bevestigen vóór 04:00" in ack and "nog 30 min" in ack
    assert "eerste contact vóór 07:12" in contact and "nog 3 u 42 min" in contact
    assert panel.history.count() == 1 and "Tess" in panel.history.item(0).text()
    clock.now = T0 + timedelta(minutes=31)
    panel.tick()
    assert "VERLOPEN, 1 min over tijd" in panel.timer_labels["acknowledge"].text()
    shot(window, "referral-case-view.png")


def test_a_receiver_acknowledges_and_accepts_by_keyboard(
    qtbot: QtBot, store: Store, clock: Clock
) -> None:
    directory(store)
    case_id = triaged_case(store, clock)
    sender = session(store, "triagist", clock)
    unit = next(t for t in targets(sender) if t.unit_id == "u-1")
    rid = refer_with_summary(sender, case_id, target=unit).referral.id
    bind_organization(store, "org-1")
    receiver = session(store, "receiver", clock, "Rob Ontvanger")
    window, _beeps = window_for(qtbot, receiver)
    page = window.receiver_page
    assert page is not None and window.tabs.currentWidget() is page  # opened at start
    assert page.table.rowCount() == 1
    assert "Crisishulp vandaag." not in page.detail.toPlainText()  # handover after accepting
    press(qtbot, Qt.Key.Key_B, ALT)  # Ontvangst bevestigen
    qtbot.waitUntil(lambda: receiver.referrals.get(rid).referral.status.value == "received")
    press(qtbot, Qt.Key.Key_E, ALT)  # Accepteren…
    qtbot.waitUntil(lambda: isinstance(page.dialog, AcceptDialog) and page.dialog.isVisible())
    dialog = page.dialog
    qtbot.waitUntil(dialog.when.hasFocus)
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    referral = receiver.referrals.get(rid).referral
    assert referral.status.value == "accepted"
    assert referral.first_contact_agreed == T0 + timedelta(hours=1)
    assert "Geaccepteerd" in page.detail.toPlainText()
    assert "Crisishulp vandaag." in page.detail.toPlainText()
    shot(window, "referral-receiver.png")
    # a move the status does not allow: refused with a Dutch message
    press(qtbot, Qt.Key.Key_B, ALT)
    qtbot.waitUntil(lambda: page.message.text() != "Geaccepteerd.")
    assert page.message.text() == "Deze stap kan niet in de huidige status van de verwijzing."
    press(qtbot, Qt.Key.Key_H, ALT)  # Eerste contact gehad
    press(qtbot, Qt.Key.Key_R, ALT)  # Afronden
    qtbot.waitUntil(lambda: receiver.referrals.get(rid).referral.status.value == "completed")


def test_a_breach_alerts_is_acknowledged_and_stays_so_after_a_restart(
    qtbot: QtBot, store: Store, clock: Clock
) -> None:
    directory(store)
    case_id = triaged_case(store, clock)
    coordinator = session(store, "coordinator", clock, "Cor")
    coordinator.referrals.refer(case_id, unit_id="u-1", organization_id="org-1")
    clock.now = T0 + timedelta(minutes=45)  # acknowledge by (30 min) passed
    window, beeps = window_for(qtbot, coordinator)
    window.refresh_status()
    assert beeps == [1]
    assert window.alert_banner.isVisible() and "1 verlopen afspraak" in window.alert_banner.text()
    assert window.alert_badge.isVisible()
    press(qtbot, Qt.Key.Key_A, CTRL_SHIFT)  # Verlopen afspraken
    page = window.overdue_page
    assert page is not None and window.tabs.currentWidget() is page and page.table.hasFocus()
    assert page.table.rowCount() == 1
    assert page.table.item(0, 0).text().startswith("15 min")
    assert page.table.item(0, 7).text() == "NIEUW"
    shot(window, "referral-overdue.png")
    press(qtbot, Qt.Key.Key_G, ALT)  # Gezien (alarm uit)
    qtbot.waitUntil(lambda: not window.alert_banner.isVisible())
    assert window.alert_badge.isVisible()  # still listed until the step is made
    window.refresh_status()
    assert beeps == [1]
    window.close()
    # a restart: a new session and window on the same store
    again = session(store, "coordinator", clock, "Cor")
    again = DeskSession(store, coordinator.profile, clock=clock)
    window2, beeps2 = window_for(qtbot, again)
    window2.refresh_status()
    assert beeps2 == [] and not window2.alert_banner.isVisible()
    assert window2.alert_badge.isVisible()
    clock.now = T0 + timedelta(hours=4)  # first contact by (07:12) passed: a new breach
    window2.refresh_status()
    assert beeps2 == [1] and window2.alert_banner.isVisible()


def test_a_coordinator_reassigns_from_verlopen_afspraken(
    qtbot: QtBot, store: Store, clock: Clock
) -> None:
    directory(store)
    case_id = triaged_case(store, clock)
    coordinator = session(store, "coordinator", clock, "Cor")
    old = coordinator.referrals.refer(case_id, unit_id="u-1", organization_id="org-1")
    clock.now = T0 + timedelta(minutes=45)
    window, _beeps = window_for(qtbot, coordinator)
    page = window.open_overdue()
    press(qtbot, Qt.Key.Key_O, ALT)  # Opnieuw toewijzen…
    qtbot.waitUntil(lambda: isinstance(page.dialog, ReferDialog) and page.dialog.isVisible())
    dialog = page.dialog
    qtbot.waitUntil(dialog.cancel_reason.hasFocus)
    press(qtbot, Qt.Key.Key_Return)  # no reason: refused at the field
    assert dialog.errors["cancel_reason"].text() == "Geef een reden voor het intrekken."
    assert dialog.isVisible()
    qtbot.keyClicks(dialog.cancel_reason, "Geen reactie binnen de termijn")
    press(qtbot, Qt.Key.Key_E, ALT)  # the unit field
    assert dialog.target.hasFocus()
    assert dialog.chosen().unit_id == "u-2"
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    views = coordinator.referrals.of_case(case_id)
    assert [v.referral.status.value for v in views] == ["cancelled", "requested"]
    assert views[0].referral.id == old.referral.id
    assert views[0].referral.cancel_reason == "Geen reactie binnen de termijn"
    assert views[1].referral.to_unit_id == "u-2"
    assert page.table.rowCount() == 0
    window.open_case(case_id)
    panel = window.tabs.currentWidget().referral_panel  # type: ignore[union-attr]
    lines = [panel.history.item(i).text() for i in range(panel.history.count())]
    assert "Crisisbedden Zuid" in panel.status.text()
    assert any(
        line.startswith("Eerdere verwijzing") and "Ingetrokken (Geen reactie" in line
        for line in lines
    ), lines


def test_plaatsing_nodig_after_a_decline(qtbot: QtBot, store: Store, clock: Clock) -> None:
    directory(store)
    case_id = triaged_case(store, clock)
    coordinator = session(store, "coordinator", clock, "Cor")
    rid = coordinator.referrals.refer(case_id, unit_id="u-1", organization_id="org-1").referral.id
    bind_organization(store, "org-1")
    receiver = session(store, "receiver", clock, "Rob Ontvanger")
    rwindow, _b = window_for(qtbot, receiver)
    page = rwindow.receiver_page
    assert page is not None
    press(qtbot, Qt.Key.Key_I, ALT)  # Afwijzen…
    qtbot.waitUntil(lambda: isinstance(page.dialog, DeclineDialog) and page.dialog.isVisible())
    dialog = page.dialog
    qtbot.waitUntil(dialog.reason.hasFocus)
    press(qtbot, Qt.Key.Key_End)  # "Anders (toelichting nodig)"
    assert dialog.reason.currentData() == "other"
    press(qtbot, Qt.Key.Key_Return)
    assert dialog.isVisible() and dialog.text.hasFocus()
    assert dialog.errors["text"].text() == "Geef een toelichting bij de reden 'anders'."
    qtbot.keyClicks(dialog.text, "Wachtlijst tot volgende week")
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert receiver.referrals.get(rid).referral.status.value == "declined"
    rwindow.close()
    window, _beeps = window_for(qtbot, coordinator)
    press(qtbot, Qt.Key.Key_N, CTRL_SHIFT)  # Plaatsing nodig
    placement = window.placement_page
    assert placement is not None and placement.table.rowCount() == 1
    assert placement.table.item(0, 2).text() == "Afgewezen"
    reason = placement.table.item(0, 3).text()
    assert reason == "Anders (toelichting nodig): Wachtlijst tot volgende week"
    shot(window, "referral-placement.png")
    press(qtbot, Qt.Key.Key_N, ALT)  # Nieuwe verwijzing…
    qtbot.waitUntil(
        lambda: isinstance(placement.dialog, ReferDialog) and placement.dialog.isVisible()
    )
    new = placement.dialog
    qtbot.waitUntil(new.target.hasFocus)
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not new.isVisible())
    assert placement.table.rowCount() == 0
    assert coordinator.referrals.of_case(case_id)[-1].referral.status.value == "requested"


def test_names_and_mnemonics_of_the_referral_windows(
    qtbot: QtBot, store: Store, clock: Clock
) -> None:
    directory(store)
    case_id = triaged_case(store, clock)
    coordinator = session(store, "coordinator", clock, "Cor")
    assert [t.unit_id for t in targets(coordinator)] == ["u-2", "u-1"]  # by name
    window, _beeps = window_for(qtbot, coordinator)
    window.open_case(case_id)
    QApplication.processEvents()
    assert problems(window) == [] and doubles(window) == {}
    rid = coordinator.referrals.refer(case_id, unit_id="u-1", organization_id="org-1").referral.id
    window.tabs.currentWidget().referral_panel.refresh()  # type: ignore[union-attr]
    assert problems(window) == [] and doubles(window) == {}
    clock.now = T0 + timedelta(minutes=45)
    for page in (window.open_overdue(), window.open_placement()):
        QApplication.processEvents()
        assert problems(window) == [], page.objectName()
        assert doubles(window) == {}, page.objectName()
    dialogs: list[QWidget] = [
        ReferDialog(coordinator, case_id),
        ReferDialog(coordinator, case_id, referral_id=rid),
        CancelDialog(coordinator, rid),
        AcceptDialog(coordinator, rid),
        DeclineDialog(coordinator, rid),
    ]
    for dialog in dialogs:
        qtbot.addWidget(dialog)
        dialog.show()
        QApplication.processEvents()
        assert problems(dialog) == [], dialog.windowTitle()
        assert doubles(dialog) == {}, dialog.windowTitle()
    bind_organization(store, "org-1")
    receiver = session(store, "receiver", clock, "Rob")
    rwindow, _b = window_for(qtbot, receiver)
    QApplication.processEvents()
    assert problems(rwindow) == [] and doubles(rwindow) == {}


def test_a_refused_answer_shows_as_a_conflict_on_the_receiver_desk(
    qtbot: QtBot, store: Store, clock: Clock
) -> None:
    directory(store)
    case_id = triaged_case(store, clock)
    sender = session(store, "triagist", clock)
    rid = sender.referrals.refer(case_id, unit_id="u-1", organization_id="org-1").referral.id
    bind_organization(store, "org-1")
    receiver = session(store, "receiver", clock, "Rob Ontvanger")
    accepted = receiver.referrals.accept(rid, T0 + timedelta(hours=1)).referral.last_event_id
    # the central API refused it: another party answered first (kept, never applied)
    store.referrals.mark_refused(accepted, "concurrent_move")
    window, _beeps = window_for(qtbot, receiver)
    page = window.receiver_page
    assert page is not None
    qtbot.waitUntil(page.conflict.isVisible)
    assert page.conflict.text().startswith("CONFLICT: Uw stap 'Geaccepteerd' is geweigerd")
    assert "Status: Verzonden" in page.detail.toPlainText()


def test_the_feedback_letter_is_offered_once_accepted(
    qtbot: QtBot, store: Store, clock: Clock
) -> None:
    directory(store)
    case_id = triaged_case(store, clock)
    sender = session(store, "triagist", clock)
    rid = sender.referrals.refer(case_id, unit_id="u-1", organization_id="org-1").referral.id
    window, _beeps = window_for(qtbot, sender)
    window.open_case(case_id)
    panel: Any = window.tabs.currentWidget().referral_panel  # type: ignore[union-attr]
    assert not panel.buttons["feedback"].isVisibleTo(window)
    bind_organization(store, "org-1")
    session(store, "receiver", clock, "Rob Ontvanger").referrals.accept(
        rid, T0 + timedelta(hours=1)
    )
    # the view follows the store's change feed: no refresh by hand
    qtbot.waitUntil(lambda: panel.buttons["feedback"].isVisibleTo(window))
    assert "eerste contact afgesproken 23-11-2026 04:30" in panel.status.text()
    panel.buttons["feedback"].setFocus()
    press(qtbot, Qt.Key.Key_Z, ALT)  # Terugkoppeling voor verwijzer…
    qtbot.waitUntil(lambda: panel.dialog is not None and panel.dialog.isVisible())
    assert panel.dialog.kind.currentData() == "feedback"
    panel.dialog.reject()


def test_the_case_views_panel_answers_by_keyboard(qtbot: QtBot, store: Store, clock: Clock) -> None:
    """The panel's answers (the same code as the receiver page's): a coordinator records
    the answers of a named party without organisation; each stored step says the new
    status, a refused one why, and the dialog gives the focus back to the panel."""
    directory(store)
    case_id = triaged_case(store, clock)
    coordinator = session(store, "coordinator", clock, "Cor")
    rid = coordinator.referrals.refer(case_id, name="Huisarts De Vries").referral.id
    window, _beeps = window_for(qtbot, coordinator)
    window.open_case(case_id)
    panel: Any = window.tabs.currentWidget().referral_panel  # type: ignore[union-attr]
    qtbot.waitUntil(lambda: panel.buttons["receive"].isVisibleTo(window))
    panel.buttons["receive"].setFocus()
    press(qtbot, Qt.Key.Key_B, ALT)  # Ontvangst bevestigen
    qtbot.waitUntil(lambda: coordinator.referrals.get(rid).referral.status.value == "received")
    assert panel.message.text() == "Ontvangen."
    press(qtbot, Qt.Key.Key_E, ALT)  # Accepteren…
    qtbot.waitUntil(lambda: isinstance(panel.dialog, AcceptDialog) and panel.dialog.isVisible())
    dialog = panel.dialog
    qtbot.waitUntil(dialog.when.hasFocus)
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert coordinator.referrals.get(rid).referral.status.value == "accepted"
    assert panel.message.text() == "Geaccepteerd."
    qtbot.waitUntil(lambda: window.focusWidget() is panel.history)  # back in the panel
    panel.start()
    assert panel.message.text() == "Eerste contact gehad."
    panel.receive()  # not allowed any more: refused in Dutch, shown as an error
    assert panel.message.text() == "Deze stap kan niet in de huidige status van de verwijzing."
    assert "B71C1C" in panel.message.styleSheet()
    panel.complete()
    assert coordinator.referrals.get(rid).referral.status.value == "completed"
