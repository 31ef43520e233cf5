"""Qt item models for the case list: a lazily fetched table over the store's summaries.

The source model pages through ``DeskSession.summaries`` (SQL does search and
order, so 100,000 cases open as fast as 200); the proxy adds the "show closed" filter
and hands sorting back to the source, which re-queries in the chosen order.

The list follows the store: after every committed change of a case (typed here, pulled
by the sync worker, reconciled) its row is read again (:meth:`CaseListModel.follow_store`,
fed by :func:`desktop.ui.store_events.events_for`); a case not listed yet reloads the
rows already fetched. Times are shown in the desk's local time (Europe/Amsterdam).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QBrush, QColor

from desktop import timefmt
from desktop.i18n import _
from desktop.store import CaseSummary
from desktop.ui import labels

PAGE = 200
Index = QModelIndex | QPersistentModelIndex

COLUMNS = ("received_at", "youth_name", "age", "urgency", "status", "deadline", "sync_state")
SORTABLE = {
    "received_at": "received_at",
    "youth_name": "youth_name",
    "urgency": "urgency",
    "status": "status",
    "deadline": "deadline",
}
CASE_ID_ROLE = Qt.ItemDataRole.UserRole + 1
STATUS_ROLE = Qt.ItemDataRole.UserRole + 2


def column_titles() -> list[str]:
    return [
        _("Ontvangen"),
        _("Jeugdige"),
        _("Leeftijd"),
        _("Urgentie"),
        _("Status"),
        _("Deadline"),
        _("Synchronisatie"),
    ]


def age_text(summary: CaseSummary) -> str:
    if summary.birth_date:
        try:
            born = date.fromisoformat(summary.birth_date)
        except ValueError:
            return _("onbekend")
        on = _received_date(summary) or date.today()
        years = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
        return str(years)
    if summary.age_estimate is not None:
        return f"± {summary.age_estimate:g}"
    return _("onbekend")


def _received_date(summary: CaseSummary) -> date | None:
    if not summary.received_at:
        return None
    try:
        return datetime.fromisoformat(summary.received_at).date()
    except ValueError:
        return None


def received_text(summary: CaseSummary) -> str:
    if not summary.received_at:
        return ""
    try:
        moment = datetime.fromisoformat(summary.received_at)
    except ValueError:
        return summary.received_at
    return timefmt.format_datetime(moment, DESK_ZONE)


DESK_ZONE = timefmt.desk_zone()
"""The desk's local time (the forms' time zone): the list and the start-up offer show
stored moments (UTC, or another offset) in it."""


def local_time(moment: datetime) -> datetime:
    """``moment`` in the desk's local time (a time without an offset is taken as local)."""
    return timefmt.to_local(moment, DESK_ZONE)


