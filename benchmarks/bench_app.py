"""`doorloop --smoke` against a bare PySide6 window (wall time, peak memory), the real
start (with the sync bridge) against a bare window's first paint, and the case list
(open + search) with 100,000 synthetic cases. Medians over repeated runs.

The project's packages are byte-compiled first, as the install step (``make``) and the
frozen build leave them, and as pip leaves PySide6 for the bare window: an editable
install under ``PYTHONDONTWRITEBYTECODE`` would otherwise compile every module of the
app from source at each start (~0.1 s), which measures the checkout, not the app."""

from __future__ import annotations

import compileall
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import PYTHON, ROOT, fill_store, median_ms, run_child, verdict

RUNS = 7
START_BUDGET = 1.5  # DESIGN.md: start-up <= 1.5x a bare PySide6 window
PASSPHRASE = "benchmark passphrase"
BARE = """
import time
started = time.perf_counter()
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication([])
window = QMainWindow()
window.show()
def report():
    print(f"ready in {(time.perf_counter() - started) * 1000:.0f} ms", flush=True)
    app.quit()
QTimer.singleShot(0, report)
app.exec()
"""

# The bare window's first paint: what a person sees, as `doorloop` reports it under
# DOORLOOP_START_REPORT (desktop.app): the first event-loop turn after the first paint.
BARE_PAINT = """
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication([])
window = QMainWindow()
class FirstPaint(QObject):
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint and not hasattr(self, "done"):
            self.done = True
            QTimer.singleShot(0, report)
        return False
def report():
    print("ready", flush=True)
    app.quit()
first = FirstPaint()
window.installEventFilter(first)
window.show()
app.exec()
"""

# The least any desk window over an encrypted store needs beyond a bare window, without
# Doorloop's own code: the Qt namespace's enums (every widget module reads Qt.*), a
# proxy style (the case list's sort arrow), SQLCipher opened, a table in the window.
FLOOR_PAINT = BARE_PAINT.replace(
    "app = QApplication([])\n",
    """from PySide6.QtCore import Qt
from PySide6.QtWidgets import QProxyStyle, QTableView
import sqlcipher3
Qt.Key
class SortArrows(QProxyStyle):
    pass
app = QApplication([])
sqlcipher3.connect(":memory:").execute("select 1").fetchall()
""",
).replace(
    "window.installEventFilter",
    "window.setCentralWidget(QTableView())\nwindow.installEventFilter",
)

PACKAGES = ("desktop", "legal_rules", "doorloop_protocol", "coordination")


def smoke_vs_bare() -> None:
    for package in PACKAGES:
        compileall.compile_dir(ROOT / package, quiet=1)
    env = {"QT_QPA_PLATFORM": "offscreen", "DOORLOOP_PASSPHRASE": PASSPHRASE}
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "data"
        run_child([PYTHON, "-m", "desktop", "--smoke", "--data-dir", str(data_dir)], env)
        bare, app = [], []
        for _ in range(RUNS):  # interleaved, so machine noise hits both alike
            bare.append(run_child([PYTHON, "-c", BARE], env)[:2])
            app.append(
                run_child([PYTHON, "-m", "desktop", "--smoke", "--data-dir", str(data_dir)], env)[
                    :2
                ]
            )
    bare_ms = median_ms([w for w, _ in bare])
    app_ms = median_ms([w for w, _ in app])
    bare_mb = statistics.median(m for _, m in bare) / 1024
    app_mb = statistics.median(m for _, m in app) / 1024
    print(
        f"smoke wall time: doorloop {app_ms:.0f} ms, bare PySide6 window {bare_ms:.0f} ms, "
        f"ratio {app_ms / bare_ms:.2f} (median of {RUNS}), budget <= {START_BUDGET:.2f}: "
        f"{verdict(app_ms <= START_BUDGET * bare_ms)}"
    )
    print(
        f"peak memory: doorloop {app_mb:.0f} MiB, bare {bare_mb:.0f} MiB, "
        f"ratio {app_mb / bare_mb:.2f} (median of {RUNS}), budget <= {START_BUDGET:.2f}: "
        f"{verdict(app_mb <= START_BUDGET * bare_mb)}"
    )


