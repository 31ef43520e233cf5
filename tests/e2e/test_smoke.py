"""`doorloop --smoke` (DESIGN.md contract 2) and start-up errors, as a real process."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.e2e.conftest import ROOT, doorloop

PASSPHRASE = "smoke test passphrase"


def test_smoke_on_a_fresh_data_dir_then_again(tmp_path: Path) -> None:
    for _ in range(2):
        result = doorloop(
            "--smoke", "--data-dir", str(tmp_path), env={"DOORLOOP_PASSPHRASE": PASSPHRASE}
        )
        assert result.returncode == 0, result.stderr
        assert re.fullmatch(r"ready in \d+ ms\n", result.stdout)
        assert "Traceback" not in result.stderr
    assert (tmp_path / "doorloop.db").exists()


def test_smoke_in_english_and_in_training(tmp_path: Path) -> None:
    result = doorloop(
        "--smoke",
        "--lang",
        "en",
        "--training",
        "--data-dir",
        str(tmp_path),
        env={"DOORLOOP_PASSPHRASE": PASSPHRASE},
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "training" / "doorloop-training.db").exists()
    assert not (tmp_path / "doorloop.db").exists(), "training never touches production data"


def test_the_real_start_paints_the_window_before_it_starts_the_sync_worker(
    tmp_path: Path,
) -> None:
    """The real start (not --smoke): the main window is on screen first, then the sync
    bridge and its worker start (DESIGN.md start-up budget; timed by `make bench`)."""
    env = {"DOORLOOP_PASSPHRASE": PASSPHRASE}
    assert doorloop("--smoke", "--data-dir", str(tmp_path), env=env).returncode == 0
    result = doorloop(
        "--data-dir", str(tmp_path), env={**env, "DOORLOOP_START_REPORT": "1"}, timeout=120
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 2, result.stdout
    ready = re.fullmatch(r"ready in (\d+) ms", lines[0])
    synced = re.fullmatch(r"sync started in (\d+) ms", lines[1])
    assert ready and synced, result.stdout
    assert int(ready.group(1)) <= int(synced.group(1))
    assert "Traceback" not in result.stderr


def test_wrong_passphrase_is_a_clear_message_not_a_traceback(tmp_path: Path) -> None:
    assert (
        doorloop(
            "--smoke", "--data-dir", str(tmp_path), env={"DOORLOOP_PASSPHRASE": PASSPHRASE}
        ).returncode
        == 0
    )
    result = doorloop(
        "--smoke", "--data-dir", str(tmp_path), env={"DOORLOOP_PASSPHRASE": "wrong passphrase"}
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert "Onjuiste wachtwoordzin" in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_option_names_the_option(tmp_path: Path) -> None:
    result = doorloop("--lang", "fr", "--smoke")
    assert result.returncode == 2
    assert "--lang" in result.stderr


def test_the_start_loads_no_case_models_and_no_sqlite_utils(tmp_path: Path) -> None:
    """The start-up budget (DESIGN.md): the way to the first window opens the store and
    reads the profile and the case list without pydantic or sqlite-utils."""
    env = {"DOORLOOP_PASSPHRASE": PASSPHRASE}
    assert doorloop("--smoke", "--data-dir", str(tmp_path), env=env).returncode == 0
    result = subprocess.run(
        [
            sys.executable,
            "-X",
            "importtime",
            "-m",
            "desktop",
            "--smoke",
            "--data-dir",
            str(tmp_path),
        ],
        cwd=ROOT,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert re.fullmatch(r"ready in \d+ ms\n", result.stdout)
    imported = {
        line.rpartition("|")[2].strip()
        for line in result.stderr.splitlines()
        if line.startswith("import time:")
    }
    assert {"sqlcipher3", "desktop.store.store", "desktop.ui.main_window"} <= imported
    # the key derivation starts before SQLCipher and the store load (they load beside it)
    order = [
        line.rpartition("|")[2].strip()
        for line in result.stderr.splitlines()
        if line.startswith("import time:")
    ]
    assert order.index("desktop.store.slot_kdf") < order.index("sqlcipher3")
    assert order.index("desktop.app") < order.index("sqlcipher3")
    assert not {"pydantic", "pydantic_core", "sqlite_utils"} & imported


def test_the_unlock_screen_paints_before_the_store_and_the_desk_load() -> None:
    """A person's later start (no passphrase in the environment): the unlock dialog needs
    neither SQLCipher, argon2, the store nor the main window; those load while the person
    types (desktop.app._load_while_typing), so the dialog is on screen sooner."""
    code = (
        "import sys, desktop.app, desktop.ui.access_dialogs\n"
        "heavy = {'sqlcipher3', 'argon2', '_argon2_cffi_bindings', 'desktop.store.store',\n"
        "         'desktop.store.keyslots', 'desktop.ui.main_window', 'desktop.session.desk',\n"
        "         'pydantic'}\n"
        "print(sorted(heavy & set(sys.modules)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
