"""An exercise survives a crash (DESIGN.md, data safety; issue 23).

The driver (tests/helpers/training_driver.py) runs the real training window in its own
process, starts an exercise, ticks a key question by keyboard, types an answer and
chooses an urgency; we SIGKILL it, check what the training database kept, and start the
app again: the exercise is offered for resuming (not as a plain unfinished case), comes
back with its exercise time, script position, ticks, decision and answers, and the call
timer counts exercise time only. Finished, it is never offered again.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from desktop.store import open_store
from desktop.training.exercises import ExerciseBook
from tests.e2e.conftest import ROOT

PASSPHRASE = "training crash passphrase"


def driver(mode: str, data_dir: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "DOORLOOP_PASSPHRASE": PASSPHRASE}
    return subprocess.Popen(
        [sys.executable, "-m", "tests.helpers.training_driver", mode, str(data_dir)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_an_exercise_killed_mid_call_is_resumed_where_it_was(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    store = open_store(data_dir, PASSPHRASE, training=True)
    store.create_profile("Tess Trainer", "trainer")
    store.close()

    process = driver("start", data_dir)
    assert process.stdout is not None
    case_id, elapsed_before = "", 0.0
    try:
        for line in process.stdout:
            word, _, rest = line.strip().partition(" ")
            if word == "ready":
                case_id, seconds = rest.split()
                elapsed_before = float(seconds)
                process.send_signal(signal.SIGKILL)
                break
    finally:
        process.kill()
        _, errors = process.communicate(timeout=30)
    assert case_id, errors
    assert process.returncode == -signal.SIGKILL

    reopened = open_store(data_dir, PASSPHRASE, training=True)
    try:
        [state] = ExerciseBook(reopened).running()
        assert state.case_id == case_id and state.group == "Groep crash"
        assert state.urgency == "U2" and list(state.asked) == ["need"]
        assert "youth" in state.sections and state.elapsed >= 1.0
        assert state.current_section == "youth"
        assert reopened.cases.get(case_id).answers["youth.first_name"] == "Sanne"
    finally:
        reopened.close()

    resumed = driver("resume", data_dir)
    out, errors = resumed.communicate(timeout=90)
    assert resumed.returncode == 0, errors
    shown = dict(line.split(" ", 1) for line in out.splitlines())
    assert shown["resumed"] == case_id
    assert elapsed_before <= float(shown["elapsed"]) < elapsed_before + 30
    minutes = int(shown["timer"].removeprefix("Gesprek ").split(":")[0])
    assert shown["timer"].startswith("Gesprek ") and minutes < 2  # exercise time, not days
    assert shown["asked"] == "need"
    assert shown["script"].split(",")[:3] == ["opening", "callback", "youth_details"]
    assert "need_answer" in shown["script"].split(",")
    assert shown["urgency"] == "U2"
    assert shown["section"] == "1"  # the intake is back at the section the trainee was in
    assert "value" in shown and shown["value"] == "youth.first_name Sanne"
    assert float(shown["decision_seconds"]) < 60  # exercise time, not wall-clock since start
    assert shown["offered"] == "0"  # the finished exercise is not offered as unfinished
    assert "Traceback" not in errors

    after = open_store(data_dir, PASSPHRASE, training=True)
    try:
        assert ExerciseBook(after).running() == []
        assert ExerciseBook(after).get(case_id).status == "finished"  # type: ignore[union-attr]
    finally:
        after.close()
