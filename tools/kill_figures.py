"""Kill-test figures for the steady-typing autosave (issue 22): SIGKILL the real app while
it types without a pause, then read the store and tell what was lost.

PYTHONPATH=$PWD .venv/bin/python tools/kill_figures.py [RUNS] [KEY_MS]

Each run starts the driver of ``tests/e2e/test_autosave_kill.py``
(``python -m tests.helpers.intake_driver steady``: the real main window, a key every
``KEY_MS`` into "Wat is er aan de hand?"), kills it after a number of characters that
differs per run and a random part of a key interval later (so the kill does not always
land right after a key), reopens the encrypted store and compares. Per run: characters
typed before the kill, characters stored, characters lost, and how long before the kill
the oldest lost character was typed (the "ms lost"; 0 when nothing was lost). Then
median and max.
"""

from __future__ import annotations

import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PASSPHRASE = "kill figures passphrase"
KILL_AT = (19, 37, 58, 83, 111, 142, 171)  # characters typed at the kill, per run (cycled)


def one_run(data_dir: Path, kill_at: int, key_ms: int, delay_ms: float) -> tuple[int, int, float]:
    """(characters typed, characters stored, ms between the oldest lost key and the kill)."""
    from desktop.store import open_store
    from tests.helpers.intake_driver import STEADY_FIELD, STEADY_TEXT

    store = open_store(data_dir, PASSPHRASE)
    store.create_profile("Anna de Vries", "desk")
    store.close()
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "DOORLOOP_PASSPHRASE": PASSPHRASE}
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.helpers.intake_driver", "steady", str(data_dir), str(key_ms)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    case_id, typed_at, killed_at = "", [0.0], 0.0
    try:
        for line in process.stdout:
            word, _, rest = line.strip().partition(" ")
            if word == "case":
                case_id = rest
            elif word == "typed":
                typed_at.append(float(rest.split()[1]))
                if len(typed_at) - 1 == kill_at:
                    time.sleep(delay_ms / 1000)  # the driver types on meanwhile
                    killed_at = time.monotonic()
                    process.send_signal(signal.SIGKILL)
                    break
    finally:
        process.kill()
        rest, errors = process.communicate(timeout=30)
    if not killed_at:
        raise RuntimeError(errors[-2000:])
    for line in rest.splitlines():  # keys typed while we slept, before the kill
        word, _, numbers = line.strip().partition(" ")
        if word == "typed" and float(numbers.split()[1]) <= killed_at:
            typed_at.append(float(numbers.split()[1]))
    kill_at = len(typed_at) - 1
    reopened = open_store(data_dir, PASSPHRASE)
    try:
        stored = reopened.cases.get(case_id).answers.get(STEADY_FIELD, "")
    finally:
        reopened.close()
    if not STEADY_TEXT.startswith(stored):
        raise RuntimeError(f"stored text is not a prefix of the typed text: {stored!r}")
    lost = max(0, kill_at - len(stored))
    waited = (killed_at - typed_at[len(stored) + 1]) * 1000 if lost else 0.0
    return kill_at, len(stored), waited


def main(runs: int, key_ms: int) -> None:
    chance = random.Random(22)
    losses: list[float] = []
    lost_chars: list[int] = []
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(runs):
            kill_at = KILL_AT[run % len(KILL_AT)]
            delay = chance.uniform(0, key_ms)
            typed, stored, waited = one_run(Path(tmp) / f"run{run}", kill_at, key_ms, delay)
            losses.append(waited)
            lost_chars.append(typed - stored)
            print(
                f"run {run + 1}: key every {key_ms} ms, killed {delay:.0f} ms after key "
                f"{kill_at}; typed {typed}, stored {stored}, "
                f"lost {typed - stored} characters, oldest lost typed {waited:.0f} ms "
                "before the kill",
                flush=True,
            )
    print(
        f"{runs} runs: characters lost median {statistics.median(lost_chars):g}, "
        f"max {max(lost_chars)}; ms lost median {statistics.median(losses):.0f}, "
        f"max {max(losses):.0f}"
    )


if __name__ == "__main__":
    main(
        int(sys.argv[1]) if len(sys.argv) > 1 else 5,
        int(sys.argv[2]) if len(sys.argv) > 2 else 120,
    )
