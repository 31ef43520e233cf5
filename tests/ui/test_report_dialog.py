"""The report dialog: preview, save as PDF, print, data minimisation and the privacy gate."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QCheckBox, QDialog, QFileDialog, QWidget
from pytestqt.qtbot import QtBot

from desktop.desk import DeskSession
from desktop.ui import report_dialog
from desktop.ui.report_dialog import ReportDialog

pytestmark = pytest.mark.gui


def synthetic_case(session: DeskSession, **extra: Any) -> str:
    today = date.today()
    case = session.new_case(
        {
            "call.caller_name": "Dokter Testma",
            "call.caller_organisation": "Huisartsenpraktijk Voorbeeld",
            "youth.first_name": "Sem",
            "youth.last_name": "Voorbeeld",
            "youth.birth_date": date(today.year - 10, 1, 1).isoformat(),
        }
    )
    session.store.cases.save_answers(
        case.id,
        {
            "authority.parent1_name": "Petra Voorbeeld",
            "situation.reason": "Gedachten aan de dood met een plan.",
            "risk.suicidality": "plan",
            "handover.to_organisation": "Crisisteam Noord",
            **extra,
        },
        session.actor,
    )
    return case.id


def sixteen() -> str:
    return date(date.today().year - 16, 1, 1).isoformat()


def open_dialog(qtbot: QtBot, session: DeskSession, case_id: str) -> ReportDialog:
    dialog = ReportDialog(session, case_id)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def events(session: DeskSession, case_id: str, action: str) -> list[Any]:
    return [e for e in session.store.audit.events(case_id=case_id) if e.action == action]


def fake_save(monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(path), "PDF"))
    )


def test_preview_shows_the_case(qtbot: QtBot, session: DeskSession) -> None:
    dialog = open_dialog(qtbot, session, synthetic_case(session))
    text = dialog.preview.toPlainText()
    assert "Overdrachtsformulier" in text
    assert "Sem Voorbeeld" in text
    assert "Crisisteam Noord" in text
    dialog.kind.setCurrentIndex(dialog.kind.findData("feedback"))
    assert "Dokter Testma" in dialog.preview.toPlainText()
    assert not dialog.warnings.isVisible()
    assert dialog.save_button.isEnabled() and dialog.print_button.isEnabled()


def test_save_as_pdf_writes_a_pdf_and_audits_the_fields(
    qtbot: QtBot, session: DeskSession, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    case_id = synthetic_case(session)
    dialog = open_dialog(qtbot, session, case_id)
    fake_save(monkeypatch, tmp_path / "overdracht")  # no suffix: the dialog adds .pdf
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    written = tmp_path / "overdracht.pdf"
    assert written.read_bytes().startswith(b"%PDF-")
    (event,) = events(session, case_id, "export")
    assert event.details["kind"] == "handover"
    assert event.details["destination"] == "overdracht.pdf"
    assert "authority.parent1_name" in event.details["fields"]
    assert "situation.reason" in event.details["fields"]


def test_cancelled_save_writes_and_logs_nothing(
    qtbot: QtBot, session: DeskSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    case_id = synthetic_case(session)
    dialog = open_dialog(qtbot, session, case_id)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: ("", "")))
    assert dialog.save_report() is False
    assert events(session, case_id, "export") == []


def test_feedback_leaves_out_risk_unless_ticked(
    qtbot: QtBot, session: DeskSession, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    case_id = synthetic_case(session)
    dialog = open_dialog(qtbot, session, case_id)
    assert not dialog.include_risk.isEnabled()  # handover: not applicable
    dialog.kind.setCurrentIndex(dialog.kind.findData("feedback"))
    assert dialog.include_risk.isEnabled() and not dialog.include_risk.isChecked()
    assert "risk.suicidality" not in dialog.report.fields
    fake_save(monkeypatch, tmp_path / "zonder.pdf")
    assert dialog.save_report()

    dialog.include_risk.setChecked(True)
    assert "risk.suicidality" in dialog.report.fields
    fake_save(monkeypatch, tmp_path / "met.pdf")
    assert dialog.save_report()

    without, with_risk = events(session, case_id, "export")
    assert "risk.suicidality" not in without.details["fields"]
    assert without.details["include"] == []
    assert "risk.suicidality" in with_risk.details["fields"]
    assert with_risk.details["include"] == ["risk"]


def test_16_year_old_without_consent_blocks_until_confirmed(
    qtbot: QtBot, session: DeskSession, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    case_id = synthetic_case(session, **{"youth.birth_date": sixteen()})
    dialog = open_dialog(qtbot, session, case_id)
    dialog.kind.setCurrentIndex(dialog.kind.findData("feedback"))
    assert dialog.save_button.isEnabled()
    dialog.recipient_boxes["parents"].setChecked(True)

    assert dialog.warnings.isVisible() and "16 jaar" in dialog.warnings.text()
    assert dialog.confirm.isVisible() and not dialog.confirm.isChecked()
    assert not dialog.save_button.isEnabled()
    assert not dialog.print_button.isEnabled()
    fake_save(monkeypatch, tmp_path / "brief.pdf")
    assert dialog.save_report() is False
    assert not (tmp_path / "brief.pdf").exists()

    dialog.confirm.setFocus()
    qtbot.keyClick(dialog.confirm, Qt.Key.Key_Space)  # keyboard only
    assert dialog.save_button.isEnabled() and dialog.print_button.isEnabled()
    assert dialog.save_report()
    (event,) = events(session, case_id, "export")
    assert event.details["recipients"] == ["parents"]
    assert event.details["privacy_confirmed"] is True
    assert len(event.details["privacy_warnings"]) == 1


def test_new_warnings_need_a_new_confirmation(qtbot: QtBot, session: DeskSession) -> None:
    case_id = synthetic_case(session, **{"youth.birth_date": sixteen()})
    dialog = open_dialog(qtbot, session, case_id)
    dialog.recipient_boxes["parents"].setChecked(True)  # handover with parents' details: 2
    dialog.confirm.setChecked(True)
    assert dialog.save_button.isEnabled()
    dialog.recipient_boxes["parents"].setChecked(False)  # still shows parents' details: 1
    assert dialog.warnings.isVisible() and not dialog.confirm.isChecked()
    assert not dialog.save_button.isEnabled()


def test_consent_removes_the_gate(qtbot: QtBot, session: DeskSession) -> None:
    case_id = synthetic_case(
        session,
        **{"youth.birth_date": sixteen(), "handover.consent_to_inform_parents": True},
    )
    dialog = open_dialog(qtbot, session, case_id)
    dialog.recipient_boxes["parents"].setChecked(True)
    assert not dialog.warnings.isVisible()
    assert dialog.save_button.isEnabled()


def test_print_goes_through_the_print_dialog_and_is_audited(
    qtbot: QtBot, session: DeskSession, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    case_id = synthetic_case(session, **{"youth.birth_date": sixteen()})
    target = tmp_path / "printer.pdf"

    class AcceptingPrintDialog:
        def __init__(self, printer: QPrinter, parent: QWidget) -> None:
            printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
            printer.setOutputFileName(str(target))

        def setWindowTitle(self, title: str) -> None:
            assert title

        def exec(self) -> QDialog.DialogCode:
            return QDialog.DialogCode.Accepted

    monkeypatch.setattr(report_dialog, "QPrintDialog", AcceptingPrintDialog)
    dialog = open_dialog(qtbot, session, case_id)
    dialog.recipient_boxes["gp"].setChecked(True)
    dialog.confirm.setChecked(True)  # the handover shows the parents' details
    assert dialog.print_report()
    assert target.read_bytes().startswith(b"%PDF-")
    (event,) = events(session, case_id, "print")
    assert event.details["recipients"] == ["gp"]
    assert event.details["privacy_confirmed"] is True
    assert event.details["sections"] == list(dialog.report.section_ids)
    assert "authority.parent1_name" in event.details["fields"]


def test_every_control_is_named_and_reachable(qtbot: QtBot, session: DeskSession) -> None:
    dialog = open_dialog(qtbot, session, synthetic_case(session))
    controls = [
        dialog.kind,
        dialog.lang,
        dialog.include_risk,
        dialog.include_background,
        *dialog.recipient_boxes.values(),
        dialog.preview,
        dialog.confirm,
        dialog.print_button,
        dialog.save_button,
        dialog.close_button,
    ]
    for control in controls:
        assert control.objectName()
        assert control.accessibleName()
        assert control.focusPolicy() & Qt.FocusPolicy.TabFocus
    assert all(isinstance(box, QCheckBox) for box in dialog.recipient_boxes.values())


def test_english_report_language(qtbot: QtBot, session: DeskSession) -> None:
    dialog = open_dialog(qtbot, session, synthetic_case(session))
    dialog.lang.setCurrentIndex(dialog.lang.findData("en"))
    assert dialog.report.request.lang == "en"
    assert "Handed over to (organisation / team)" in dialog.preview.toPlainText()
