"""Screenshots of the merge dialog at 1280×720 (issue 22) with a synthetic two-device
conflict, and of the history after the merge.

PYTHONPATH=$PWD .venv/bin/python tools/merge_screenshot.py [docs/screenshots] [1280x720]

The situation (all synthetic): an outreach duo, Anna de Vries on this laptop and Otto
Jansen on another, both amend Sem's sealed intake while offline. Anna (09:47) writes a
longer reason, *Concreet plan* and *Op straat*; Otto (09:50) writes his own reason and
*wel eerder gesneden (vorig jaar)*, means available *ja*, *SEH*. Otto's version arrives
with a pull and the case needs a merge.

Writes ``merge-<size>.png`` (the main window at that size with *Samenvoegen nodig…*
open on the case: options chosen by value, a free-text field on *Beide teksten
behouden*), ``merge-<size>-texts.png`` (the same dialog scrolled down, a merged text
written by hand)
and ``history-after-merge.png`` (the case's history once the merge is saved). Times are
fixed by pinning the store's clock, so the images do not change from run to run.
"""

from __future__ import annotations

import sys
import tempfile
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))

from small_screens import configure_screen, save  # noqa: E402

OTHER_DEVICE = str(uuid.UUID(int=0x0770))
BASE_AT = datetime(2026, 12, 3, 8, 12, tzinfo=UTC)  # 09:12 in Amsterdam
SEALED_AT = datetime(2026, 12, 3, 8, 20, tzinfo=UTC)
ANNA_AT = datetime(2026, 12, 3, 8, 47, tzinfo=UTC)
OTTO_AT = "2026-12-03T08:50:00+00:00"
MERGED_FACTORS = (
    "Oma woont om de hoek; goede band met zijn mentor op school; de hond is heel belangrijk "
    "voor hem. Let op: wel eerder gesneden (vorig jaar, volgens Otto)."
)
MERGED_AT = datetime(2026, 12, 3, 9, 4, tzinfo=UTC)

BASE = {
    "call.received_at": "2026-12-03T09:10:00+01:00",
    "call.caller_role": "parent",
    "call.caller_name": "Moeder (Karin)",
    "youth.first_name": "Sem",
    "youth.last_name": "Voorbeeld",
    "youth.age_estimate": 15,
    "youth.municipality": "Utrecht",
    "youth.current_location": "street",
    "situation.reason": "Moeder belt: Sem is sinds vanmiddag niet thuisgekomen en reageert "
    "niet op berichten.",
    "risk.suicidality": "thoughts",
    "risk.self_harm": "unknown",
    "risk.protective_factors": "Oma woont om de hoek.",
}
ANNA = {
    "situation.reason": "Moeder belt: Sem is sinds vanmiddag niet thuisgekomen. Om 09:40 "
    "belt Sem zelf vanaf het station; hij wil niet meer naar huis en zegt dat hij 'er een "
    "eind aan wil maken'. We zijn met hem in gesprek bij de stationshal.",
    "risk.suicidality": "plan",
    "risk.self_harm": "none",
    "risk.protective_factors": "Oma woont om de hoek; goede band met zijn mentor op school.",
}
OTTO = {
    "youth.current_location": "emergency_department",
    "situation.reason": "Sem is met de ambulance naar de SEH gebracht na een melding van de "
    "NS-beveiliging. Hij is aanspreekbaar, rustig, wil niet dat vader gebeld wordt. Moeder "
    "is onderweg naar het ziekenhuis.",
    "risk.means_available": "yes",
    "risk.self_harm": "past",
    "risk.protective_factors": "Wel eerder gesneden (vorig jaar). De hond is heel "
    "belangrijk voor hem.",
}


def _pin_clock(moment: datetime) -> None:
    from desktop.store import cases

    cases._now = lambda: moment  # type: ignore[attr-defined]  # fixed times in the images


def build_conflict(store: Any) -> str:
    """The case with Anna's version here and Otto's pulled on the same base."""
    from desktop.store import actor_for
    from desktop.store.sync_state import SyncState

    profile = store.profile()
    actor = actor_for(profile)
    _pin_clock(BASE_AT)
    case = store.cases.create(actor, answers=BASE)
    _pin_clock(SEALED_AT)
    case = store.cases.set_status(case.id, "ready_for_triage", actor, seal=True)
    base_id = case.version.id
    _pin_clock(ANNA_AT)
    store.cases.save_answers(
        case.id, ANNA, actor, reason="na gesprek op het station", action="amend"
    )
    outcome = SyncState(store.db, user=store.current_user).apply_version(
        {
            "version_id": str(uuid.UUID(int=0x0771)),
            "case_id": case.id,
            "base_version_id": base_id,
            "resolves": [],
            "number": 2,
            "form": {"id": "intake", "version": "1"},
            "status": "ready_for_triage",
            "answers": {**BASE, **OTTO},
            "region": "demo",
            "training": False,
            "created_at": BASE_AT.isoformat(),
            "updated_at": OTTO_AT,
            "device_time": OTTO_AT,
            "created_by": "user-otto",
            "created_by_name": "Otto Jansen",
            "device_id": OTHER_DEVICE,
            "reason": "op de SEH",
            "legal_flags": [],
            "legal_decision_date": None,
            "banners_shown": [],
        }
    )
    assert outcome == "conflict", outcome
    return str(case.id)


