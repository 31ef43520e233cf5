"""Remote wipe (issue 21) as the desk shows it, against a real `doorloop-central serve`.

The administrator revokes the desk as lost (`doorloop-central device revoke --wipe`); at
its next contact the real sync worker erases the store and reports the run ``wiped``.
The main window then closes every case tab without saving what was typed, empties the
case list, shows one whole-window message with *Afsluiten* (Alt+A), and never touches
the (closed) store again. Also when the desk was locked when the wipe came.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QAbstractItemModel, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractItemView, QApplication, QWidget
from pytestqt.qtbot import QtBot

from central_api.__main__ import main as central_main
from desktop.session.desk import DeskSession
from desktop.store import Store, database_path
from desktop.store.keyslots import slots_dir
from desktop.ui import intake_view
from desktop.ui.intake_view import IntakeView
from desktop.ui.main_window import MainWindow
from desktop.ui.sync_bridge import SyncBridge
from desktop.ui.wiped_page import WipedPage
from tests.helpers.stores import PASSPHRASE
from tests.integration.sync.conftest import PASSWORD, REGION, Central, add_user, sqlite_central

pytestmark = pytest.mark.gui

NAMES = ("Wisprocia", "Veegmansen", "Gumberta")  # synthetic, found nowhere else


@pytest.fixture(scope="module")
def central(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Central]:
    with sqlite_central(tmp_path_factory.mktemp("central")) as server:
        yield server


@pytest.fixture
def closed_store_use(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every use of a locked (closed) store's connection: each would raise StoreLocked."""
    used: list[str] = []
    original = Store.sql

    def sql(self: Store) -> Any:
        if self._sql is None:
            used.append(self.path.name)
        return original.fget(self)  # type: ignore[attr-defined]

    monkeypatch.setattr(Store, "sql", property(sql))
    return used


@pytest.fixture
def desk(qtbot: QtBot, session: DeskSession, tmp_path: Path) -> Iterator[MainWindow]:
    import random

    from desktop.sync import Backoff

    options = {
        "use_keyring": False,
        "backoff": Backoff(base=0.02, cap=0.1, rng=random.Random(5)),
        "max_attempts": 2,
    }
    window = MainWindow(session)
    qtbot.addWidget(window)
    bridge = SyncBridge(window, tmp_path / "data", interval=3600, engine_options=options)
    window.attach_sync(bridge)
    bridge.start(PASSPHRASE)
    window.show()
    qtbot.waitExposed(window)
    yield window
    bridge.stop()


def _log_in_with_cases(qtbot: QtBot, desk: MainWindow, central: Central, device: str) -> str:
    """Synthetic cases, logged in and synced; returns the server's id of this device."""
    session = desk.session
    for first, last in zip(NAMES, reversed(NAMES), strict=True):
        session.new_case({"youth.first_name": first, "youth.last_name": last})
    desk.list_page.refresh()
    bridge = desk.sync_bridge
    qtbot.waitUntil(lambda: bridge.status is not None, timeout=15_000)
    with qtbot.waitSignal(bridge.sync_finished, timeout=20_000) as synced:
        assert bridge.login(central.url, add_user(central), PASSWORD, device)
    assert synced.args[0].outcome == "ok"
    storage = central.storage()
    try:
        (record,) = [d for d in storage.list_devices(REGION) if d.name == device]
    finally:
        storage.close()
    return record.id


def _revoke_with_wipe(central: Central, device_id: str) -> None:
    command = ["device", "revoke", device_id, "--wipe", "--database-url", central.database_url]
    with redirect_stdout(io.StringIO()):
        assert central_main(command) == 0


def _every_text() -> str:
    """What any live widget shows or tells a screen reader, and every item model's cells."""
    texts: list[str] = []
    models: set[int] = set()
    for widget in QApplication.allWidgets():
        for name in ("text", "windowTitle", "accessibleName", "toolTip", "placeholderText"):
            value = getattr(widget, name, None)
            if callable(value):
                try:
                    got = value()
                except TypeError:
                    continue
                if isinstance(got, str):
                    texts.append(got)
        if isinstance(widget, QAbstractItemView) and widget.model() is not None:
            model: QAbstractItemModel = widget.model()
            if id(model) in models:
                continue
            models.add(id(model))
            for row in range(model.rowCount()):
                for column in range(model.columnCount()):
                    texts.append(str(model.index(row, column).data() or ""))
    return "\n".join(texts)


