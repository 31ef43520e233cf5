"""Test driver for the SIGKILL autosave test: the real app window, typed into with QTest.

``python -m tests.helpers.intake_driver type DATA_DIR`` opens the store the way the app
does (``desktop.app``: ``EarlyOpen`` with ``DOORLOOP_PASSPHRASE``), builds the real
``MainWindow``, starts a new case with Ctrl+N and types :data:`SCRIPT` field by field into
the real widgets. After each field it waits until the view shows "opgeslagen" and prints
``saved <field id>``; then it goes on typing until it is killed.

``python -m tests.helpers.intake_driver steady DATA_DIR`` starts a new case the same way and
types :data:`STEADY_TEXT` into "Wat is er aan de hand?" without a pause, a key every
:data:`STEADY_KEY_MS`, printing ``typed <n> <monotonic time>`` after each key, until killed.

``python -m tests.helpers.intake_driver resume DATA_DIR`` starts the same way and lets the
window offer the unfinished intakes (as ``desktop.app.run`` does at start-up), accepts the
offer with Enter, and prints ``opened <case id>`` and ``value <field id> <text>`` for what
the reopened view shows.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from desktop.app import EarlyOpen, _open_or_create
from desktop.i18n import set_language
from desktop.session.desk import DeskSession
from desktop.ui.intake_view import IntakeView
from desktop.ui.main_window import MainWindow

# (field id, keys typed, stored value)
SCRIPT: list[tuple[str, str, object]] = [
    ("call.caller_role", "o", "parent"),
    ("call.caller_name", "Ouder Testkind", "Ouder Testkind"),
    ("call.caller_phone", "06-12345678", "0612345678"),
    ("youth.first_name", "Sem", "Sem"),
    ("youth.last_name", "Testkind", "Testkind"),
    ("youth.birth_date", "15-03-2012", "2012-03-15"),
    ("youth.current_location", "t", "home"),
    ("situation.reason", "Sem wil niet meer leven en heeft een plan.", None),
    ("risk.suicidality", "3", "plan"),
    ("risk.means_available", "j", "yes"),
    ("situation.youth_need", "Rust en iemand die luistert.", None),
    ("network.significant_others", "Oma komt vannacht langs.", None),
    ("situation.tried_so_far", "Huisarts gebeld, gesprek gehad.", None),
    ("risk.protective_factors", "Goede band met oma en de hond.", None),
]


STEADY_FIELD = "situation.reason"
STEADY_TEXT = "Sem belt vanaf het station, hij wil niet meer naar huis en heeft een plan. " * 3
STEADY_KEY_MS = 120


def stored_value(field_id: str) -> object:
    for fid, keys, value in SCRIPT:
        if fid == field_id:
            return keys if value is None else value
    raise KeyError(field_id)


def _start(data_dir: Path) -> tuple[QApplication, MainWindow]:
    set_language("nl")
    early = EarlyOpen(data_dir, os.environ["DOORLOOP_PASSPHRASE"], False)
    early.start()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    opened = _open_or_create(data_dir, False, False, early)
    assert opened is not None, "the store needs a profile before the driver runs"
    store, profile = opened
    window = MainWindow(DeskSession(store, profile))
    window.show()
    window.activateWindow()
    return app, window  # type: ignore[return-value]


def _wait(app: QApplication, condition, seconds: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the view did not get there in time")
        app.processEvents()
        time.sleep(0.002)


def type_intake(data_dir: Path) -> None:
    app, window = _start(data_dir)
    _wait(app, window.isActiveWindow)
    target = QApplication.focusWidget() or window
    QTest.keyClick(target, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    view = window.tabs.currentWidget()
    assert isinstance(view, IntakeView)
    print(f"case {view.case_id}", flush=True)
    while True:  # runs until killed
        for field_id, keys, _value in SCRIPT:
            view.focus_field(field_id)
            widget = view.editors[field_id].widget
            if view.editors[field_id].text():
                widget.selectAll()  # type: ignore[attr-defined]
            QTest.keyClicks(widget, keys)
            _wait(app, lambda: view.save_state.text() == "opgeslagen" and not view.has_pending())
            print(f"saved {field_id}", flush=True)


def _pause(app: QApplication, seconds: float) -> None:
    until = time.monotonic() + seconds
    while time.monotonic() < until:
        app.processEvents()
        time.sleep(0.002)


def type_steadily(data_dir: Path, key_ms: int = STEADY_KEY_MS) -> None:
    app, window = _start(data_dir)
    _wait(app, window.isActiveWindow)
    target = QApplication.focusWidget() or window
    QTest.keyClick(target, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    view = window.tabs.currentWidget()
    assert isinstance(view, IntakeView)
    print(f"case {view.case_id}", flush=True)
    view.focus_field(STEADY_FIELD)
    widget = view.editors[STEADY_FIELD].widget
    for number, char in enumerate(STEADY_TEXT, start=1):
        QTest.keyClicks(widget, char)
        print(f"typed {number} {time.monotonic():.4f}", flush=True)
        _pause(app, key_ms / 1000)
    print("done", flush=True)
    while True:  # runs until killed
        _pause(app, 1.0)


def resume(data_dir: Path) -> None:
    app, window = _start(data_dir)

    def accept_offer() -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is None:
            QTimer.singleShot(20, accept_offer)
            return
        QTest.keyClick(dialog, Qt.Key.Key_Return)

    QTimer.singleShot(0, window.offer_unfinished)
    QTimer.singleShot(20, accept_offer)
    _wait(app, lambda: bool(window.case_views()))
    for view in window.case_views():
        assert isinstance(view, IntakeView)
        print(f"opened {view.case_id}", flush=True)
        for field_id, _keys, _value in SCRIPT:
            editor = view.editors[field_id]
            shown = editor.text() if editor.text() else editor.parsed(view.session.clock())[0]
            print(f"value {field_id} {shown}", flush=True)
    window.close()


if __name__ == "__main__":
    mode, folder = sys.argv[1], Path(sys.argv[2])
    if mode == "steady" and len(sys.argv) > 3:
        type_steadily(folder, int(sys.argv[3]))  # another typing speed (ms per key)
    else:
        {"type": type_intake, "steady": type_steadily, "resume": resume}[mode](folder)