def composite(window: Any, dialog: Any) -> Any:
    """The main window with the dialog drawn where the window manager would centre it
    (offscreen there is no window manager: the two grabs are painted together)."""
    from PySide6.QtCore import QPoint
    from PySide6.QtGui import QColor, QPainter, QPen

    image = window.grab().toImage()
    shot = dialog.grab()
    x = (image.width() - shot.width()) // 2
    y = max(0, (image.height() - shot.height()) // 2)
    painter = QPainter(image)
    painter.drawPixmap(QPoint(x, y), shot)
    painter.setPen(QPen(QColor("#606060"), 1))
    painter.drawRect(x - 1, y - 1, shot.width() + 1, shot.height() + 1)
    painter.end()
    return image


class _Image:
    """Lets :func:`small_screens.save` write an already painted image."""

    def __init__(self, image: Any) -> None:
        self.image = image

    def grab(self) -> Any:
        return self

    def toImage(self) -> Any:
        return self.image


def main(target: Path, size: str) -> None:
    configure_screen(size)
    from PySide6.QtWidgets import QApplication

    from desktop.session.desk import DeskSession
    from desktop.store import open_store
    from desktop.ui.history_view import HistoryDialog
    from desktop.ui.main_window import MainWindow
    from desktop.ui.qt_translations import install_qt_translations
    from desktop.ui.reconcile_view import ReconcileListDialog, ReconcileView

    app = QApplication.instance() or QApplication([])
    install_qt_translations("nl")
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(Path(tmp), "schermafdruk wachtwoord")
        session = DeskSession(
            store,
            store.create_profile("Anna de Vries", "desk"),
            clock=lambda: MERGED_AT.astimezone(),
        )
        case_id = build_conflict(store)
        window = MainWindow(session)
        window.setGeometry(0, 0, *(int(part) for part in size.split("x")))  # maximised
        window.show()
        app.processEvents()
        listing = ReconcileListDialog(session, window)
        listing.show()
        view = listing.open_case(case_id)
        assert isinstance(view, ReconcileView)
        app.processEvents()
        heads = [head.version.created_by_name for head in view.described.heads]
        anna, otto = heads.index("Anna de Vries"), heads.index("Otto Jansen")
        picks = {
            "youth.current_location": otto,
            "situation.reason": "both",
            "risk.suicidality": anna,
            "risk.means_available": otto,
            "risk.self_harm": otto,
        }
        for field_id, pick in picks.items():
            radios = view.radios[field_id]
            (radios[-2] if pick == "both" else radios[pick]).click()
        view.radios["situation.reason"][-2].setFocus()
        app.processEvents()
        listing.hide()  # under the merge view, as it is on the screen
        save(_Image(composite(window, view)), target / f"merge-{size}.png")
        factors = view.fields["risk.protective_factors"]
        assert factors.editor is not None
        factors.editor.setPlainText(MERGED_FACTORS)  # typing there chooses "zelf samenvoegen"
        factors.editor.setFocus()
        app.processEvents()  # laid out before scrolling: the text box whole at the bottom
        bar = view.fields_scroll.verticalScrollBar()
        bar.setValue(bar.maximum())
        app.processEvents()
        save(_Image(composite(window, view)), target / f"merge-{size}-texts.png")
        _pin_clock(MERGED_AT)
        view.save()
        assert view.result_version is not None, view.message.text()
        app.processEvents()
        case = session.get_case(case_id)
        history = HistoryDialog(session, case_id, session.form_for(case), window)
        history.show()
        last = history.tree.topLevelItem(history.tree.topLevelItemCount() - 1)
        for row in range(history.tree.topLevelItemCount()):
            item = history.tree.topLevelItem(row)
            if item is not None:
                item.setExpanded(True)
        history.tree.scrollToItem(last)
        app.processEvents()
        save(_Image(composite(window, history)), target / "history-after-merge.png")
        history.close()
        window.close()
        store.close()


if __name__ == "__main__":
    main(
        Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots"),
        sys.argv[2] if len(sys.argv) > 2 else "1280x720",
    )
