"""*Wissel gebruiker* switches the sync identity, against a real `doorloop-central serve`.

Anna logs in to the central server and syncs; she hands the desk to Tim, who is not
logged in: the desk says so (Anna's login is not his) until Tim logs in as himself; when
Anna takes over again her own login is there, without logging in anew. Each has a
server device of their own.
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
from desktop.ui.main_window import MainWindow
from desktop.ui.sync_bridge import SyncBridge
from tests.helpers.stores import PASSPHRASE
from tests.integration.sync.conftest import PASSWORD, REGION, Central, sqlite_central

pytestmark = pytest.mark.gui

TIM_PASSPHRASE = "tim triageert vannacht"


@pytest.fixture(scope="module")
def central(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Central]:
    with sqlite_central(tmp_path_factory.mktemp("central")) as server:
        yield server


@pytest.fixture
def desk_pc(tmp_path: Path) -> Iterator[Store]:
    store = open_store(tmp_path / "data", PASSPHRASE)
    store.create_profile("Anna de Vries", "desk", region=REGION)
    store.add_user("Tim Triagist", "triagist", TIM_PASSPHRASE)
    yield store
    if not store.locked:
        store.close()


def _central_user(central: Central, name: str, role: str) -> str:
    """A central account for ``name`` (the desk takes the central name at login)."""
    import secrets

    username = f"{name.split()[0].lower()}-{secrets.token_hex(3)}"
    storage = central.storage()
    try:
        storage.add_user(username, PASSWORD, role=role, region=REGION, display_name=name)
    finally:
        storage.close()
    return username


def _take_over(qtbot: QtBot, window: MainWindow, name: str, passphrase: str) -> None:
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(
        window,
        Qt.Key.Key_L,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    panel = window.overlay.panel
    qtbot.waitUntil(window.overlay.isVisible)
    qtbot.wait(QApplication.keyboardInputInterval() + 100)  # a fresh type-ahead search
    QTest.keyClicks(panel.user, name)
    assert panel.user.currentText().startswith(name)
    QTest.keyClick(panel.user, Qt.Key.Key_Tab)
    with qtbot.waitSignal(window.unlocked, timeout=10_000):
        QTest.keyClicks(panel.passphrase, passphrase)
        QTest.keyClick(panel.passphrase, Qt.Key.Key_Return)


def test_a_switch_of_user_switches_the_sync_login(
    qtbot: QtBot, desk_pc: Store, central: Central, tmp_path: Path
) -> None:
    import random

    from desktop.sync import Backoff

    store = desk_pc
    window = MainWindow(DeskSession(store, store.profile()))  # type: ignore[arg-type]
    qtbot.addWidget(window)
    options = {
        "use_keyring": False,
        "backoff": Backoff(base=0.02, cap=0.1, rng=random.Random(3)),
        "max_attempts": 2,
    }
    bridge = SyncBridge(window, tmp_path / "data", interval=3600, engine_options=options)
    window.attach_sync(bridge)
    bridge.start(PASSPHRASE)
    window.show()
    qtbot.waitExposed(window)
    try:
        anna_login = _central_user(central, "Anna de Vries", "desk")
        tim_login = _central_user(central, "Tim Triagist", "triagist")
        with qtbot.waitSignal(bridge.sync_finished, timeout=20_000) as finished:
            assert bridge.login(central.url, anna_login, PASSWORD, "balie-pc")
        assert finished.args[0].outcome == "ok"
        qtbot.waitUntil(lambda: bridge.status is not None and bridge.status.logged_in)

        _take_over(qtbot, window, "Tim", TIM_PASSPHRASE)
        assert window.session.profile.display_name == "Tim Triagist"
        qtbot.waitUntil(lambda: "Niet aangemeld" in window.connection_label.text(), timeout=15_000)
        assert bridge.status is not None and not bridge.status.logged_in
        with qtbot.waitSignal(bridge.sync_finished, timeout=20_000) as finished:
            assert bridge.login(central.url, tim_login, PASSWORD, "balie-pc")
        assert finished.args[0].outcome == "ok"
        qtbot.waitUntil(lambda: bridge.status is not None and bridge.status.logged_in)

        _take_over(qtbot, window, "Anna", PASSPHRASE)
        assert window.session.profile.display_name == "Anna de Vries"
        # her own login is still there: no new login needed, and a sync runs as her
        qtbot.waitUntil(
            lambda: bridge.status is not None and bridge.status.logged_in, timeout=15_000
        )
        storage = central.storage()
        try:
            devices = {d.username: d for d in storage.list_devices(REGION)}
        finally:
            storage.close()
        assert devices[anna_login].id != devices[tim_login].id
        assert devices[anna_login].revoked_at is None and devices[tim_login].revoked_at is None
    finally:
        bridge.stop()
