"""Make the README's screenshot of the main window offscreen, with synthetic cases.

QT_QPA_PLATFORM=offscreen .venv/bin/python tools/screenshot.py docs/main-window.png
"""

from __future__ import annotations

import os
import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main(target: str) -> None:
    from PySide6.QtWidgets import QApplication

    from desktop.session.desk import DeskSession
    from desktop.store import open_store
    from desktop.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(Path(tmp), "schermafdruk wachtwoord")
        profile = store.create_profile("Anna de Vries", "desk")
        session = DeskSession(store, profile)
        for answers in (
            {
                "youth.first_name": "Sem",
                "youth.last_name": "Jansen",
                "youth.birth_date": "2012-05-14",
                "call.caller_name": "Huisarts Bakker",
                "youth.municipality": "Utrecht",
            },
            {
                "youth.age_estimate": 15,
                "call.caller_name": "Mentor Visser",
                "youth.municipality": "Zeist",
            },
            {
                "youth.first_name": "Noor",
                "youth.last_name": "El Amrani",
                "youth.birth_date": "2009-02-03",
                "youth.municipality": "Amersfoort",
            },
        ):
            case = session.new_case(answers)
            if answers.get("youth.first_name") == "Sem":
                due = (datetime.now().astimezone() + timedelta(minutes=42)).isoformat()
                store.cases.set_status(
                    case.id,
                    "triaged",
                    session.actor,
                    answers={"triage.urgency": "U1"},
                    deadline=due,
                )
        window = MainWindow(session)
        window.resize(1100, 420)
        window.show()
        app.processEvents()
        window.grab().save(target)
        window.close()
        store.close()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "docs/main-window.png")
