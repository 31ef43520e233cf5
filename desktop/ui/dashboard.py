"""The coordinator dashboard (Stuurinformatie): the region's indicators for a period.

A tab of the main window for users with the role ``coordinator`` (menu
*Stuurinformatie → Dashboard*, ``Ctrl+Shift+D``). Filters: the period (van / t/m),
the region, the urgencies, and "zoals gepubliceerd" (the small-number rules as for a
table that leaves the region). Every chart (drawn by
:func:`desktop.ui.dashboard_charts.paint_chart`) has its table beside it: the same
figures as text with n and completeness, reachable by keyboard and read by screen
readers. The source (central server, or this desk's own cases offline) and its *stand
van* time are said above the charts.

The figures come from :mod:`desktop.session.indicators` (the server is asked on a worker
thread; the desk's own cases are read on the UI thread, which owns the store); the
widgets only choose filters and draw. Export without dialogs: :meth:`DashboardPanel.export_chart`
and :meth:`DashboardPanel.export_pdf`; the buttons ask for a file first.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import _
from desktop.reports.dashboard import (
    URGENCIES,
    Chart,
    Dashboard,
    Filters,
    Table,
    filter_problem,
    marks_legend,
    month_bounds,
)
from desktop.session.indicators import (
    COORDINATOR,
    central_dashboard,
    central_source,
    fetch_central,
    local_dashboard,
    not_signed_in_text,
    record_export,
    server_failed_text,
    today_local,
)
from desktop.ui.dashboard_charts import chart_png, chart_svg, dashboard_pdf, paint_chart

FORMATS = ("png", "svg")


def may_see_dashboard(session: Any) -> bool:
    """Coordinators, outside the training environment (training cases never count)."""
    return session.role == COORDINATOR and not session.training


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _pydate(day: QDate) -> date:
    return date(day.year(), day.month(), day.day())


class ChartView(QWidget):
    """One chart on screen: painted by the same routine as the exports. Focusable; its
    accessible name is the title and its description says where the figures are."""

    def __init__(self, chart: Chart, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.chart = chart
        self.setObjectName(f"chart_{chart.id}")
        self.setAccessibleName(chart.title)
        self.setAccessibleDescription(
            (chart.empty or _("De cijfers staan in de tabel ernaast.")) + " " + chart.caption
        )
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        if chart.empty is None:
            self.setMinimumSize(QSize(420, 300))
        else:  # the empty state in words needs little room
            self.setMinimumSize(QSize(420, 120))
            self.setMaximumHeight(160)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        try:
            paint_chart(painter, QRectF(self.rect()), self.chart)
            if self.hasFocus():
                painter.setPen(self.palette().highlight().color())
                painter.drawRect(self.rect().adjusted(0, 0, -1, -1))
        finally:
            painter.end()


def table_widget(table: Table, parent: QWidget | None = None) -> QTableWidget:
    """A read-only table of figures; Tab leaves it (arrows move inside)."""
    widget = QTableWidget(len(table.rows), len(table.columns), parent)
    widget.setObjectName(f"table_{table.id}")
    widget.setAccessibleName(table.title)
    widget.setHorizontalHeaderLabels(list(table.columns))
    widget.verticalHeader().setVisible(False)
    widget.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    widget.setTabKeyNavigation(False)
    widget.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    for r, row in enumerate(table.rows):
        for c, text in enumerate(row):
            item = QTableWidgetItem(text)
            if c:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            widget.setItem(r, c, item)
    header = widget.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setStretchLastSection(True)
    return widget


class ChartBlock(QFrame):
    """A chart, its table and its export buttons."""

    def __init__(self, panel: DashboardPanel, chart: Chart) -> None:
        super().__init__(panel)
        self.setObjectName(f"block_{chart.id}")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QHBoxLayout(self)
        self.view = ChartView(chart, self)
        layout.addWidget(self.view, 3)
        side = QVBoxLayout()
        self.table = table_widget(chart.table, self)
        self.table.setMinimumWidth(300)
        if chart.empty is not None:
            self.table.setMaximumHeight(160)
        side.addWidget(self.table, 1)
        buttons = QHBoxLayout()
        self.buttons: dict[str, QPushButton] = {}
        if chart.series and chart.empty is None:
            for kind in FORMATS:
                button = QPushButton(_("Opslaan als {kind}…").format(kind=kind.upper()), self)
                button.setObjectName(f"export_{chart.id}_{kind}")
                button.setAccessibleName(
                    _("{title} opslaan als {kind}").format(title=chart.title, kind=kind.upper())
                )
                button.clicked.connect(
                    lambda _checked=False, k=kind, c=chart.id: panel.ask_export_chart(c, k)
                )
                buttons.addWidget(button)
                self.buttons[kind] = button
        buttons.addStretch(1)
        side.addLayout(buttons)
        layout.addLayout(side, 2)


class DashboardPanel(QWidget):
    """The dashboard tab: filters, the source, charts with tables, other tables, export."""

    fetched = Signal(int, object, object)  # generation, filters, reports or the error

    def __init__(
        self,
        session: Any,
        *,
        today: date | None = None,
        use_keyring: bool = True,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.today = today or today_local()
        self.use_keyring = use_keyring
        self.loading = False  # the server is being asked (on a worker thread)
        self._generation = 0  # answers to an older request are dropped
        self.fetched.connect(self._on_fetched, Qt.ConnectionType.QueuedConnection)
        self.dashboard: Dashboard | None = None
        self.blocks: dict[str, ChartBlock] = {}
        self.setObjectName("dashboard")
        self.setAccessibleName(_("Stuurinformatie"))
        outer = QVBoxLayout(self)
        outer.addLayout(self._build_filters())
        self.error = QLabel()
        self.error.setObjectName("dashboard_error")
        self.error.setAccessibleName(_("Melding bij de filters"))
        self.error.setStyleSheet("color: #B00020; font-weight: bold;")
        self.error.setWordWrap(True)
        self.error.hide()
        outer.addWidget(self.error)
        self.source_label = QLabel()
        self.source_label.setObjectName("dashboard_source")
        self.source_label.setAccessibleName(_("Bron van de cijfers"))
        self.source_label.setWordWrap(True)
        self.source_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByKeyboard)
        self.source_label.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        outer.addWidget(self.source_label)
        self.notice = QLabel()
        self.notice.setObjectName("dashboard_notice")
        self.notice.setAccessibleName(_("Let op"))
        self.notice.setWordWrap(True)
        self.notice.setStyleSheet("background: #FFF4CE; padding: 4px;")
        self.notice.hide()
        outer.addWidget(self.notice)
        self.legend = QLabel(marks_legend())
        self.legend.setObjectName("dashboard_marks")
        self.legend.setAccessibleName(_("Uitleg van de tekens"))
        self.legend.setWordWrap(True)
        outer.addWidget(self.legend)
        self.scroller = QScrollArea()
        self.scroller.setObjectName("dashboard_scroll")
        self.scroller.setWidgetResizable(True)
        self.content = QWidget()
        self.grid = QGridLayout(self.content)
        self.scroller.setWidget(self.content)
        outer.addWidget(self.scroller, 1)
        self.refresh()

    # -- building --------------------------------------------------------------------------

    def _build_filters(self) -> QHBoxLayout:
        row = QHBoxLayout()
        first, following = month_bounds(self.today)
        self.start_edit = self._date_edit("filter_from", _("Van"), first)
        self.end_edit = self._date_edit("filter_to", _("Tot en met"), following - timedelta(days=1))
        self.region = QComboBox()
        self.region.setObjectName("filter_region")
        self.region.setAccessibleName(_("Regio"))
        self.region.addItem(self.session.profile.region)
        self.urgency = QComboBox()
        self.urgency.setObjectName("filter_urgency")
        self.urgency.setAccessibleName(_("Urgentie"))
        self.urgency.addItem(_("Alle urgenties"), list(URGENCIES))
        for urgency in URGENCIES:
            self.urgency.addItem(urgency, [urgency])
        self.public = QCheckBox(_("Zoals &gepubliceerd (kleine aantallen verborgen)"))
        self.public.setObjectName("filter_public")
        self.public.setAccessibleName(_("Zoals gepubliceerd, kleine aantallen verborgen"))
        self.show_button = QPushButton(_("T&onen"))
        self.show_button.setObjectName("dashboard_show")
        self.show_button.setAccessibleName(_("Cijfers tonen"))
        self.show_button.clicked.connect(self.refresh)
        self.previous_button = QPushButton(_("Vorige maan&d"))
        self.previous_button.setObjectName("dashboard_previous_month")
        self.previous_button.setAccessibleName(_("Vorige maand tonen"))
        self.previous_button.clicked.connect(self.previous_month)
        self.pdf_button = QPushButton(_("&Maandrapport (PDF)…"))
        self.pdf_button.setObjectName("dashboard_pdf")
        self.pdf_button.setAccessibleName(_("Het hele overzicht opslaan als PDF"))
        self.pdf_button.clicked.connect(self.ask_export_pdf)
        for label_text, widget in (
            (_("&Van"), self.start_edit),
            (_("&Tot en met"), self.end_edit),
            (_("&Regio"), self.region),
            (_("&Urgentie"), self.urgency),
        ):
            label = QLabel(label_text)
            label.setBuddy(widget)
            row.addWidget(label)
            row.addWidget(widget)
        for control in (self.public, self.show_button, self.previous_button):
            row.addWidget(control)
        row.addStretch(1)
        row.addWidget(self.pdf_button)
        return row

    def _date_edit(self, name: str, accessible: str, day: date) -> QDateEdit:
        edit = QDateEdit(_qdate(day))
        edit.setObjectName(name)
        edit.setAccessibleName(accessible)
        edit.setDisplayFormat("dd-MM-yyyy")
        edit.setCalendarPopup(True)
        return edit

    # -- behaviour -------------------------------------------------------------------------

    def filters(self) -> Filters:
        return Filters(
            start=_pydate(self.start_edit.date()),
            end=_pydate(self.end_edit.date()) + timedelta(days=1),
            region=self.region.currentText(),
            urgencies=tuple(self.urgency.currentData() or URGENCIES),
            public=self.public.isChecked(),
        )

    def previous_month(self) -> None:
        first = _pydate(self.start_edit.date()).replace(day=1)
        start, following = month_bounds(first - timedelta(days=1))
        self.start_edit.setDate(_qdate(start))
        self.end_edit.setDate(_qdate(following - timedelta(days=1)))
        self.refresh()

    def refresh(self) -> None:
        """Load the figures for the filters and show them; a bad period is said in Dutch,
        naming the field, and the figures shown before stay. Signed in, the server is
        asked on a worker thread (the desk never waits on the network); the desk's own
        cases are read here, on the thread that owns the store."""
        filters = self.filters()
        problem = filter_problem(filters.start, filters.end, self.today)
        if problem:
            self.error.setText(problem)
            self.error.show()
            return
        self.error.hide()
        self._generation += 1
        central = central_source(self.session, use_keyring=self.use_keyring)
        if central is None:
            self.loading = False
            self._show_local(filters, not_signed_in_text())
            return
        self.loading = True
        self.source_label.setText(_("Cijfers ophalen bij de centrale server…"))
        generation = self._generation
        thread = threading.Thread(
            target=self._fetch, args=(central, filters, generation), daemon=True,
            name="dashboard-fetch",
        )  # fmt: skip
        thread.start()

    def _fetch(self, central: Any, filters: Filters, generation: int) -> None:
        """On the worker thread: HTTP only, then hand the outcome to the UI thread."""
        outcome: object
        try:
            outcome = fetch_central(central, filters, self.today)
        except Exception as exc:  # told on the UI thread, which falls back to local
            outcome = exc
        with contextlib.suppress(RuntimeError):  # the panel was closed meanwhile
            self.fetched.emit(generation, filters, outcome)

    def _on_fetched(self, generation: int, filters: Filters, outcome: object) -> None:
        if generation != self._generation:
            return  # a newer request is under way
        self.loading = False
        if isinstance(outcome, BaseException):
            self._show_local(filters, server_failed_text(outcome))
            return
        self.show_dashboard(central_dashboard(outcome, filters))  # type: ignore[arg-type]

    def _show_local(self, filters: Filters, notice: str) -> None:
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            dashboard = local_dashboard(self.session, filters, notice, self.today)
        finally:
            QApplication.restoreOverrideCursor()
        self.show_dashboard(dashboard)

    def show_dashboard(self, dashboard: Dashboard) -> None:
        self.dashboard = dashboard
        text = f"{dashboard.period_text} · {dashboard.source_text}"
        if dashboard.public:
            text += " · " + _("zoals gepubliceerd: kleine aantallen verborgen")
        self.source_label.setText(text)
        self.notice.setText(dashboard.notice)
        self.notice.setVisible(bool(dashboard.notice))
        while self.grid.count():
            item = self.grid.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.blocks = {}
        row = 0
        for chart in dashboard.charts:
            block = ChartBlock(self, chart)
            self.blocks[chart.id] = block
            self.grid.addWidget(block, row, 0)
            row += 1
        self.tables: dict[str, QTableWidget] = {}
        for table in dashboard.tables:
            title = QLabel(table.title)
            title.setStyleSheet("font-weight: bold;")
            self.grid.addWidget(title, row, 0)
            widget = table_widget(table, self.content)
            widget.setMinimumHeight(min(400, 30 + 26 * len(table.rows)))
            title.setBuddy(widget)
            self.grid.addWidget(widget, row + 1, 0)
            self.tables[table.id] = widget
            row += 2

    # -- export ----------------------------------------------------------------------------

    def export_chart(self, chart_id: str, kind: str, path: Path) -> Path:
        """Write one chart as PNG or SVG to ``path`` (no dialog) and audit it."""
        assert self.dashboard is not None
        chart = self.dashboard.chart(chart_id)
        writer = {"png": chart_png, "svg": chart_svg}[kind]
        writer(chart, path)
        record_export(self.session, self.dashboard, kind, path.name)
        return path

    def export_pdf(self, path: Path) -> int:
        """Write the whole view as a PDF report to ``path`` (no dialog); the page count."""
        assert self.dashboard is not None
        pages = dashboard_pdf(self.dashboard, path)
        record_export(self.session, self.dashboard, "pdf", path.name)
        return pages

    def _default_name(self, stem: str, kind: str) -> str:
        assert self.dashboard is not None
        return f"{stem}-{self.dashboard.region}-{self.dashboard.start.isoformat()}.{kind}"

    def ask_export_chart(self, chart_id: str, kind: str) -> None:
        if self.dashboard is None:
            return
        name = self._default_name(chart_id, kind)
        path, _filter = QFileDialog.getSaveFileName(
            self, _("Grafiek opslaan"), str(Path.home() / name), f"{kind.upper()} (*.{kind})"
        )
        if path:
            self._try(lambda: self.export_chart(chart_id, kind, Path(path)))

    def ask_export_pdf(self) -> None:
        if self.dashboard is None:
            return
        name = self._default_name("stuurinformatie", "pdf")
        path, _filter = QFileDialog.getSaveFileName(
            self, _("Maandrapport opslaan"), str(Path.home() / name), "PDF (*.pdf)"
        )
        if path:
            self._try(lambda: self.export_pdf(Path(path)))

    def _try(self, action: Callable[[], object]) -> None:
        try:
            action()
        except OSError as exc:
            QMessageBox.warning(
                self,
                _("Opslaan mislukt"),
                _("Het bestand kon niet worden opgeslagen: {reason}").format(reason=exc),
            )
