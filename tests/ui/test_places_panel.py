"""*Plaats zoeken* by keyboard (pytest-qt): Ctrl+Shift+P in a triaged case opens the
panel on the desk's kept directory (offline), ranked matches with their reasons and
freshness, every excluded unit with its reasons in words, *stand van*; *Reserveren*
without a server says it needs to be online; against the real central API (a process,
SQLite) it places the hold and the panel shows the unit's new count."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desktop.store import Store
from desktop.store.sync_state import SyncState
from desktop.sync.credentials import Credentials
from desktop.sync.directory import DIRECTORY_AS_OF
from desktop.sync.local import DEVICE_ID, SERVER_URL
from desktop.ui.intake_view import IntakeView
from desktop.ui.places_panel import PlacesPanel
from tests.helpers.central import PASSWORD, serve
from tests.helpers.intake import session_with_role
from tests.ui.mnemonics import doubles
from tests.ui.test_accessibility import problems
from tests.ui.test_intake_view import INTAKE, show

DEMO = Path(__file__).resolve().parents[2] / "coordination" / "examples" / "directory-demo.json"
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
ALT = Qt.KeyboardModifier.AltModifier


def keep_directory(store: Store, directory: dict[str, Any], as_of: datetime) -> None:
    """What a pull leaves in the store (tests/integration/sync covers the pull itself)."""
    state = SyncState(store.db)
    with store.atomic():
        for seq, org in enumerate(directory["organizations"], start=1):
            state.put_reference("directory_organization", org["id"], org, seq)
        for seq, unit in enumerate(directory["units"], start=100):
            state.put_reference("directory_unit", unit["id"], unit, seq)
        state.set(DIRECTORY_AS_OF, as_of.isoformat())


def triaged(store: Store) -> str:
    desk = session_with_role(store, "desk", "Anna de Vries")
    case = desk.new_case({**INTAKE, "youth.gender": "female"})
    desk.mark_ready(case.id)
    triagist = session_with_role(store, "triagist", "Tim Triagist")
    triagist.decide_triage(case.id, "U1", "crisis_admission", "Opname vandaag.")
    return case.id


def panel_of(qtbot: QtBot, view: IntakeView) -> PlacesPanel:
    qtbot.keyClick(view, Qt.Key.Key_P, CTRL_SHIFT)
    qtbot.waitUntil(lambda: isinstance(getattr(view, "places_panel", None), PlacesPanel))
    panel: PlacesPanel = view.places_panel  # type: ignore[attr-defined]
    qtbot.waitExposed(panel)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None and panel.isActiveWindow())
    return panel


def test_ctrl_shift_p_shows_ranked_matches_and_reasons_offline(qtbot: QtBot, store: Store) -> None:
    case_id = triaged(store)
    keep_directory(store, json.loads(DEMO.read_text("utf-8")), datetime.now(UTC))
    triagist = session_with_role(store, "triagist", "Tim Triagist")
    view = show(qtbot, IntakeView(triagist, case_id))
    panel = panel_of(qtbot, view)
    assert panel.accessibleName() == "Plaats zoeken"
    assert problems(panel) == []  # every control named and reachable by Tab
    assert doubles(panel) == {}  # no mnemonic used twice
    assert panel.as_of.text().startswith("Stand van: ")
    assert panel.outcome is not None and panel.outcome.placement_needed
    assert panel.matches.count() >= 1
    qtbot.waitUntil(lambda: QApplication.focusWidget() is panel.matches)
    first = panel.matches.item(0).text()
    assert first.startswith("1. ") and "vrij" in first
    # every unit is either a match or excluded, never both; excluded say why in words
    matched = {r.unit_id for r in panel.outcome.matches}
    excluded = {r.unit_id for r in panel.outcome.excluded}
    assert matched.isdisjoint(excluded) and len(matched | excluded) == 12
    texts = [panel.excluded.item(i).text() for i in range(panel.excluded.count())]
    assert any("Biedt deze vorm van zorg niet." in t for t in texts)
    # stale figures are shown with their age, never hidden
    stale = [r for r in panel.outcome.matches if r.stale]
    for row in stale:
        assert "verouderd" in row.line()
    # arrows choose a match; its reasons follow
    if panel.matches.count() > 1:
        qtbot.keyClick(panel.matches, Qt.Key.Key_Down)
        assert panel.matches.currentRow() == 1
    assert panel.reasons.text()
    assert panel.reserve_button.isEnabled()
    # the asks are shown and editable: an 11-year-old finds other units than a 14-year-old
    assert panel.ask_age.value() == 14
    first_matches = {r.unit_id for r in panel.outcome.matches}
    qtbot.keyClick(panel, Qt.Key.Key_L, ALT)
    qtbot.waitUntil(lambda: panel.ask_age.hasFocus())
    panel.ask_age.selectAll()
    qtbot.keyClicks(panel.ask_age, "11")
    qtbot.keyClick(panel, Qt.Key.Key_Z, ALT)
    qtbot.waitUntil(lambda: panel.outcome is not None and panel.outcome.result.asks.age == 11)
    assert "leeftijd 11" in panel.asks.text()
    assert {r.unit_id for r in panel.outcome.matches} != first_matches
    panel.ask_age.selectAll()
    qtbot.keyClicks(panel.ask_age, "14")
    qtbot.keyClick(panel, Qt.Key.Key_Z, ALT)
    qtbot.waitUntil(lambda: panel.outcome is not None and panel.outcome.result.asks.age == 14)
    assert {r.unit_id for r in panel.outcome.matches} == first_matches
    panel.matches.setFocus()
    # offline: reserving says it needs the central API
    qtbot.keyClick(panel, Qt.Key.Key_R, ALT)
    qtbot.waitUntil(lambda: "alleen online" in panel.status.text())
    # Overdragen aan… the chosen unit: a requested referral, kept until the next sync
    chosen = panel.selected_unit()
    qtbot.keyClick(panel, Qt.Key.Key_O, ALT)
    qtbot.waitUntil(lambda: "Verwijzing aangemaakt" in panel.status.text())
    [view_of] = triagist.referrals.of_case(case_id)
    referral = view_of.referral
    assert referral.status.value == "requested" and referral.to_unit_id == chosen
    assert view_of.pending == 1
    # what the receiving party reads before and after accepting (its web page, its desk)
    assert {"urgency", "age_band", "feedback", "handover"} <= set(referral.summary)
    for widget in (
        panel.matches,
        panel.excluded,
        panel.reserve_button,
        panel.refer_button,
        panel.reasons,
    ):
        assert widget.objectName() and widget.accessibleName()
    qtbot.keyClick(panel, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not panel.isVisible())


def test_an_undecided_case_is_told_to_decide_first(qtbot: QtBot, store: Store) -> None:
    desk = session_with_role(store, "desk", "Anna de Vries")
    case = desk.new_case(INTAKE)
    keep_directory(store, json.loads(DEMO.read_text("utf-8")), datetime.now(UTC))
    view = show(qtbot, IntakeView(desk, case.id))
    panel = panel_of(qtbot, view)
    assert "na de triagebeslissing" in panel.status.text()
    assert not panel.reserve_button.isEnabled()


def test_reserveren_places_a_hold_on_the_real_server(
    qtbot: QtBot, store: Store, tmp_path: Path
) -> None:
    from central_api.storage import Storage
    from coordination.directory import load_directory

    url = f"sqlite:///{tmp_path / 'central.db'}"
    central = Storage.open(url)
    try:
        central.add_region("noord")
        central.add_user("tim", PASSWORD, role="triagist", region="noord")
        central.import_directory("noord", load_directory(json.loads(DEMO.read_text("utf-8"))))
    finally:
        central.close()
    case_id = triaged(store)
    with serve(url) as server:
        login = httpx.post(
            f"{server.base}/v1/auth/login",
            json={"username": "tim", "password": PASSWORD, "device_name": "desk"},
        ).json()
        state = SyncState(store.db)
        with store.atomic():
            state.set(SERVER_URL, server.base)
            state.set(DEVICE_ID, login["device_id"])
        Credentials(state, use_keyring=False).save(server.base, login["device_id"], login["token"])
        keep_directory(store, json.loads(DEMO.read_text("utf-8")), datetime.now(UTC))
        triagist = session_with_role(store, "triagist", "Tim Triagist")
        view = show(qtbot, IntakeView(triagist, case_id))
        panel = panel_of(qtbot, view)
        panel.search.use_keyring = False
        assert panel.matches.count() >= 1
        unit_id = panel.selected_unit()
        before = next(r.free for r in panel.outcome.matches if r.unit_id == unit_id)  # type: ignore[union-attr]
        qtbot.keyClick(panel.matches, Qt.Key.Key_R, ALT)  # Alt+R clicks after ~100 ms
        qtbot.waitUntil(lambda: "gereserveerd" in panel.status.text(), timeout=10000)
        assert "Plaats gereserveerd" in panel.status.text(), panel.status.text()
        kept = {u["id"]: u for u in SyncState(store.db).reference("directory_unit")}
        assert len(kept[unit_id]["capacity"]["holds"]) >= 1
        after = [r for r in panel.outcome.matches if r.unit_id == unit_id]  # type: ignore[union-attr]
        # its own hold does not take the place away from this case; the row says so
        assert after and after[0].free == before and after[0].held_for_case
        assert panel.selected_unit() == unit_id
        assert "gereserveerd voor deze casus" in panel.matches.currentItem().text()
        # Overdragen aan… the reserved unit: the requested referral waits for the sync
        # (the push of referrals is tested in tests/integration/sync/test_referrals.py)
        qtbot.keyClick(panel.matches, Qt.Key.Key_O, ALT)
        qtbot.waitUntil(lambda: "Verwijzing aangemaakt" in panel.status.text())
        [sent] = triagist.referrals.of_case(case_id)
        assert sent.referral.to_unit_id == unit_id and sent.pending == 1
    central = Storage.open(url)
    try:
        unit = central.export_directory("noord").unit(str(unit_id))
        assert [hold.case_id for hold in unit.capacity.holds] == [case_id]
    finally:
        central.close()


def test_the_panel_in_english_has_no_double_mnemonics(qtbot: QtBot, store: Store) -> None:
    from desktop.i18n import set_language

    case_id = triaged(store)
    keep_directory(store, json.loads(DEMO.read_text("utf-8")), datetime.now(UTC))
    set_language("en")
    panel = PlacesPanel(session_with_role(store, "triagist", "Tim Triagist"), case_id)
    qtbot.addWidget(panel)
    panel.show()
    assert panel.windowTitle() == "Find a place"
    assert panel.matches.item(0).text().startswith("1. ") and "free" in panel.matches.item(0).text()
    assert problems(panel) == [] and doubles(panel) == {}
