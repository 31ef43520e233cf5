"""The reconciliation view: pick a side per field by keyboard only, then save a new version."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QRadioButton
from pytestqt.qtbot import QtBot

from desktop.desk import DeskSession
from desktop.reconcile import Reconciler
from desktop.ui.reconcile_view import ReconcileListDialog, ReconcileView
from tests.unit.test_reconcile import conflicting_case


def _focused_radio() -> QRadioButton:
    widget = QApplication.focusWidget()
    assert isinstance(widget, QRadioButton), widget
    return widget


def test_keyboard_pick_per_field_and_save(qtbot: QtBot, session: DeskSession) -> None:
    case_id, _base, local_id, pulled_id = conflicting_case(session.store)
    listing = ReconcileListDialog(session)
    qtbot.addWidget(listing)
    listing.show()
    assert listing.case_ids() == [case_id]
    qtbot.keyClick(listing.list, Qt.Key.Key_Return)
    view = listing.findChild(ReconcileView)
    assert view is not None
    qtbot.waitExposed(view)
    view.activateWindow()
    qtbot.waitUntil(lambda: isinstance(QApplication.focusWidget(), QRadioButton))
    heads = [h.version.id for h in view.described.heads]
    fields = list(view.groups)
    assert set(fields) == {"youth.municipality", "youth.last_name", "call.caller_name"}
    assert not view.save_button.isEnabled()
    # the first field's first side has focus; choose per row: first → Space (side A),
    # then Tab to the next row; second row → Right arrow moves to side B and picks it
    wanted: dict[str, int] = {}
    for row, field_id in enumerate(fields):
        radio = _focused_radio()
        assert radio in view.radios[field_id]
        if row % 2 == 0:
            qtbot.keyClick(radio, Qt.Key.Key_Space)
            wanted[field_id] = view.radios[field_id].index(radio)
        else:
            qtbot.keyClick(radio, Qt.Key.Key_Right)
            moved = _focused_radio()
            if not moved.isChecked():
                qtbot.keyClick(moved, Qt.Key.Key_Space)
            wanted[field_id] = view.radios[field_id].index(moved)
            assert wanted[field_id] == 1
        assert view.groups[field_id].checkedId() == wanted[field_id]
        if row < len(fields) - 1:
            qtbot.keyClick(_focused_radio(), Qt.Key.Key_Tab)
    assert view.save_button.isEnabled()
    view.save_button.setFocus()
    qtbot.keyClick(view.save_button, Qt.Key.Key_Space)
    assert view.result_version is not None
    result = view.result_version
    versions = {v.version.id: v for v in session.store.cases.versions(case_id)}
    for field_id, index in wanted.items():
        source = versions[heads[index]]
        assert result.answers.get(field_id) == source.answers.get(field_id)
    assert {local_id, pulled_id} <= set(versions)
    assert set(heads) - {result.version.base_version_id} != set()
    assert Reconciler(session.store).cases() == []
    assert session.store.cases.get(case_id).version.id == result.version.id
    qtbot.waitUntil(lambda: listing.case_ids() == [])
    assert listing.empty.isVisibleTo(listing)


def test_save_needs_a_choice_for_every_field(qtbot: QtBot, session: DeskSession) -> None:
    case_id, *_ = conflicting_case(session.store)
    view = ReconcileView(session, case_id)
    qtbot.addWidget(view)
    view.show()
    first = next(iter(view.radios.values()))
    first[1].click()
    assert not view.save_button.isEnabled()
    assert "2" in view.message.text()
    view.save()
    assert view.result_version is None
    assert len(session.store.cases.versions(case_id)) == 3
