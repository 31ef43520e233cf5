"""The merge view: every option and text box by keyboard only at 1280×720, readable values
(option labels, who and when in local time, wrapped), both texts or a hand-merged text."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication, QLabel, QPlainTextEdit, QRadioButton, QWidget
from pytestqt.qtbot import QtBot

from desktop.session.desk import DeskSession
from desktop.session.reconcile import Reconciler
from desktop.ui.reconcile_view import ReconcileListDialog, ReconcileView
from tests.unit.test_reconcile import OTTO_REASON, conflicting_case, notes_case

MERGED = "Somber sinds de zomer, slaapt slecht; school meldt verzuim."


def _focused() -> QWidget:
    widget = QApplication.focusWidget()
    assert widget is not None
    return widget


def _focused_radio() -> QRadioButton:
    widget = _focused()
    assert isinstance(widget, QRadioButton), widget
    return widget


def _open_by_keyboard(qtbot: QtBot, session: DeskSession, case_id: str) -> ReconcileView:
    listing = ReconcileListDialog(session)
    qtbot.addWidget(listing)
    listing.show()
    assert listing.case_ids() == [case_id]
    qtbot.keyClick(listing.list, Qt.Key.Key_Return)
    view = listing.findChild(ReconcileView)
    assert view is not None
    view.resize(1280, 720)
    qtbot.waitExposed(view)
    view.activateWindow()
    qtbot.waitUntil(lambda: isinstance(QApplication.focusWidget(), QRadioButton))
    return view


def _choose(qtbot: QtBot, view: ReconcileView, field_id: str, index: int) -> None:
    """From the field's focused option: Up to the first, Down ``index`` times, Space."""
    radios = view.radios[field_id]
    assert _focused_radio() in radios
    for _step in range(len(radios)):
        qtbot.keyClick(_focused_radio(), Qt.Key.Key_Up)
    assert _focused_radio() is radios[0]
    for _step in range(index):
        qtbot.keyClick(_focused_radio(), Qt.Key.Key_Down)
    qtbot.keyClick(_focused_radio(), Qt.Key.Key_Space)
    assert view.groups[field_id].checkedId() == index


