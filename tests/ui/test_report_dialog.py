"""The report dialog: the PDF's pages as preview, zoom and page keys, print (page ranges),
save as PDF, data minimisation and the privacy gate."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPageRanges
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QApplication, QCheckBox, QDialog, QFileDialog, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from desktop.reports.raster import PageImage, render_page
from desktop.session.desk import DeskSession
from desktop.ui import report_dialog
from desktop.ui.pdf_pages import page_qimage
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


LONG_STORY = "\n\n".join(
    f"Alinea {n}: de jeugdige vertelt over school, thuis en vrienden. " * 4 for n in range(1, 41)
)


def long_case(session: DeskSession) -> str:
    """A case whose handover runs over several pages."""
    return synthetic_case(session, **{"situation.reason": LONG_STORY})


def sixteen() -> str:
    return date(date.today().year - 16, 1, 1).isoformat()


def open_dialog(qtbot: QtBot, session: DeskSession, case_id: str) -> ReportDialog:
    dialog = ReportDialog(session, case_id)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def events(session: DeskSession, case_id: str, action: str) -> list[Any]:
    return [e for e in session.store.audit.events(case_id=case_id) if e.action == action]


def preview_text(dialog: ReportDialog) -> str:
    """What a screen reader gets of the preview: each page's text, in page order."""
    return " ".join(
        " ".join(page.accessibleDescription().split()) for page in dialog.preview.pages()
    )


def pdf_page_count(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


def ink(image: QImage) -> int:
    """Dark pixels in ``image`` (sampled every other pixel)."""
    grey = image.convertToFormat(QImage.Format.Format_Grayscale8)
    return sum(
        1
        for y in range(0, grey.height(), 2)
        for x in range(0, grey.width(), 2)
        if grey.pixelColor(x, y).value() < 128
    )


def difference(a: PageImage, b: PageImage) -> float:
    """Mean absolute grey difference (0-255) of two grey renders of the same size (±1 px)."""
    assert a.format == b.format == "L"
    width, height = min(a.width, b.width), min(a.height, b.height)
    total = 0
    for y in range(height):
        row_a = a.data[y * a.stride : y * a.stride + width]
        row_b = b.data[y * b.stride : y * b.stride + width]
        total += sum(abs(p - q) for p, q in zip(row_a, row_b, strict=True))
    return total / (width * height)


def closest_page(printed: bytes, sheet: int, pdf: bytes) -> int:
    """The page of ``pdf`` (from 0) that sheet ``sheet`` of the printer's output shows.

    A printed sheet is an image of the page, so it is compared by pixels; the closest
    page must be clearly closer than any other.
    """
    shown = render_page(printed, sheet, 30, grayscale=True)
    ranked = sorted(
        (difference(shown, render_page(pdf, index, 30, grayscale=True)), index)
        for index in range(pdf_page_count(pdf))
    )
    (best, index), (runner_up, _other) = ranked[0], ranked[1]
    assert best < 0.8 * runner_up, ranked
    return index


def activate(qtbot: QtBot, dialog: ReportDialog) -> None:
    """Make the dialog the active window (window shortcuts need it) and focus the pages."""
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
    dialog.preview.setFocus()


def fake_print_dialog(
    monkeypatch: pytest.MonkeyPatch, target: Path, choose: Callable[[QPrinter], None] = print
) -> list[tuple[int, int]]:
    """Replace the modal QPrintDialog: print to ``target`` as PDF, ``choose`` the pages.

    Returns the page limits the dialog was given (one entry per dialog opened).
    """
    limits: list[tuple[int, int]] = []

    class AcceptingPrintDialog:
        def __init__(self, printer: QPrinter, parent: QWidget) -> None:
            self.printer = printer
            printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
            printer.setOutputFileName(str(target))

        def setWindowTitle(self, title: str) -> None:
            assert title

        def setMinMax(self, low: int, high: int) -> None:
            limits.append((low, high))

        def setOption(self, option: object, on: bool = True) -> None:
            assert on

        def exec(self) -> QDialog.DialogCode:
            if choose is not print:
                choose(self.printer)
            return QDialog.DialogCode.Accepted

    monkeypatch.setattr(report_dialog, "QPrintDialog", AcceptingPrintDialog)
    return limits


def fake_save(monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(path), "PDF"))
    )


