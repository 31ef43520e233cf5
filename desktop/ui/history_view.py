"""The read-only history of a case: every version with who, when and why, and what changed.

Earlier triage decisions stay visible here after an amendment ("afspraak is afspraak").
Data comes from ``DeskSession.history``; this view never edits anything.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
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
        self.resize(900, 500)
        zone = ZoneInfo(form.timezone)
        self.tree = QTreeWidget()
        self.tree.setObjectName("history")
        self.tree.setAccessibleName(_("Versies van de casus"))
        self.tree.setHeaderLabels([_("Versie"), _("Wanneer"), _("Wie"), _("Status"), _("Waarom")])
        self.tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.entries = session.history(case_id)
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
            for field_id in entry.changed:
                label = pick(form.field(field_id).label) if form.has_field(field_id) else field_id
                before = value_text(form, field_id, entry.base_answers.get(field_id), zone)
                after = value_text(form, field_id, entry.answers.get(field_id), zone)
                QTreeWidgetItem(item, ["", "", "", label, f"{before} → {after}"])
            self.tree.addTopLevelItem(item)
        for column in range(4):
            self.tree.resizeColumnToContents(column)
        last = self.tree.topLevelItem(self.tree.topLevelItemCount() - 1)
        if self.entries and last is not None:
            self.tree.setCurrentItem(last)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText(_("Sluiten"))
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tree)
        layout.addWidget(buttons)

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
