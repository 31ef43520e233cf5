"""Offscreen screenshot of the coordinator dashboard over synthetic cases on a desk.

QT_QPA_PLATFORM=offscreen .venv/bin/python tools/dashboard_screenshot.py \
    docs/screenshots/dashboard.png

A temporary encrypted store with a coordinator profile, 90 synthetic cases in November
2026 (tests/helpers/indicator_cases.py), the dashboard tab at 1280 × 900, grabbed and
saved in 256 colours (small).
"""

from __future__ import annotations

import sys
import tempfile
from datetime import date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main(target: Path) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QImage
    from PySide6.QtWidgets import QApplication

    from desktop.ui.main_window import MainWindow
    from tests.helpers.indicator_cases import AMS, seed_month
    from tests.helpers.stores import make_session, opened_store

    app = QApplication.instance() or QApplication([])
    with (
        tempfile.TemporaryDirectory() as tmp,
        opened_store(Path(tmp) / "data", name="Carla Coördinator", role="coordinator") as store,
    ):
        session = make_session(store, role="coordinator")
        seed_month(store, session, 90, datetime(2026, 11, 2, 8, 5, tzinfo=AMS))
        window = MainWindow(session)
        window.dashboard_options = {"today": date(2026, 11, 30), "use_keyring": False}
        window.resize(1280, 900)
        window.show()
        panel = window.open_dashboard()
        panel.resize(1280, 900)
        app.processEvents()
        target.parent.mkdir(parents=True, exist_ok=True)
        image = window.grab().toImage()
        flags = Qt.ImageConversionFlag.AvoidDither | Qt.ImageConversionFlag.ThresholdDither
        image.convertToFormat(QImage.Format.Format_Indexed8, flags).save(str(target), "PNG", 9)
        print(f"{target}: {target.stat().st_size // 1024} KB")
        window.close()


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots/dashboard.png"))