def test_preview_shows_the_case(qtbot: QtBot, session: DeskSession) -> None:
    dialog = open_dialog(qtbot, session, synthetic_case(session))
    text = preview_text(dialog)
    assert "Overdrachtsformulier" in text
    assert "Naam Sem Voorbeeld" in text
    assert "Crisisteam Noord" in text
    dialog.kind.setCurrentIndex(dialog.kind.findData("feedback"))
    assert "Terugkoppeling aan verwijzer" in preview_text(dialog)
    assert "Dokter Testma" in preview_text(dialog)
    assert not dialog.warnings.isVisible()
    assert dialog.save_button.isEnabled() and dialog.print_button.isEnabled()


def test_preview_shows_every_page_of_the_pdf_as_rendered(
    qtbot: QtBot, session: DeskSession
) -> None:
    dialog = open_dialog(qtbot, session, long_case(session))
    count = pdf_page_count(dialog.pdf)
    assert count >= 3
    pages = dialog.preview.pages()
    assert len(pages) == dialog.preview.page_count() == count
    assert [page.accessibleName() for page in pages] == [
        f"Pagina {n} van {count}" for n in range(1, count + 1)
    ]
    assert dialog.page_bar.page_indicator.text() == f"Pagina 1 van {count}"
    for page in pages:
        paper = page.page_rect()
        assert paper.height() / paper.width() == pytest.approx(297 / 210, abs=0.01)  # A4
    assert "pagina 2 van" in " ".join(pages[1].accessibleDescription().split())

    # what is shown is the saved PDF's page, pixel for pixel
    shown = pages[0].image()
    dpi = shown.width() / (595.2756 / 72)
    expected = page_qimage(render_page(dialog.pdf, 0, dpi))
    assert ink(shown) > 500
    assert shown.convertToFormat(QImage.Format.Format_RGB32) == expected.convertToFormat(
        QImage.Format.Format_RGB32
    )


def test_pages_are_rendered_when_they_come_into_view(qtbot: QtBot, session: DeskSession) -> None:
    dialog = open_dialog(qtbot, session, long_case(session))
    dialog.resize(820, 720)
    pages = dialog.preview.pages()
    qtbot.waitUntil(lambda: pages[0].rendered)
    assert not pages[-1].rendered  # not yet seen
    dialog.preview.go_to_page(len(pages))
    qtbot.waitUntil(lambda: pages[-1].rendered)
    assert not pages[0].rendered  # far out of view: its pixels are let go
    assert all(ms < 1000 for ms in dialog.preview.render_ms)


def test_switching_kind_or_language_renders_the_new_pdf(qtbot: QtBot, session: DeskSession) -> None:
    dialog = open_dialog(qtbot, session, long_case(session))
    handover_pdf, handover_pages = dialog.pdf, dialog.preview.page_count()
    handover_image = dialog.preview.pages()[0].image()
    assert handover_pages == pdf_page_count(handover_pdf)

    dialog.kind.setCurrentIndex(dialog.kind.findData("feedback"))
    assert dialog.pdf != handover_pdf
    assert dialog.preview.page_count() == pdf_page_count(dialog.pdf)
    assert dialog.preview.page_count() < handover_pages  # the letter leaves the story out
    assert "Terugkoppeling aan verwijzer" in dialog.preview.pages()[0].accessibleDescription()
    assert "Alinea 1:" not in preview_text(dialog)
    assert dialog.preview.pages()[0].image() != handover_image
    count = dialog.preview.page_count()
    assert dialog.page_bar.page_indicator.text() == f"Pagina 1 van {count}"

    dialog.lang.setCurrentIndex(dialog.lang.findData("en"))
    assert "Doorloop — Feedback Confidential" in preview_text(dialog)


