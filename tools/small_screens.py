"""Offscreen screenshots at a small laptop screen (1280×720 by default), with a synthetic
case: the main window, an intake, the legal section with its panel and the print dialog.

QT_QPA_PLATFORM=offscreen .venv/bin/python tools/small_screens.py docs/screenshots [1280x720]

The offscreen screen gets the given size (Qt's offscreen ``configfile``), so each window
opens at the size it would on such a laptop. PNGs are written in 256 colours (small).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

FIXTURE = Path(__file__).resolve().parent.parent / "tests/unit/reports/fixtures/case_16plus.json"


def configure_screen(size: str) -> None:
    width, height = (int(part) for part in size.split("x"))
    config = Path(tempfile.gettempdir()) / f"doorloop-screen-{width}x{height}.json"
    screen = {"name": "laptop", "x": 0, "y": 0, "width": width, "height": height}
    config.write_text(json.dumps({"screens": [{**screen, "logicalDpi": 96}]}), "utf-8")
    os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={config}"


def save(widget: object, path: Path) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QImage

    image = widget.grab().toImage()  # type: ignore[attr-defined]
    flags = Qt.ImageConversionFlag.AvoidDither | Qt.ImageConversionFlag.ThresholdDither
    image.convertToFormat(QImage.Format.Format_Indexed8, flags).save(str(path), "PNG", 9)
    print(f"{path}: {image.width()}×{image.height()}, {path.stat().st_size // 1024} KB")


def main(target: Path, size: str) -> None:
    configure_screen(size)
    from PySide6.QtWidgets import QApplication

    from desktop.session.desk import DeskSession
    from desktop.store import open_store
    from desktop.ui.main_window import MainWindow
    from desktop.ui.qt_translations import install_qt_translations
    from desktop.ui.report_dialog import ReportDialog

    app = QApplication.instance() or QApplication([])
    install_qt_translations("nl")
    target.mkdir(parents=True, exist_ok=True)
    answers = json.loads(FIXTURE.read_text("utf-8"))["answers"]
    keep = {k: v for k, v in answers.items() if not k.startswith(("triage.", "handover."))}
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(Path(tmp), "schermafdruk wachtwoord")
        session = DeskSession(store, store.create_profile("Anna de Vries", "desk"))
        case = session.new_case(keep)
        window = MainWindow(session)
        window.show()
        app.processEvents()
        save(window, target / f"main-window-{size}.png")
        window.open_case(case.id)
        app.processEvents()
        intake = window.tabs.currentWidget()
        save(window, target / f"intake-{size}.png")
        legal = [s.id for s in intake.form.sections].index("legal")
        intake.go_to_section(legal)
        app.processEvents()
        save(window, target / f"legal-panel-{size}.png")
        dialog = ReportDialog(session, case.id, parent=window)
        dialog.show()
        app.processEvents()
        save(dialog, target / f"print-dialog-{size}.png")
        dialog.close()
        window.close()
        store.close()


if __name__ == "__main__":
    main(
        Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots"),
        sys.argv[2] if len(sys.argv) > 2 else "1280x720",
    )