def deadline_text(deadline: str | None, status: str, now: datetime | None = None) -> str:
    """'nog 45 min' / 'verlopen 1 u 10 min'; empty when there is no deadline."""
    if not deadline or status in ("handed_over", "closed"):
        return ""
    try:
        due = datetime.fromisoformat(deadline)
    except ValueError:
        return ""
    now = now or datetime.now().astimezone()
    minutes = int((due - now).total_seconds() // 60)
    span = labels.duration(abs(minutes))
    return (
        _("nog {span}").format(span=span)
        if minutes >= 0
        else _("verlopen {span}").format(span=span)
    )


class CaseListModel(QAbstractTableModel):
    """Rows of the case list, fetched a page at a time."""

    def __init__(self, session: Any, parent: Any = None) -> None:
        super().__init__(parent)
        self._session = session
        self._rows: list[CaseSummary] = []
        self._search = ""
        self._order = "received_at"
        self._descending = True
        self._exhausted = False
        self.reload()
        from desktop.ui.store_events import events_for

        events_for(session.store).cases_changed.connect(self.follow_store)

    # -- loading ---------------------------------------------------------------------------

    def _page(self, offset: int) -> list[CaseSummary]:
        return self._session.summaries(
            self._search,
            limit=PAGE,
            offset=offset,
            order=self._order,
            descending=self._descending,
        )

    def reload(self) -> None:
        self.beginResetModel()
        self._rows = self._page(0)
        self._exhausted = len(self._rows) < PAGE
        self.endResetModel()

    def clear(self) -> None:
        """Forget every row and fetch no more (the store was erased: remote wipe)."""
        self.beginResetModel()
        self._rows = []
        self._exhausted = True
        self.endResetModel()

    def follow_store(self, case_ids: frozenset[str]) -> None:
        """Show the stored state of changed cases: rows in place, withdrawn ones removed;
        a case not listed yet (new here or pulled) reloads the rows fetched so far."""
        if self._session.store.locked:
            return
        listed = {s.id: row for row, s in enumerate(self._rows) if s.id in case_ids}
        gone: list[int] = []
        for case_id, row in listed.items():
            fresh = self._session.summary(case_id)
            if fresh is None:
                gone.append(row)
            elif fresh != self._rows[row]:
                self._rows[row] = fresh
                self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))
        for row in sorted(gone, reverse=True):
            self.beginRemoveRows(QModelIndex(), row, row)
            del self._rows[row]
            self.endRemoveRows()
        unseen = case_ids - listed.keys()
        if unseen and any(self._session.summary(case_id) for case_id in unseen):
            self._reload_fetched()

    def _reload_fetched(self) -> None:
        """Read again as many rows as were fetched (a new case takes its place in order)."""
        wanted = max(PAGE, len(self._rows))
        self.beginResetModel()
        self._rows = self._session.summaries(
            self._search,
            limit=wanted,
            offset=0,
            order=self._order,
            descending=self._descending,
        )
        self._exhausted = len(self._rows) < wanted
        self.endResetModel()

    def set_search(self, text: str) -> None:
        if text != self._search:
            self._search = text
            self.reload()

    def search_text(self) -> str:
        return self._search

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and not self._exhausted

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if parent.isValid() or self._exhausted:
            return
        more = self._page(len(self._rows))
        self._exhausted = len(more) < PAGE
        if more:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(more) - 1)
            self._rows.extend(more)
            self.endInsertRows()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        key = SORTABLE.get(COLUMNS[column]) if 0 <= column < len(COLUMNS) else None
        if key is None:
            return
        self._order = key
        self._descending = order == Qt.SortOrder.DescendingOrder
        self.layoutAboutToBeChanged.emit()
        self.beginResetModel()
        self._rows = self._page(0)
        self._exhausted = len(self._rows) < PAGE
        self.endResetModel()
        self.layoutChanged.emit()

    def refresh_countdowns(self) -> None:
        if self._rows:
            column = COLUMNS.index("deadline")
            self.dataChanged.emit(
                self.index(0, column),
                self.index(len(self._rows) - 1, column),
                [Qt.ItemDataRole.DisplayRole],
            )

    def summary(self, row: int) -> CaseSummary:
        return self._rows[row]

    def row_of(self, case_id: str) -> int | None:
        for row, summary in enumerate(self._rows):
            if summary.id == case_id:
                return row
        return None

    # -- Qt model API ----------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        horizontal = orientation == Qt.Orientation.Horizontal
        if horizontal and role == Qt.ItemDataRole.DisplayRole and 0 <= section < len(COLUMNS):
            return column_titles()[section]
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemNeverHasChildren
        )

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self._rows)):
            return None
        summary = self._rows[index.row()]
        column = COLUMNS[index.column()]
        if role == CASE_ID_ROLE:
            return summary.id
        if role == STATUS_ROLE:
            return summary.status
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self._display(summary, column)
        if role == Qt.ItemDataRole.ToolTipRole and column == "sync_state":
            return labels.sync_state_help(summary.sync_state)
        if role == Qt.ItemDataRole.ForegroundRole and column in ("urgency", "deadline"):
            colour = labels.urgency_colour(summary.urgency)
            if column == "deadline" and self._display(summary, column).startswith(
                _("verlopen").split()[0]
            ):
                colour = "#B71C1C"
            return QBrush(QColor(colour)) if colour else None
        return None

    def _display(self, summary: CaseSummary, column: str) -> str:
        if column == "received_at":
            return received_text(summary)
        if column == "youth_name":
            return summary.youth_name or _("onbekend")
        if column == "age":
            return age_text(summary)
        if column == "urgency":
            return labels.urgency_text(summary.urgency)
        if column == "status":
            return labels.status_text(summary.status)
        if column == "deadline":
            if getattr(self._session, "training", False):
                return ""  # exercises run on the scenario's clock: no real deadline
            return deadline_text(summary.deadline, summary.status)
        if column == "sync_state":
            return labels.sync_state_text(summary.sync_state)
        return ""


class CaseListProxy(QSortFilterProxyModel):
    """Hides closed cases unless asked; sorting is done by the source (in SQL)."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._show_closed = True

    def set_show_closed(self, show: bool) -> None:
        self._show_closed = show
        self.invalidateRowsFilter()

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        if self._show_closed:
            return True
        source = self.sourceModel()
        status = source.data(source.index(source_row, 0, source_parent), STATUS_ROLE)
        return status != "closed"

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        source = self.sourceModel()
        if source is not None:
            source.sort(column, order)