def test_keyboard_zoom_changes_the_page_size(qtbot: QtBot, session: DeskSession) -> None:
    dialog = open_dialog(qtbot, session, synthetic_case(session))
    activate(qtbot, dialog)
    page = dialog.preview.pages()[0]
    fitted = page.width()
    assert dialog.preview.fits_width
    assert fitted <= dialog.preview.viewport().width()

    qtbot.keyClick(dialog.preview, Qt.Key.Key_Plus, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(dialog.preview, Qt.Key.Key_Plus, Qt.KeyboardModifier.ControlModifier)
    larger = page.width()
    assert larger > fitted and not dialog.preview.fits_width
    assert dialog.page_bar.zoom_label.text() == f"{round(dialog.preview.zoom * 100)} %"
    assert page.image().width() >= larger - page.SHADOW - 1  # rendered anew, not stretched

    qtbot.keyClick(dialog.preview, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    assert fitted < page.width() < larger

    qtbot.keyClick(dialog.preview, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    assert dialog.preview.fits_width and page.width() == fitted

    for _step in range(20):  # zoom stops at its limits
        qtbot.keyClick(dialog.preview, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    assert dialog.preview.zoom == dialog.preview.ZOOM_STEPS[0]


def test_page_keys_go_page_by_page(qtbot: QtBot, session: DeskSession) -> None:
    dialog = open_dialog(qtbot, session, long_case(session))
    activate(qtbot, dialog)
    count = dialog.preview.page_count()
    pages = dialog.preview.pages()
    bar = dialog.preview.verticalScrollBar()

    qtbot.keyClick(dialog.preview, Qt.Key.Key_PageDown)
    assert dialog.page_bar.page_indicator.text() == f"Pagina 2 van {count}"
    assert bar.value() < pages[1].y() < bar.value() + dialog.preview.SPACING  # page 2 on top
    qtbot.keyClick(dialog.preview, Qt.Key.Key_End)
    assert dialog.preview.current_page() == count
    qtbot.keyClick(dialog.preview, Qt.Key.Key_PageUp)
    assert dialog.preview.current_page() == count - 1
    qtbot.keyClick(dialog.preview, Qt.Key.Key_Home)
    assert dialog.preview.current_page() == 1 and bar.value() == 0
    qtbot.keyClick(dialog.preview, Qt.Key.Key_PageUp)  # nothing before the first page
    assert dialog.preview.current_page() == 1


def test_save_as_pdf_writes_a_pdf_and_audits_the_fields(
    qtbot: QtBot, session: DeskSession, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    case_id = synthetic_case(session)
    dialog = open_dialog(qtbot, session, case_id)
    fake_save(monkeypatch, tmp_path / "overdracht")  # no suffix: the dialog adds .pdf
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    written = tmp_path / "overdracht.pdf"
    assert written.read_bytes() == dialog.pdf  # the very PDF the preview shows
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
    limits = fake_print_dialog(monkeypatch, target)
    dialog = open_dialog(qtbot, session, case_id)
    dialog.recipient_boxes["gp"].setChecked(True)
    dialog.confirm.setChecked(True)  # the handover shows the parents' details
    assert dialog.print_report()
    assert limits == [(1, dialog.preview.page_count())]
    printed = target.read_bytes()
    assert printed.startswith(b"%PDF-")
    assert pdf_page_count(printed) == pdf_page_count(dialog.pdf) == dialog.preview.page_count()
    # the sheet is the previewed page: render both and compare
    sheet = render_page(printed, 0, 30, grayscale=True)
    page = render_page(dialog.pdf, 0, 30, grayscale=True)
    # the printed sheet is this page: close to it (a scaled raster of a dense first
    # page stays within ~4-5 grey levels) and clearly closer than to another report's page
    from desktop.session.printing import ReportRequest, prepare_report, report_pdf

    letter = report_pdf(prepare_report(session, case_id, ReportRequest(kind="feedback")))
    other = render_page(letter, 0, 30, grayscale=True)
    assert difference(sheet, page) < 6
    assert difference(sheet, page) < 0.6 * difference(sheet, other)
    (event,) = events(session, case_id, "print")
    assert event.details["recipients"] == ["gp"]
    assert event.details["privacy_confirmed"] is True
    assert event.details["sections"] == list(dialog.report.section_ids)
    assert "authority.parent1_name" in event.details["fields"]
    assert event.details["destination"] == "printer.pdf"


def test_print_respects_the_page_range_and_the_current_page(
    qtbot: QtBot, session: DeskSession, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    case_id = long_case(session)
    dialog = open_dialog(qtbot, session, case_id)
    dialog.confirm.setChecked(dialog.confirm.isVisible())
    count = dialog.preview.page_count()
    assert count >= 3

    def pages_1_and_3(printer: QPrinter) -> None:
        ranges = QPageRanges()
        ranges.addPage(1)
        ranges.addPage(3)
        printer.setPrintRange(QPrinter.PrintRange.PageRange)
        printer.setPageRanges(ranges)

    fake_print_dialog(monkeypatch, tmp_path / "range.pdf", pages_1_and_3)
    assert dialog.print_report()
    printed = (tmp_path / "range.pdf").read_bytes()
    assert pdf_page_count(printed) == 2
    assert [closest_page(printed, sheet, dialog.pdf) for sheet in (0, 1)] == [0, 2]

    dialog.preview.go_to_page(2)

    def current(printer: QPrinter) -> None:
        printer.setPrintRange(QPrinter.PrintRange.CurrentPage)

    fake_print_dialog(monkeypatch, tmp_path / "current.pdf", current)
    assert dialog.print_report()
    printed = (tmp_path / "current.pdf").read_bytes()
    assert pdf_page_count(printed) == 1
    assert closest_page(printed, 0, dialog.pdf) == 1
    assert len(events(session, case_id, "print")) == 2


def test_a_range_without_pages_of_the_report_prints_and_logs_nothing(
    qtbot: QtBot, session: DeskSession, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    case_id = synthetic_case(session)
    dialog = open_dialog(qtbot, session, case_id)
    told: list[str] = []
    monkeypatch.setattr(
        QMessageBox, "information", staticmethod(lambda parent, title, text: told.append(text))
    )

    def pages_7_to_9(printer: QPrinter) -> None:
        printer.setPrintRange(QPrinter.PrintRange.PageRange)
        printer.setFromTo(7, 9)

    fake_print_dialog(monkeypatch, tmp_path / "none.pdf", pages_7_to_9)
    assert dialog.print_report() is False
    assert told and "paginabereik" in told[0]
    assert not (tmp_path / "none.pdf").exists()
    assert events(session, case_id, "print") == []


@pytest.mark.qt_log_ignore("QPainter::begin", "QPdfWriter", "QFile", "QPrinter")
def test_a_printer_that_cannot_start_logs_nothing(
    qtbot: QtBot, session: DeskSession, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    case_id = synthetic_case(session)
    dialog = open_dialog(qtbot, session, case_id)
    warned: list[str] = []
    monkeypatch.setattr(
        QMessageBox, "warning", staticmethod(lambda parent, title, text: warned.append(title))
    )
    fake_print_dialog(monkeypatch, tmp_path / "no such folder" / "out.pdf")
    assert dialog.print_report() is False
    assert warned == ["Afdrukken mislukt"]
    assert events(session, case_id, "print") == []
    assert QApplication.overrideCursor() is None  # the wait cursor is gone again


def test_closing_frees_the_pages(qtbot: QtBot, session: DeskSession) -> None:
    dialog = open_dialog(qtbot, session, synthetic_case(session))
    assert dialog.preview.has_pdf()
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible()
    assert not dialog.preview.has_pdf() and dialog.preview.page_count() == 0


def test_every_control_is_named_and_reachable(qtbot: QtBot, session: DeskSession) -> None:
    dialog = open_dialog(qtbot, session, synthetic_case(session))
    controls = [
        dialog.kind,
        dialog.lang,
        dialog.include_risk,
        dialog.include_background,
        *dialog.recipient_boxes.values(),
        dialog.page_bar.zoom_out_button,
        dialog.page_bar.zoom_in_button,
        dialog.page_bar.fit_width_button,
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
    for label in (dialog.page_bar.zoom_label, dialog.page_bar.page_indicator):
        assert label.objectName() and label.accessibleName()
    assert "Ctrl++" in dialog.page_bar.zoom_in_button.toolTip()


def test_english_report_language(qtbot: QtBot, session: DeskSession) -> None:
    dialog = open_dialog(qtbot, session, synthetic_case(session))
    dialog.lang.setCurrentIndex(dialog.lang.findData("en"))
    assert dialog.report.request.lang == "en"
    assert "Handed over to (organisation / team) Crisisteam Noord" in preview_text(dialog)
    assert "Overgedragen aan" not in preview_text(dialog)
