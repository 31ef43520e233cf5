"""The report dialog: preview, print and save a case's handover summary or feedback letter.

The user picks the report (overdrachtsformulier or terugkoppeling aan verwijzer), the
language, for the feedback letter the extras (risk, background; off by default: data
minimisation) and the recipients (``handover.informed`` options). The preview shows the
pages of the report's PDF (:func:`desktop.session.printing.report_pdf`, rendered by PDFium in
:class:`desktop.ui.pdf_pages.PageView`: zoom with ``Ctrl++`` / ``Ctrl+-`` / ``Ctrl+0``,
``PageUp`` / ``PageDown`` page by page); printing paints those same pages on the
printer chosen in QPrintDialog (all, a page range or the current page), and "Opslaan als
PDF…" writes that same PDF. When :func:`desktop.session.printing.prepare_report` returns privacy
warnings, print and save stay disabled until "Ik heb dit afgewogen" is ticked. Every
print and save is audited by :mod:`desktop.session.printing`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from PySide6.QtCore import QSize, Qt
from PySide6.QtPrintSupport import QAbstractPrintDialog, QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import _, language
from desktop.session.desk import DeskSession
from desktop.session.printing import (
    PreparedReport,
    ReportKind,
    ReportRequest,
    prepare_report,
    recipient_options,
    record_output,
    report_pdf,
    save_pdf,
)
from desktop.ui.pdf_pages import (
    PageBar,
    PageView,
    PrintFailed,
    chosen_pages,
    prepare_printer,
    print_pdf,
)
from desktop.ui.screen_fit import fit_to_screen


@contextmanager
def busy() -> Iterator[None]:
    """A wait cursor while printing (a page at 300 dpi takes about a third of a second)."""
    QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    try:
        yield
    finally:
        QApplication.restoreOverrideCursor()


class ReportDialog(QDialog):
    """Preview, print and save a report of ``case_id``; open with ``exec()`` or ``open()``."""

    def __init__(
        self,
        session: DeskSession,
        case_id: str,
        parent: QWidget | None = None,
        *,
        kind: str = "handover",
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.case_id = case_id
        self.setObjectName("reportDialog")
        self.setWindowTitle(_("Rapport afdrukken of opslaan"))
        self.setAccessibleName(_("Rapport afdrukken of opslaan"))
        fit_to_screen(self, QSize(820, 720))
        self._report: PreparedReport | None = None
        self._pdf = b""
        self._warned: tuple[str, ...] = ()

        self.kind = QComboBox()
        self.kind.setObjectName("reportKind")
        self.kind.addItem(_("Overdrachtsformulier"), "handover")
        self.kind.addItem(_("Terugkoppeling aan verwijzer"), "feedback")
        self.kind.setAccessibleName(_("Soort rapport"))
        self.kind.setCurrentIndex(max(0, self.kind.findData(kind)))

        self.lang = QComboBox()
        self.lang.setObjectName("reportLanguage")
        self.lang.addItem(_("Nederlands"), "nl")
        self.lang.addItem(_("Engels"), "en")
        self.lang.setCurrentIndex(0 if language() == "nl" else 1)
        self.lang.setAccessibleName(_("Taal van het rapport"))

        self.include_risk = QCheckBox(_("R&isico meenemen"))
        self.include_risk.setObjectName("includeRisk")
        self.include_risk.setAccessibleName(_("Risico meenemen in de terugkoppeling"))
        self.include_background = QCheckBox(_("&Achtergrond meenemen"))
        self.include_background.setObjectName("includeBackground")
        self.include_background.setAccessibleName(_("Achtergrond meenemen in de terugkoppeling"))

        form = QFormLayout()
        kind_label = QLabel(_("&Rapport"))
        kind_label.setBuddy(self.kind)
        lang_label = QLabel(_("&Taal"))
        lang_label.setBuddy(self.lang)
        form.addRow(kind_label, self.kind)
        form.addRow(lang_label, self.lang)
        extras = QHBoxLayout()
        extras.addWidget(self.include_risk)
        extras.addWidget(self.include_background)
        extras.addStretch(1)
        form.addRow(_("Extra in de terugkoppeling"), extras)

        self.recipients_box = QGroupBox(_("Ontvangers"))
        self.recipients_box.setObjectName("recipients")
        self.recipients_box.setAccessibleName(_("Ontvangers van het rapport"))
        recipients_layout = QHBoxLayout(self.recipients_box)
        self.recipient_boxes: dict[str, QCheckBox] = {}
        case = session.get_case(case_id)
        for value, label in recipient_options(session.form_for(case), language()):
            box = QCheckBox(label)
            box.setObjectName(f"recipient_{value}")
            box.setAccessibleName(_("Ontvanger: {name}").format(name=label))
            recipients_layout.addWidget(box)
            self.recipient_boxes[value] = box

        self.preview = PageView()
        self.preview.setObjectName("reportPreview")
        self.preview.setAccessibleName(_("Voorbeeld van het rapport"))
        self.page_bar = PageBar(self.preview)

        self.warnings = QLabel()
        self.warnings.setObjectName("privacyWarnings")
        self.warnings.setWordWrap(True)
        self.warnings.setTextFormat(Qt.TextFormat.PlainText)
        self.warnings.setStyleSheet("color: #8a1c1c; font-weight: bold;")
        self.warnings.setAccessibleName(_("Privacywaarschuwing"))
        self.confirm = QCheckBox(_("Ik heb dit a&fgewogen"))
        self.confirm.setObjectName("privacyConfirm")
        self.confirm.setAccessibleName(_("Ik heb de privacywaarschuwing afgewogen"))

        self.print_button = QPushButton(_("Af&drukken…"))
        self.print_button.setObjectName("printButton")
        self.print_button.setAccessibleName(_("Afdrukken"))
        self.save_button = QPushButton(_("&Opslaan als PDF…"))
        self.save_button.setObjectName("saveButton")
        self.save_button.setAccessibleName(_("Opslaan als PDF"))
        self.close_button = QPushButton(_("Sluiten"))
        self.close_button.setObjectName("closeButton")
        self.close_button.setAccessibleName(_("Sluiten"))
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.print_button)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.close_button)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.recipients_box)
        layout.addWidget(self.page_bar)
        layout.addWidget(self.preview, 1)
        layout.addWidget(self.warnings)
        layout.addWidget(self.confirm)
        layout.addLayout(buttons)

        self.kind.currentIndexChanged.connect(self.refresh)
        self.lang.currentIndexChanged.connect(self.refresh)
        self.include_risk.toggled.connect(self.refresh)
        self.include_background.toggled.connect(self.refresh)
        for box in self.recipient_boxes.values():
            box.toggled.connect(self.refresh)
        self.confirm.toggled.connect(self._update_buttons)
        self.print_button.clicked.connect(self.print_report)
        self.save_button.clicked.connect(self.save_report)
        self.close_button.clicked.connect(self.reject)
        self.refresh()
        self.kind.setFocus()

    # -- state --------------------------------------------------------------------------

    def request(self) -> ReportRequest:
        """What the controls say now."""
        kind: ReportKind = self.kind.currentData()
        include: set[str] = set()
        if kind == "feedback":
            if self.include_risk.isChecked():
                include.add("risk")
            if self.include_background.isChecked():
                include.add("background")
        recipients = tuple(v for v, box in self.recipient_boxes.items() if box.isChecked())
        return ReportRequest(
            kind=kind,
            lang=self.lang.currentData(),
            include=frozenset(include),
            recipients=recipients,
        )

    @property
    def report(self) -> PreparedReport:
        """The report as previewed now."""
        assert self._report is not None
        return self._report

    @property
    def pdf(self) -> bytes:
        """The PDF previewed now: what is printed, and what "Opslaan als PDF" writes."""
        return self._pdf

    def refresh(self) -> None:
        """Rebuild the preview and the privacy warnings from the current choices."""
        feedback = self.kind.currentData() == "feedback"
        self.include_risk.setEnabled(feedback)
        self.include_background.setEnabled(feedback)
        self._report = prepare_report(self.session, self.case_id, self.request())
        self._pdf = report_pdf(self._report)
        self.preview.set_pdf(self._pdf)
        if self._report.warnings != self._warned:
            # A confirmation answers the warnings shown; new warnings need a new one.
            self._warned = self._report.warnings
            self.confirm.setChecked(False)
        shown = bool(self._report.warnings)
        self.warnings.setText("\n\n".join(self._report.warnings))
        self.warnings.setVisible(shown)
        self.confirm.setVisible(shown)
        self._update_buttons()

    def _confirmed(self) -> bool:
        return bool(self.report.warnings) and self.confirm.isChecked()

    def _update_buttons(self) -> None:
        allowed = not self.report.warnings or self.confirm.isChecked()
        self.print_button.setEnabled(allowed)
        self.save_button.setEnabled(allowed)

    # -- output -------------------------------------------------------------------------

    def print_report(self) -> bool:
        """Ask for a printer, print the report and audit it; False when cancelled."""
        if not self.print_button.isEnabled():
            return False
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setDocName(self.report.file_name())
        prepare_printer(printer, self.pdf)
        dialog = QPrintDialog(printer, self)
        dialog.setWindowTitle(_("Afdrukken"))
        dialog.setMinMax(1, self.preview.page_count())
        dialog.setOption(QAbstractPrintDialog.PrintDialogOption.PrintPageRange, True)
        dialog.setOption(QAbstractPrintDialog.PrintDialogOption.PrintCurrentPage, True)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return False
        return self.print_to(printer)

    def print_to(self, printer: QPrinter) -> bool:
        """Print the chosen pages of the previewed PDF on ``printer`` and audit the print.

        False (and nothing audited) when the page range holds no page of the report or
        the printer cannot be started.
        """
        report = self.report
        destination = printer.printerName() or printer.outputFileName() or None
        pages = chosen_pages(printer, self.preview.page_count(), self.preview.current_page())
        if not pages:
            QMessageBox.information(
                self,
                _("Afdrukken"),
                _("Het gekozen paginabereik bevat geen pagina van dit rapport."),
            )
            return False
        try:
            with busy():
                print_pdf(self.pdf, printer, pages)
        except PrintFailed:
            QMessageBox.warning(
                self, _("Afdrukken mislukt"), _("De printer kon niet worden gestart.")
            )
            return False
        record_output(
            self.session,
            report,
            "print",
            confirmed=self._confirmed(),
            destination=destination.rsplit("/", 1)[-1] if destination else None,
        )
        return True

    def save_report(self) -> bool:
        """Ask where to save the PDF, write it and audit the export; False when cancelled."""
        if not self.save_button.isEnabled():
            return False
        path, _filter = QFileDialog.getSaveFileName(
            self,
            _("Opslaan als PDF"),
            self.report.file_name(),
            _("PDF-bestanden (*.pdf)"),
        )
        if not path:
            return False
        if not path.lower().endswith(".pdf"):
            path += ".pdf"
        try:
            save_pdf(self.session, self.report, path, confirmed=self._confirmed())
        except OSError as error:
            QMessageBox.warning(
                self,
                _("Opslaan mislukt"),
                _("Het PDF-bestand kon niet worden opgeslagen: {error}").format(
                    error=error.strerror or str(error)
                ),
            )
            return False
        return True

    def done(self, result: int) -> None:
        """Close the dialog and free the previewed PDF's pages."""
        super().done(result)
        self.preview.clear()
