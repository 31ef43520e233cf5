"""Test driver for the crash test of an exercise: the real training window, by keyboard.

``python -m tests.helpers.training_driver start DATA_DIR`` opens the training store the
way the app does (``desktop.app``: ``EarlyOpen`` with ``DOORLOOP_PASSPHRASE``, training),
builds the real ``MainWindow``, opens the training panel with Ctrl+Shift+O, starts the
first scenario, goes to the second section, ticks key question 3 with Ctrl+3, types the
youth's first name, chooses urgency U2 in the side panel, and prints
``ready <case id> <elapsed>`` once all of that is committed; then it keeps the exercise
running until it is killed.

``python -m tests.helpers.training_driver resume DATA_DIR`` starts the same way, lets the
window make its start-up offer (as ``desktop.app.run`` does), resumes with Enter and
prints what the resumed exercise shows (``resumed``, ``elapsed``, ``timer``, ``asked``,
``script``, ``urgency``, ``value``); then finishes the exercise and prints ``total`` and
what a new start-up would offer (``offered``).
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
from desktop.training.exercises import ExerciseBook
from desktop.ui.main_window import MainWindow
from desktop.ui.training_window import TrainingPanel, offer_exercises

CTRL = Qt.KeyboardModifier.ControlModifier


def _start(data_dir: Path) -> tuple[QApplication, MainWindow]:
    set_language("nl")
    early = EarlyOpen(data_dir, os.environ["DOORLOOP_PASSPHRASE"], True)
    early.start()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    opened = _open_or_create(data_dir, True, False, early)
    assert opened is not None, "the store needs a profile before the driver runs"
    store, profile = opened
    window = MainWindow(DeskSession(store, profile))
    window.show()
    window.activateWindow()
    return app, window  # type: ignore[return-value]


def _wait(app: QApplication, condition, seconds: float = 15.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the window did not get there in time")
        app.processEvents()
        time.sleep(0.002)


def _panel(window: MainWindow) -> TrainingPanel:
    panel = window.tabs.currentWidget()
    assert isinstance(panel, TrainingPanel)
    return panel


def start(data_dir: Path) -> None:
    app, window = _start(data_dir)
    _wait(app, window.isActiveWindow)
    target = QApplication.focusWidget() or window
    QTest.keyClick(
        target,
        Qt.Key.Key_O,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    page = _panel(window).trainee
    page.group_name.setText("Groep crash")
    page.start_button.setFocus()
    QTest.keyClick(page.start_button, Qt.Key.Key_Space)
    intake, script = page.intake, page.script
    assert intake is not None and script is not None
    intake.go_to_section(1)
    intake.focus_field("youth.first_name")
    QTest.keyClick(intake.editors["youth.first_name"].widget, Qt.Key.Key_3, CTRL)
    QTest.keyClicks(intake.editors["youth.first_name"].widget, "Sanne")
    _wait(app, lambda: intake.save_state.text() == "opgeslagen" and not intake.has_pending())
    script.urgency.setFocus()
    script.urgency.setCurrentIndex(script.urgency.findData("U2"))
    book = ExerciseBook(window.session.store)

    def committed() -> bool:
        state = book.get(page.case_id or "")
        return state is not None and state.urgency == "U2" and bool(state.asked)

    _wait(app, committed)
    time.sleep(1.2)  # some exercise time
    page.save_state()
    state = book.get(page.case_id or "")
    assert state is not None
    print(f"ready {page.case_id} {state.elapsed}", flush=True)
    while True:  # runs until killed
        app.processEvents()
        time.sleep(0.01)


def resume(data_dir: Path) -> None:
    app, window = _start(data_dir)
    QTimer.singleShot(0, window.offer_unfinished)
    _wait(app, lambda: isinstance(window.tabs.currentWidget(), TrainingPanel))
    page = _panel(window).trainee
    _wait(app, lambda: page.resume_button.hasFocus() or page.resume_button.isVisible())
    QTest.keyClick(page.resume_button, Qt.Key.Key_Space)
    _wait(app, lambda: page.script is not None)
    script, intake = page.script, page.intake
    assert script is not None and intake is not None and page.clock is not None
    intake._tick()  # type: ignore[attr-defined]
    print(f"resumed {page.case_id}", flush=True)
    print(f"elapsed {page.clock.elapsed():.1f}", flush=True)
    print(f"timer {intake.call_timer.text()}", flush=True)  # type: ignore[attr-defined]
    print(f"asked {','.join(sorted(script.asked))}", flush=True)
    lines = [
        script.lines.item(i).data(Qt.ItemDataRole.UserRole) for i in range(script.lines.count())
    ]
    print(f"script {','.join(lines)}", flush=True)
    print(f"urgency {script.urgency.currentData()}", flush=True)
    print(f"section {intake.pages.currentIndex()}", flush=True)  # type: ignore[attr-defined]
    print(f"value youth.first_name {intake.editors['youth.first_name'].text()}", flush=True)  # type: ignore[attr-defined]
    result = page.finish()
    assert result is not None
    print(f"total {result.total}", flush=True)
    print(f"decision_seconds {result.as_score().seconds_to_decision:.0f}", flush=True)
    offered = offer_exercises(window, window.session.store.cases.unfinished())
    print(f"offered {len(offered)}", flush=True)
    window.close()


if __name__ == "__main__":
    mode, folder = sys.argv[1], Path(sys.argv[2])
    {"start": start, "resume": resume}[mode](folder)
