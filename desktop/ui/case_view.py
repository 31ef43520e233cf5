"""Which widget shows an opened case. The intake view replaces the read-only one."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QLabel, QTextBrowser, QVBoxLayout, QWidget

from desktop.i18n import _, pick


class CaseDetailsView(QWidget):
    """A read-only overview of a case's answers, by section, in form order."""

    def __init__(self, session: Any, case_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from desktop.forms import load_form

        self.case_id = case_id
        case = session.open_case(case_id)
        form = load_form(case.form_id, case.form_version)
        browser = QTextBrowser()
        browser.setObjectName("case_details")
        browser.setAccessibleName(_("Overzicht van de casus"))
        parts: list[str] = []
        for section in form.sections:
            rows = [
                f"<tr><th align=left>{pick(field.label)}</th>"
                f"<td>{_html(case.answers[field.id])}</td></tr>"
                for field in section.fields
                if field.id in case.answers
            ]
            if rows:
                parts.append(f"<h3>{pick(section.title)}</h3><table>{''.join(rows)}</table>")
        browser.setHtml("".join(parts) or _("Nog niets ingevuld."))
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(_("Casus {id}").format(id=case_id[:8])))
        layout.addWidget(browser)

    def flush(self) -> None:
        """Nothing to save: this view is read-only."""


def _html(value: Any) -> str:
    from html import escape

    if isinstance(value, list):
        return escape(", ".join(map(str, value)))
    return escape(str(value))


def make_case_view(session: Any, case_id: str, parent: QWidget | None = None) -> QWidget:
    return CaseDetailsView(session, case_id, parent)
