"""The history after a two-device merge: each version compared with its own base, each
version's own time in the desk's local time, Dutch words, ordered by number then time."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from PySide6.QtWidgets import QPushButton
from pytestqt.qtbot import QtBot

from desktop.session.desk import DeskSession
from desktop.session.reconcile import BOTH_TEXTS, Reconciler
from desktop.ui.history_view import HistoryDialog
from tests.unit.test_reconcile import OTTO_REASON, notes_case


def test_history_after_a_two_device_merge(qtbot: QtBot, session: DeskSession) -> None:
    case_id, base_id, local_id, pulled_id = notes_case(session.store)
    result = Reconciler(session.store).resolve(
        case_id,
        {
            "situation.reason": pulled_id,
            "risk.suicidality": local_id,
            "risk.means_available": pulled_id,
            "risk.protective_factors": BOTH_TEXTS,
        },
        session.actor,
    )
    case = session.get_case(case_id)
    form = session.form_for(case)
    dialog = HistoryDialog(session, case_id, form)
    qtbot.addWidget(dialog)
    entries = dialog.entries
    ids = [e.version_id for e in entries]
    # oldest first: by number, then each version's own time; the merge comes last
    assert ids[0] == base_id
    assert set(ids[1:3]) == {local_id, pulled_id}
    assert ids[3] == result.version.id
    assert [(e.number, e.created_at) for e in entries] == sorted(
        (e.number, e.created_at) for e in entries
    )
    rows = dialog.rows()
    row = {vid: index for index, vid in enumerate(ids)}
    otto, anna, merged = row[pulled_id], row[local_id], row[result.version.id]
    # Otto's version shows its own time (09:50 local), not the case's (09:30)
    assert rows[otto][1] == "03-12-2026 09:50"
    assert rows[otto][2] == "Otto Jansen"
    zone = ZoneInfo(form.timezone)
    local_time = next(e for e in entries if e.version_id == local_id).created_at
    assert rows[anna][1] == local_time.astimezone(zone).strftime("%d-%m-%Y %H:%M")
    # each branch is compared with its own base (version 1), never with the other branch
    assert rows[otto][0] == "2 (op basis van versie 1)"
    otto_changes = dict(map(tuple, dialog.changes(otto)))
    assert "Suïcidaliteit" not in otto_changes  # Otto did not touch it: no "downgrade"
    assert otto_changes["Middelen beschikbaar"] == "(leeg) → ja"
    assert otto_changes["Beschermende factoren"] == (
        "Oma woont om de hoek. → Wel eerder gesneden (vorig jaar)."
    )
    anna_changes = dict(map(tuple, dialog.changes(anna)))
    assert anna_changes["Suïcidaliteit"] == "Gedachten → Concreet plan"
    # the merge: in Dutch, compared with the head it is based on
    based_on = result.version.base_version_id
    assert rows[merged][0] == "3 (op basis van versie 2)"
    assert rows[merged][4].startswith("Samengevoegd")
    assert "reconcile" not in " ".join(" ".join(r) for r in rows)
    merged_changes = dict(map(tuple, dialog.changes(merged)))
    if based_on == pulled_id:
        assert merged_changes["Suïcidaliteit"] == "Gedachten → Concreet plan"
    else:
        assert merged_changes["Middelen beschikbaar"] == "(leeg) → ja"
    assert "Beschermende factoren" in merged_changes
    assert [b.text() for b in dialog.findChildren(QPushButton)] == ["Sluiten"]


def test_history_shows_a_long_merged_text_whole_at_1280x720(
    qtbot: QtBot, session: DeskSession
) -> None:
    """A merge that kept both texts: the list cell cannot hold it, the detail pane under
    the list shows the selected version's changes in full; field labels are not cut."""
    case_id, _base, local_id, pulled_id = notes_case(session.store)
    Reconciler(session.store).resolve(
        case_id,
        {
            "situation.reason": BOTH_TEXTS,
            "risk.suicidality": local_id,
            "risk.means_available": pulled_id,
            "risk.protective_factors": BOTH_TEXTS,
        },
        session.actor,
    )
    dialog = HistoryDialog(session, case_id, session.form_for(session.get_case(case_id)))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert dialog.width() <= 1280 and dialog.height() <= 720
    detail = dialog.detail_text()  # the newest version (the merge) is selected
    assert detail.startswith("Versie 3 (op basis van versie 2)")
    assert OTTO_REASON in detail  # the whole text, not elided
    assert "[Otto Jansen, 03-12-2026 09:50] Wel eerder gesneden (vorig jaar)." in detail
    labels = dialog.tree.topLevelItem(0)
    assert labels is not None
    metrics = dialog.tree.fontMetrics()
    widest = max(metrics.horizontalAdvance(label) for label, _change in dialog.changes(0))
    assert dialog.tree.columnWidth(3) >= widest  # labels whole
    dialog.tree.setCurrentItem(labels.child(0))  # a field row selects its version
    assert dialog.detail_text().startswith("Versie 1 ")