def line_times(
    argv: list[str], env: dict[str, str], base: dict[str, str] | None = None
) -> dict[str, float]:
    """Run a process; seconds from its spawn to each stdout line (keyed by its first
    word), as the parent sees them arrive. ``base``: the environment to add ``env`` to
    (this process's by default)."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        argv,
        env={**(os.environ if base is None else base), **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None
    seen: dict[str, float] = {}
    for line in proc.stdout:
        if line.strip():
            seen.setdefault(line.split()[0], time.perf_counter() - started)
    if proc.wait(timeout=60) != 0:
        raise RuntimeError(f"{argv} exited {proc.returncode}")
    return seen


def real_start_vs_bare() -> None:
    """`doorloop` as a person starts it (an existing store and profile, the sync bridge
    and its worker; the passphrase from DOORLOOP_PASSPHRASE), from spawn to the main
    window's first paint, against a bare PySide6 window's first paint; interleaved."""
    env = {"QT_QPA_PLATFORM": "offscreen", "DOORLOOP_PASSPHRASE": PASSPHRASE}
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "data"
        run_child([PYTHON, "-m", "desktop", "--smoke", "--data-dir", str(data_dir)], env)
        real = [PYTHON, "-m", "desktop", "--data-dir", str(data_dir)]
        line_times(real, {**env, "DOORLOOP_START_REPORT": "1"})  # warm the caches
        bare, app, synced = [], [], []
        for _ in range(RUNS):
            bare.append(line_times([PYTHON, "-c", BARE_PAINT], env)["ready"])
            times = line_times(real, {**env, "DOORLOOP_START_REPORT": "1"})
            app.append(times["ready"])
            synced.append(times["sync"])
    bare_ms, app_ms, synced_ms = median_ms(bare), median_ms(app), median_ms(synced)
    print(
        f"real start to first paint: doorloop {app_ms:.0f} ms (spread "
        f"{min(app) * 1000:.0f}-{max(app) * 1000:.0f}), bare PySide6 window {bare_ms:.0f} ms "
        f"(spread {min(bare) * 1000:.0f}-{max(bare) * 1000:.0f}), ratio "
        f"{app_ms / bare_ms:.2f} (median of {RUNS}), budget <= {START_BUDGET:.2f}: "
        f"{verdict(app_ms <= START_BUDGET * bare_ms)}"
    )
    print(f"real start to sync worker running (after the first paint): {synced_ms:.0f} ms")


def unlock_screen_vs_bare() -> None:
    """`doorloop` as a person starts it on a later day, with no passphrase in the
    environment: from spawn to the unlock screen's first paint (the key derivation runs
    only after the person has typed), against a bare window's first paint; interleaved."""
    env = {"QT_QPA_PLATFORM": "offscreen", "DOORLOOP_PASSPHRASE": PASSPHRASE}
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "data"
        run_child([PYTHON, "-m", "desktop", "--smoke", "--data-dir", str(data_dir)], env)
        person = {"QT_QPA_PLATFORM": "offscreen", "DOORLOOP_START_REPORT": "1"}
        real = [PYTHON, "-m", "desktop", "--data-dir", str(data_dir)]
        clean = {k: v for k, v in os.environ.items() if k != "DOORLOOP_PASSPHRASE"}
        line_times(real, person, base=clean)  # warm the caches
        bare, app = [], []
        for _ in range(RUNS):
            bare.append(line_times([PYTHON, "-c", BARE_PAINT], env)["ready"])
            app.append(line_times(real, person, base=clean)["unlock"])
    bare_ms, app_ms = median_ms(bare), median_ms(app)
    print(
        f"real start to the unlock screen: doorloop {app_ms:.0f} ms (spread "
        f"{min(app) * 1000:.0f}-{max(app) * 1000:.0f}), bare PySide6 window {bare_ms:.0f} ms "
        f"(spread {min(bare) * 1000:.0f}-{max(bare) * 1000:.0f}), ratio "
        f"{app_ms / bare_ms:.2f} (median of {RUNS}), budget <= {START_BUDGET:.2f}: "
        f"{verdict(app_ms <= START_BUDGET * bare_ms)}"
    )


# A store whose key slot needs (almost) no derivation: Argon2id's minimum parameters.
FREE_DERIVATION_STORE = """
import sys
from pathlib import Path
from desktop.store import configure_kdf, open_store
configure_kdf(time_cost=1, memory_cost=8, parallelism=1)
store = open_store(Path(sys.argv[1]), sys.argv[2])
store.create_profile("Rooktest", "desk")
store.close()
"""


