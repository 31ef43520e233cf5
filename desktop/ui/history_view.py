"""The read-only history of a case: every version with who, when and why, and what changed.

Earlier triage decisions stay visible here after an amendment ("afspraak is afspraak").
Data comes from ``DeskSession.history``; this view never edits anything.

Readable on a small laptop screen (1280×720): the dialog fits the screen, the field labels
are shown whole, and under the list the selected version's changes are written out in
full, wrapped (a long text such as a merged "both texts" does not fit a list cell).
"""

from __future__ import annotations

from html import escape
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QSplitter,
    QTextBrowser,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop import timefmt
from desktop.forms import FormDefinition
from desktop.forms.text import answer_text
from desktop.i18n import _, pick
from desktop.session.desk import DeskSession
from desktop.ui.screen_fit import fit_to_screen


def value_text(form: FormDefinition, field_id: str, value: Any, zone: ZoneInfo) -> str:
    """An answer as a person reads it: :func:`desktop.forms.text.answer_text`."""
    return answer_text(form, field_id, value, zone=zone)


class HistoryDialog(QDialog):
    def __init__(
        self,
        session: DeskSession,
        case_id: str,
        form: FormDefinition,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("history_dialog")
        self.setWindowTitle(_("Geschiedenis van casus {id}").format(id=case_id[:8]))
        zone = ZoneInfo(form.timezone)
        self.tree = QTreeWidget()
        self.tree.setObjectName("history")
        self.tree.setAccessibleName(_("Versies van de casus"))
        self.tree.setHeaderLabels([_("Versie"), _("Wanneer"), _("Wie"), _("Status"), _("Waarom")])
        self.tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.entries = session.history(case_id)
        self._details: list[str] = []
        for entry in self.entries:
            if entry.base_number is not None:
                number = _("{n} (op basis van versie {base})").format(
                    n=entry.number, base=entry.base_number
                )
            elif entry.base_version_id:
                number = _("{n} (basisversie niet op deze desk)").format(n=entry.number)
            else:
                number = str(entry.number)
            when = timefmt.format_datetime(entry.created_at, zone)
            item = QTreeWidgetItem(
                [number, when, entry.created_by_name, form.status_label(entry.status), entry.why]
            )
            title = _("Versie {number}").format(number=number)
            parts = [
                f"<p><b>{escape(title)}</b> — "
                f"{escape(entry.created_by_name)}, {escape(when)} — {escape(entry.why)}</p>"
            ]
            for field_id in entry.changed:
                label = pick(form.field(field_id).label) if form.has_field(field_id) else field_id
                before = value_text(form, field_id, entry.base_answers.get(field_id), zone)
                after = value_text(form, field_id, entry.answers.get(field_id), zone)
                child = QTreeWidgetItem(item, ["", "", "", label, f"{before} → {after}"])
                child.setToolTip(4, f"{before} → {after}")
                parts.append(
                    f"<p><b>{escape(label)}</b><br>{_html(before)}<br>→ {_html(after)}</p>"
                )
            if not entry.changed:
                nothing = _("Geen antwoorden gewijzigd.")
                parts.append(f"<p>{escape(nothing)}</p>")
            self._details.append("".join(parts))
            self.tree.addTopLevelItem(item)
        self.tree.expandAll()  # the columns fit the field labels too, not only the versions
        for column in range(4):
            self.tree.resizeColumnToContents(column)
        self.tree.collapseAll()
        self.detail = QTextBrowser()
        self.detail.setObjectName("history_detail")
        self.detail.setAccessibleName(_("Wijzigingen van de gekozen versie"))
        self.tree.currentItemChanged.connect(lambda *_args: self._show_detail())
        last = self.tree.topLevelItem(self.tree.topLevelItemCount() - 1)
        if self.entries and last is not None:
            last.setExpanded(True)  # what the newest version changed, at once
            self.tree.setCurrentItem(last)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText(_("Sluiten"))
        buttons.rejected.connect(self.reject)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.tree)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)
        layout.addWidget(buttons)
        self._fit_to_screen()

    def _fit_to_screen(self) -> None:
        fit_to_screen(self, QSize(1100, 640))

    def _show_detail(self) -> None:
        """The selected version's changes in full, wrapped (a field row selects its version)."""
        item = self.tree.currentItem()
        while item is not None and item.parent() is not None:
            item = item.parent()
        row = self.tree.indexOfTopLevelItem(item) if item is not None else -1
        self.detail.setHtml(self._details[row] if 0 <= row < len(self._details) else "")

    def detail_text(self) -> str:
        """The detail pane as plain text (for tests and screen readers alike)."""
        return self.detail.toPlainText()

    def changes(self, row: int) -> list[list[str]]:
        """The field changes under one row: [label, "before → after"]."""
        item = self.tree.topLevelItem(row)
        if item is None:
            return []
        children = (item.child(i) for i in range(item.childCount()))
        return [[child.text(3), child.text(4)] for child in children if child is not None]

    def rows(self) -> list[list[str]]:
        """The top-level rows as shown (for tests and screen readers alike)."""
        return [
            [item.text(c) for c in range(5)]
            for i in range(self.tree.topLevelItemCount())
            if (item := self.tree.topLevelItem(i)) is not None
        ]


def _html(text: str) -> str:
    """Plain text for the detail pane: escaped, its own line breaks kept."""
    return escape(text).replace("\n", "<br>")
