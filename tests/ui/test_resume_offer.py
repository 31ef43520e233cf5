"""The start-up offer of unfinished intakes tells the truth (issue 22).

It used to say "Wat is ingevuld, is bewaard" while the last seconds of typing could be
missing. Now each intake names the moment of its last commit (local time) and the field
that commit wrote, so the person knows where to look.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QLabel
from pytestqt.qtbot import QtBot

from desktop.session.desk import DeskSession
from desktop.ui.main_window import MainWindow, ResumeDialog

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def test_the_offer_names_the_last_commit_its_local_time_and_field(
    qtbot: QtBot, session: DeskSession
) -> None:
    case = session.new_case(
        {"youth.first_name": "Sem", "call.received_at": "2026-11-23T02:12:00+00:00"}
    )
    session.save_answers(case.id, {"situation.reason": "Ruzie thuis, moeder belt"})
    window = MainWindow(session)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    seen: dict[str, object] = {}

    def look() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, ResumeDialog):
            QTimer.singleShot(20, look)
            return
        seen["lines"] = dialog.lines()
        label = dialog.findChild(QLabel, "unfinished_text")
        seen["text"] = label.text() if label is not None else ""
        dialog.reject()

    QTimer.singleShot(0, look)
    window.offer_unfinished()

    last = session.store.audit.last_edit(case.id)
    assert last is not None
    committed_at, fields = last
    assert fields == ["situation.reason"]
    clock = committed_at.astimezone(AMSTERDAM).strftime("%H:%M:%S")
    assert seen["lines"] == [
        f"23-11-2026 03:12  Sem — laatst opgeslagen om {clock} — Wat is er aan de hand? "
        "— 3 velden ingevuld"
    ], "received at 02:12 UTC is 03:12 in Amsterdam; the commit in local time too"
    assert "Wat is ingevuld, is bewaard" not in str(seen["text"])
    assert "Wat daarna nog werd getypt, is niet bewaard" in str(seen["text"])
