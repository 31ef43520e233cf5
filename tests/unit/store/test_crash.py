"""Kill -9 at random moments: every case reported as committed is there, files are clean."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from desktop.store import open_store
from tests.helpers.stores import PASSPHRASE

ROOT = Path(__file__).resolve().parents[3]
RUNS = 20


def test_sigkill_never_loses_a_committed_case(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    rng = random.Random(7513)
    reported: list[str] = []
    for _ in range(RUNS):
        proc = subprocess.Popen(
            [sys.executable, "-m", "tests.helpers.crash_writer", str(data_dir), PASSPHRASE],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "open"
        time.sleep(rng.uniform(0.0, 0.3))
        os.kill(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate(timeout=30)
        ids = [line.strip() for line in out.splitlines() if line.strip()]
        if ids and len(ids[-1]) != 36:
            ids.pop()  # a line cut by the kill was never a complete report
        reported.extend(ids)
    assert len(reported) > RUNS, "the writer must have committed cases before most kills"
    store = open_store(data_dir, PASSPHRASE)
    try:
        present = {row[0] for row in store.db.execute("SELECT id FROM cases").fetchall()}
        missing = [case_id for case_id in reported if case_id not in present]
        assert missing == []
        assert store.integrity_problems() == []
        assert store.verify_audit_chain().ok
    finally:
        store.close()
