"""`doorloop --smoke` against a bare PySide6 window (wall time, peak memory), and the
case list (open + search) with 100,000 synthetic cases. Medians over repeated runs.

The project's packages are byte-compiled first, as the install step (``make``) and the
frozen build leave them, and as pip leaves PySide6 for the bare window: an editable
install under ``PYTHONDONTWRITEBYTECODE`` would otherwise compile every module of the
app from source at each start (~0.1 s), which measures the checkout, not the app."""

from __future__ import annotations

import compileall
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import PYTHON, ROOT, fill_store, median_ms, run_child, verdict

RUNS = 7
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


PACKAGES = ("desktop", "legal_rules", "doorloop_protocol")


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
        f"ratio {app_ms / bare_ms:.2f} (median of {RUNS}), budget <= 2.00: "
        f"{verdict(app_ms <= 2 * bare_ms)}"
    )
    print(
        f"peak memory: doorloop {app_mb:.0f} MiB, bare {bare_mb:.0f} MiB, "
        f"ratio {app_mb / bare_mb:.2f} (median of {RUNS}), budget <= 2.00: "
        f"{verdict(app_mb <= 2 * bare_mb)}"
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
    case_list()
