"""The Qt binding must not leak references to None (PySide6 6.12.0 on CPython 3.11 did:
after some thousands of void Qt calls the process aborted with 'none_dealloc')."""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import sys
from PySide6.QtCore import QCoreApplication, QTimer
app = QCoreApplication([])
timer = QTimer()
before = sys.getrefcount(None)
for _ in range(20000):
    timer.setInterval(5)
print(sys.getrefcount(None) - before)
"""


def test_void_qt_calls_keep_none_alive() -> None:
    # A subprocess: with the bug, the probe aborts the interpreter it runs in.
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        capture_output=True,
        text=True,
        timeout=120,
        env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr[-500:]
    assert abs(int(result.stdout.strip())) < 100