def test_keyboard_only_merge_with_both_texts_and_an_edited_text(
    qtbot: QtBot, session: DeskSession
) -> None:
    case_id, _base, local_id, pulled_id = notes_case(session.store)
    view = _open_by_keyboard(qtbot, session, case_id)
    fields = list(view.fields)
    assert fields == [
        "situation.reason",
        "risk.suicidality",
        "risk.means_available",
        "risk.protective_factors",
    ]
    # readable: option labels (never raw values), who and when in local time, wrapped
    suicidality = view.fields["risk.suicidality"]
    assert [label.text() for label in suicidality.value_labels] == ["Concreet plan", "Gedachten"]
    assert view.fields["risk.means_available"].value_labels[1].text() == "ja"
    otto = view.radios["risk.suicidality"][1]
    assert "Otto Jansen, 03-12-2026 09:50" in otto.text()
    assert "ander apparaat" in otto.text()
    assert "Gedachten" in otto.accessibleName()
    viewport = view.fields_scroll.viewport()
    assert view.fields_scroll.widget().width() <= viewport.width() <= 1280
    long_label = view.fields["situation.reason"].value_labels[1]
    assert long_label.text() == OTTO_REASON
    assert long_label.wordWrap()
    right = long_label.mapTo(viewport, QPoint(long_label.width(), 0)).x()
    assert right <= viewport.width()
    assert long_label.height() > 2 * long_label.fontMetrics().height()  # wrapped, not cut

    # every option of every field can be reached with the arrow keys
    for field_id in fields:
        radios = view.radios[field_id]
        radios[0].setFocus()
        reached = [_focused_radio()]
        for _step in range(len(radios) - 1):
            qtbot.keyClick(_focused_radio(), Qt.Key.Key_Down)
            reached.append(_focused_radio())
        assert reached == radios
        assert all(not r.isChecked() for r in radios)  # moving is not choosing
    view.radios[fields[0]][0].setFocus()

    # situation.reason: write the merged text (Down to "zelf samenvoegen", Space, Tab)
    _choose(qtbot, view, "situation.reason", 3)
    qtbot.keyClick(_focused(), Qt.Key.Key_Tab)
    editor = _focused()
    assert isinstance(editor, QPlainTextEdit)
    assert "[Otto Jansen, 03-12-2026 09:50]" in editor.toPlainText()  # starts from both
    qtbot.keyClick(editor, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(editor, MERGED)
    qtbot.keyClick(editor, Qt.Key.Key_Tab)  # Tab leaves the text box
    _choose(qtbot, view, "risk.suicidality", 0)  # Anna: Concreet plan
    qtbot.keyClick(_focused(), Qt.Key.Key_Tab)
    assert not view.save_button.isEnabled()
    _choose(qtbot, view, "risk.means_available", 1)  # Otto: ja
    qtbot.keyClick(_focused(), Qt.Key.Key_Tab)
    _choose(qtbot, view, "risk.protective_factors", 2)  # both texts
    assert view.save_button.isEnabled()
    # Tab on to the save button (past the text box) and press it
    for _step in range(6):
        if _focused() is view.save_button:
            break
        qtbot.keyClick(_focused(), Qt.Key.Key_Tab)
    assert _focused() is view.save_button
    qtbot.keyClick(view.save_button, Qt.Key.Key_Space)

    result = view.result_version
    assert result is not None
    answers = result.answers
    assert answers["situation.reason"] == MERGED
    both = answers["risk.protective_factors"]
    assert "] Oma en de mentor op school." in both
    assert "[Anna de Vries, " in both
    assert "[Otto Jansen, 03-12-2026 09:50] Wel eerder gesneden (vorig jaar)." in both
    assert answers["risk.suicidality"] == "plan"
    assert answers["risk.means_available"] == "yes"
    assert {local_id, pulled_id} <= {v.version.id for v in session.store.cases.versions(case_id)}
    assert Reconciler(session.store).cases() == []


def test_an_emptied_merged_text_is_refused_at_the_field(qtbot: QtBot, session: DeskSession) -> None:
    case_id, *_ = notes_case(session.store)
    view = ReconcileView(session, case_id)
    qtbot.addWidget(view)
    view.show()
    for radios in view.radios.values():
        radios[0].click()
    reason = view.fields["situation.reason"]
    assert reason.editor is not None
    reason.editor.setPlainText("   ")  # typing there chooses "zelf samenvoegen"
    assert reason.choice() == "edited"
    view.save()
    assert view.result_version is None
    assert reason.diff.label in view.message.text()
    assert "leeg" in view.message.text()
    assert reason.editor.hasFocus() or not view.isActiveWindow()
    assert len(session.store.cases.versions(case_id)) == 3


def test_keyboard_pick_per_field_in_a_list_and_save(qtbot: QtBot, session: DeskSession) -> None:
    case_id, _base, local_id, pulled_id = conflicting_case(session.store)
    view = _open_by_keyboard(qtbot, session, case_id)
    listing = view.parent()
    assert isinstance(listing, ReconcileListDialog)
    heads = [h.version.id for h in view.described.heads]
    fields = list(view.fields)
    assert set(fields) == {"youth.municipality", "youth.last_name", "call.caller_name"}
    wanted = {field_id: row % 2 for row, field_id in enumerate(fields)}
    for row, field_id in enumerate(fields):
        _choose(qtbot, view, field_id, wanted[field_id])
        if row < len(fields) - 1:
            qtbot.keyClick(_focused(), Qt.Key.Key_Tab)
            while not isinstance(_focused(), QRadioButton):  # past a merged-text box
                qtbot.keyClick(_focused(), Qt.Key.Key_Tab)
    assert view.save_button.isEnabled()
    view.save_button.setFocus()
    qtbot.keyClick(view.save_button, Qt.Key.Key_Space)
    result = view.result_version
    assert result is not None
    versions = {v.version.id: v for v in session.store.cases.versions(case_id)}
    for field_id, index in wanted.items():
        assert result.answers.get(field_id) == versions[heads[index]].answers.get(field_id)
    assert {local_id, pulled_id} <= set(versions)
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
    assert all(
        isinstance(label, QLabel) for field in view.fields.values() for label in field.value_labels
    )