def _assert_wiped_screen(qtbot: QtBot, desk: MainWindow, data_dir: Path) -> WipedPage:
    qtbot.waitUntil(lambda: desk.findChild(WipedPage) is not None, timeout=20_000)
    QTest.qWait(50)  # the closed tabs' widgets are deleted
    page = desk.findChild(WipedPage)
    assert page is not None and page.isVisible()
    assert desk.centralWidget() is page
    assert desk.sync_bridge.reports[-1].outcome == "wiped"
    assert desk.findChildren(IntakeView) == []  # no case tab open
    assert not desk.overlay.isVisible()
    assert not desk.menuBar().isVisible()
    assert all(not action.isEnabled() for action in desk.actions())
    text = _every_text()
    for name in NAMES:
        assert name not in text
    message = page.message
    assert message.isVisible()
    assert "op afstand gewist door de beheerder" in message.text()
    assert message.accessibleName() == message.text()
    assert page.quit_button.accessibleName() == "Afsluiten"
    assert page.quit_button.text() == "&Afsluiten"
    assert page.quit_button.hasFocus()
    path = database_path(data_dir)
    assert not path.exists()
    assert [p for p in slots_dir(path).rglob("*") if p.is_file()] == []
    return page


def _quit_with_alt_a(qtbot: QtBot, desk: MainWindow, monkeypatch: pytest.MonkeyPatch) -> None:
    quits: list[bool] = []
    monkeypatch.setattr(QApplication, "quit", staticmethod(lambda: quits.append(True)))
    desk.activateWindow()
    qtbot.waitUntil(desk.isActiveWindow)
    QTest.keyClick(desk, Qt.Key.Key_A, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: quits == [True], timeout=5_000)
    assert not desk.isVisible()


def test_a_wipe_closes_the_open_case_unsaved_and_shows_only_the_message(
    qtbot: QtBot,
    desk: MainWindow,
    central: Central,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    closed_store_use: list[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    device_id = _log_in_with_cases(qtbot, desk, central, "laptop-kwijt")
    assert NAMES[0] in _every_text()  # the list shows them before the wipe
    case_id = desk.session.summaries("", limit=10, offset=0)[0].id
    desk.open_case(case_id)
    (view,) = desk.findChildren(IntakeView)
    saves: list[object] = []
    real_save = desk.session.save_answers
    monkeypatch.setattr(
        desk.session, "save_answers", lambda *a, **k: saves.append(a) or real_save(*a, **k)
    )
    # typed a moment ago and not committed yet (the autosave waits long here)
    monkeypatch.setattr(intake_view, "SAVE_DELAY_MS", 600_000)
    monkeypatch.setattr(intake_view, "MAX_SAVE_WAIT_MS", 600_000)
    editor = view.editors["youth.first_name"].widget
    editor.setFocus()
    QTest.keyClicks(editor, "x")
    assert view._dirty

    _revoke_with_wipe(central, device_id)
    desk.sync_now_action.trigger()  # the next contact: the real worker erases the store
    _assert_wiped_screen(qtbot, desk, tmp_path / "data")
    assert saves == []  # what was typed was dropped, never saved
    assert desk.session.store.locked
    _quit_with_alt_a(qtbot, desk, monkeypatch)
    assert saves == []
    assert closed_store_use == []  # nothing tried the closed store (no StoreLocked)
    assert not database_path(tmp_path / "data").exists()  # nothing written back
    assert [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")] == []
    # a later start finds no store and nobody to unlock: it offers a new first profile
    from desktop.store.slot_kdf import list_users, store_exists

    assert not store_exists(tmp_path / "data") and list_users(tmp_path / "data") == []


def test_a_wipe_while_locked_replaces_the_lock_screen(
    qtbot: QtBot,
    desk: MainWindow,
    central: Central,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    closed_store_use: list[str],
) -> None:
    """A stolen laptop, locked: the worker's sync after the lock meets the wipe."""
    device_id = _log_in_with_cases(qtbot, desk, central, "laptop-gestolen")
    desk.open_case(desk.session.summaries("", limit=10, offset=0)[0].id)
    _revoke_with_wipe(central, device_id)
    desk.lock()  # the worker keeps syncing what was committed: it meets the wipe
    _assert_wiped_screen(qtbot, desk, tmp_path / "data")
    assert closed_store_use == []
    widgets = [w for w in desk.findChildren(QWidget) if w.isVisible()]
    assert desk.overlay not in widgets
    _quit_with_alt_a(qtbot, desk, monkeypatch)