def key_derivation_share() -> None:
    """What the key-slot derivation (Argon2id with the parameters new slots get) costs
    a start on this machine: its own wall and CPU time, and the real start to first
    paint of the same desk with a free derivation (Argon2's minimum parameters), against
    a bare window's first paint; interleaved. The two starts differ only in the slot's
    parameters, so their difference is what the derivation adds to the start."""
    import resource

    from desktop.store import keyslots, slot_kdf

    kdf: dict[str, Any] = {**keyslots.kdf_parameters(), "salt": "00" * keyslots.SALT_BYTES}
    slot_kdf.load()
    walls, cpus = [], []
    for _ in range(RUNS):
        before = resource.getrusage(resource.RUSAGE_SELF)
        started = time.perf_counter()
        slot_kdf.derive(PASSPHRASE, kdf)
        walls.append(time.perf_counter() - started)
        after = resource.getrusage(resource.RUSAGE_SELF)
        cpus.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    print(
        f"key derivation alone (Argon2id {kdf['memory_cost'] // 1024} MiB, "
        f"t={kdf['time_cost']}, p={kdf['parallelism']}, {os.cpu_count()} cores): "
        f"{median_ms(walls):.0f} ms wall, {median_ms(cpus):.0f} ms CPU (median of {RUNS})"
    )
    env = {"QT_QPA_PLATFORM": "offscreen", "DOORLOOP_PASSPHRASE": PASSPHRASE}
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "data"
        run_child([PYTHON, "-c", FREE_DERIVATION_STORE, str(data_dir), PASSPHRASE], env)
        real = [PYTHON, "-m", "desktop", "--data-dir", str(data_dir)]
        line_times(real, {**env, "DOORLOOP_START_REPORT": "1"})  # warm the caches
        bare, app, floor = [], [], []
        for _ in range(RUNS):
            bare.append(line_times([PYTHON, "-c", BARE_PAINT], env)["ready"])
            app.append(line_times(real, {**env, "DOORLOOP_START_REPORT": "1"})["ready"])
            floor.append(line_times([PYTHON, "-c", FLOOR_PAINT], env)["ready"])
    bare_ms, app_ms, floor_ms = median_ms(bare), median_ms(app), median_ms(floor)
    print(
        f"reference, no Doorloop code: a window with a table over SQLCipher, the Qt "
        f"namespace and a proxy style {floor_ms:.0f} ms, ratio {floor_ms / bare_ms:.2f} "
        f"to the bare window (median of {RUNS})"
    )
    print(
        f"real start to first paint with a free key derivation: doorloop {app_ms:.0f} ms "
        f"(spread {min(app) * 1000:.0f}-{max(app) * 1000:.0f}), bare PySide6 window "
        f"{bare_ms:.0f} ms, ratio {app_ms / bare_ms:.2f} (median of {RUNS}); the budget "
        f"leaves {(START_BUDGET - 1) * bare_ms:.0f} ms beyond a bare window"
    )


def case_list(count: int = 100_000) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from desktop.session.desk import DeskSession
    from desktop.store import open_store
    from desktop.ui.main_window import CaseListPage

    app = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(Path(tmp), PASSPHRASE)
        profile = store.create_profile("Bench", "desk")
        fill_store(store, count)
        session = DeskSession(store, profile)
        opens, common, rare = [], [], []
        for _ in range(RUNS):
            started = time.perf_counter()
            page = CaseListPage(session)
            page.show()
            app.processEvents()
            opens.append(time.perf_counter() - started)
            for term, bucket in (("jans", common), ("zzq", rare)):
                started = time.perf_counter()
                page.search.setText(term)
                page.apply_search_now()
                app.processEvents()
                bucket.append(time.perf_counter() - started)
                page.search.clear()
                page.apply_search_now()
            page.close()
            page.deleteLater()
            app.processEvents()
        store.close()
    total = median_ms(opens) + max(median_ms(common), median_ms(rare))
    print(
        f"case list with {count:,} cases: open {median_ms(opens):.1f} ms, "
        f"search (common term) {median_ms(common):.1f} ms, "
        f"search (no match, full scan) {median_ms(rare):.1f} ms (median of {RUNS}); "
        f"open + search {total:.1f} ms, budget <= 100 ms: {verdict(total <= 100)}"
    )


if __name__ == "__main__":
    os.chdir(ROOT)
    smoke_vs_bare()
    real_start_vs_bare()
    unlock_screen_vs_bare()
    key_derivation_share()
    case_list()
