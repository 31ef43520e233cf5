"""Offscreen screenshots of *Plaats zoeken* for the three example calls of issue 17
(15-year-old with a suicide plan, 11-year-old with anxiety, 17-year-old with psychosis
under a crisismaatregel) against the demo directory, at 3 December 2026 10:00, offline.

QT_QPA_PLATFORM=offscreen .venv/bin/python tools/places_screens.py docs/screenshots
"""

from __future__ import annotations

import json
import sys
import tempfile
from dataclasses import replace
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tools.small_screens import configure_screen, save  # noqa: E402

EXAMPLES = ROOT / "coordination" / "examples"
CASES = ("case-15-suicide-plan", "case-11-anxiety", "case-17-psychosis-wvggz")
AT = datetime.fromisoformat("2026-12-03T10:00:00+01:00")


def main(target: Path) -> None:
    configure_screen("1280x720")
    from PySide6.QtWidgets import QApplication

    from desktop.session.desk import DeskSession
    from desktop.store import open_store
    from desktop.store.sync_state import SyncState
    from desktop.sync.directory import DIRECTORY_AS_OF
    from desktop.ui.places_panel import PlacesPanel
    from desktop.ui.qt_translations import install_qt_translations

    app = QApplication.instance() or QApplication([])
    install_qt_translations("nl")
    target.mkdir(parents=True, exist_ok=True)
    directory = json.loads((EXAMPLES / "directory-demo.json").read_text("utf-8"))
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(Path(tmp), "schermafdruk wachtwoord")
        desk = DeskSession(store, store.create_profile("Anna de Vries", "desk"), clock=lambda: AT)
        session = DeskSession(
            store,
            replace(desk.profile, display_name="Tim Triagist", role="triagist"),
            clock=lambda: AT,
        )
        state = SyncState(store.db)
        with store.atomic():
            for seq, org in enumerate(directory["organizations"], start=1):
                state.put_reference("directory_organization", org["id"], org, seq)
            for seq, unit in enumerate(directory["units"], start=100):
                state.put_reference("directory_unit", unit["id"], unit, seq)
            state.set(DIRECTORY_AS_OF, AT.replace(hour=9, minute=55).isoformat())
        for name in CASES:
            answers = json.loads((EXAMPLES / f"{name}.json").read_text("utf-8"))["answers"]
            triage = {k: answers.pop(k) for k in list(answers) if k.startswith("triage.")}
            caller = {"call.caller_name": "Synthetische melder", "call.caller_phone": "0612345678",
                      "youth.current_location": "home"}  # fmt: skip
            case = desk.new_case({**caller, **answers})
            desk.mark_ready(case.id)
            session.decide_triage(
                case.id, triage["triage.urgency"], triage["triage.intervention"], "Voorbeeld."
            )
            panel = PlacesPanel(session, case.id, at=AT)
            panel.resize(900, 640)
            panel.show()
            app.processEvents()
            save(panel, target / f"plaats-zoeken-{name.removeprefix('case-')}.png")
            panel.close()
        store.close()


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots"))
