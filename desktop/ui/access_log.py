"""Wie heeft dit dossier ingezien (issue 21, NEN 7513): the case's accesses recorded on
this desk, read-only. Data comes from ``DeskSession.access_log``."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import _
from desktop.session.access import action_names


class AccessLogDialog(QDialog):
    def __init__(self, session: Any, case_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("access_log_dialog")
        self.setWindowTitle(_("Wie heeft dit dossier ingezien"))
        self.setAccessibleName(_("Wie heeft dit dossier ingezien"))
        intro = QLabel(
            _(
                "Toegang tot dit dossier vanaf dit apparaat. Het overzicht van de hele "
                "regio geeft de privacyfunctionaris (doorloop-central audit case)."
            )
        )
        intro.setWordWrap(True)
        self.tree = QTreeWidget()
        self.tree.setObjectName("access_log")
        self.tree.setAccessibleName(_("Toegang tot het dossier"))
        self.tree.setHeaderLabels(
            [_("Wanneer"), _("Wie"), _("Handeling"), _("Apparaat"), _("Reden")]
        )
        self.tree.setRootIsDecorated(False)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        names = action_names()
        for row in session.access_log(case_id):
            item = QTreeWidgetItem(
                [
                    str(row["at"])[:19].replace("T", " "),
                    row["who"],
                    names.get(row["action"], row["action"]),
                    str(row["device"])[:8],
                    row["reason"],
                ]
            )
            self.tree.addTopLevelItem(item)
        for column in range(5):
            self.tree.resizeColumnToContents(column)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.tree)
        layout.addWidget(buttons)
        self.resize(760, 360)
        self.tree.setFocus()
