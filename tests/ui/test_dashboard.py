"""The coordinator dashboard, driven by keyboard: open, filter, read, export each format."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date, datetime
from pathlib import Path

import pypdfium2
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication, QComboBox, QDateEdit
from pytestqt.qtbot import QtBot

from desktop.session.desk import DeskSession
from desktop.store import Store
from desktop.ui.dashboard import DashboardPanel
from desktop.ui.main_window import MainWindow
from tests.helpers.indicator_cases import AMS, seed_month
from tests.helpers.stores import make_session
from tests.ui.mnemonics import doubles

TODAY = date(2026, 11, 30)
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
ALT = Qt.KeyboardModifier.AltModifier


def coordinator(store: Store) -> DeskSession:
    return make_session(store, role="coordinator", name="Carla Coördinator")


def open_window(qtbot: QtBot, session: DeskSession) -> MainWindow:
    window = MainWindow(session)
    window.dashboard_options = {"today": TODAY, "use_keyring": False}
    qtbot.addWidget(window)
    window.resize(1280, 900)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    return window


def open_dashboard(qtbot: QtBot, window: MainWindow) -> DashboardPanel:
    qtbot.keyClick(window.focusWidget() or window, Qt.Key.Key_D, CTRL_SHIFT)
    panel = window.tabs.currentWidget()
    assert isinstance(panel, DashboardPanel)
    return panel


def cells(panel: DashboardPanel, table: str) -> list[list[str]]:
    widget = panel.blocks[table].table if table in panel.blocks else panel.tables[table]
    return [
        [widget.item(r, c).text() for c in range(widget.columnCount())]  # type: ignore[union-attr]
        for r in range(widget.rowCount())
    ]


def test_a_desk_worker_has_no_dashboard(qtbot: QtBot, store: Store) -> None:
    window = open_window(qtbot, make_session(store, role="desk"))
    assert window.dashboard_action is None
    qtbot.keyClick(window.focusWidget() or window, Qt.Key.Key_D, CTRL_SHIFT)
    assert window.tabs.count() == 1


def test_the_coordinator_opens_filters_and_reads_the_month_by_keyboard(
    qtbot: QtBot, store: Store
) -> None:
    session = coordinator(store)
    seeded = seed_month(store, session, 45, datetime(2026, 11, 2, 8, 5, tzinfo=AMS))
    window = open_window(qtbot, session)
    assert window.dashboard_action is not None
    assert window.dashboard_action.shortcut().toString() == "Ctrl+Shift+D"
    panel = open_dashboard(qtbot, window)
    assert QApplication.focusWidget() is panel.start_edit
    assert "Bron: alleen de meldingen op deze desk (offline)" in panel.source_label.text()
    assert "stand van" in panel.source_label.text()
    assert "Niet aangemeld bij de centrale server" in panel.notice.text()
    assert doubles(window) == {}, "every Alt letter of the dashboard is unique"
    # the month: per urgency the weeks add up to the seeded counts; n and completeness
    rows = cells(panel, "cases_per_week")
    assert [r[0] for r in rows] == ["week 44", "week 45", "week 46", "week 47", "week 48",
                                    "week 49"]  # fmt: skip
    for column, urgency in enumerate(("U1", "U2", "U3", "U4", "U5"), start=1):
        assert sum(int(r[column]) for r in rows) == seeded.by_urgency[urgency]
    assert sum(int(r[6]) for r in rows) == sum(seeded.by_urgency.values())
    assert rows[1][7].endswith("%")
    other = {r[0]: r for r in cells(panel, "other_figures")}
    assert other["Aantal meldingen"][1] == str(seeded.total)
    assert other["Wachttijd plaatsing"][1] == "niet beschikbaar (nog geen gegevensbron)"
    empty = panel.blocks["first_contact_on_time"].view
    assert "niet beschikbaar" in empty.accessibleDescription()

    # filter by keyboard: from 9 November (Up on the day), urgency U2, then Tonen (Alt+O)
    for _ in range(8):
        qtbot.keyClick(panel.start_edit, Qt.Key.Key_Up)
    assert panel.start_edit.date().day() == 9
    qtbot.keyClick(panel.start_edit, Qt.Key.Key_U, ALT)
    assert QApplication.focusWidget() is panel.urgency
    qtbot.keyClick(panel.urgency, Qt.Key.Key_Down)
    qtbot.keyClick(panel.urgency, Qt.Key.Key_Down)
    assert panel.urgency.currentText() == "U2"
    qtbot.keyClick(panel.urgency, Qt.Key.Key_O, ALT)  # a mnemonic clicks after an animation
    qtbot.waitUntil(lambda: panel.dashboard is not None and panel.dashboard.urgencies == ("U2",))
    chart = panel.blocks["cases_per_week"].view.chart
    assert [s.name for s in chart.series] == ["U2"]
    assert chart.categories[0] == "week 46"
    assert cells(panel, "cases_per_week")[0][0] == "week 46"
    assert "09-11-2026 t/m 30-11-2026" in panel.source_label.text()

    # as published: no count from 1 to 4 anywhere in the weekly table
    qtbot.keyClick(panel.urgency, Qt.Key.Key_G, ALT)
    qtbot.waitUntil(panel.public.isChecked)
    qtbot.keyClick(panel.public, Qt.Key.Key_O, ALT)
    qtbot.waitUntil(lambda: panel.dashboard is not None and panel.dashboard.public)
    for row in cells(panel, "cases_per_week"):
        assert not set(row[1:-1]) & {"1", "2", "3", "4"}, row
    assert "kleine aantallen verborgen" in panel.source_label.text()

    # the charts and tables are reachable with Tab
    reached = set()
    panel.start_edit.setFocus()
    for _ in range(60):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        reached.add(QApplication.focusWidget().objectName())  # type: ignore[union-attr]
    assert {"chart_cases_per_week", "table_cases_per_week", "export_cases_per_week_png",
            "filter_urgency", "dashboard_show"} <= reached  # fmt: skip


def test_a_reversed_period_is_refused_naming_the_field(qtbot: QtBot, store: Store) -> None:
    window = open_window(qtbot, coordinator(store))
    panel = open_dashboard(qtbot, window)
    before = panel.dashboard
    panel.end_edit.setDate(panel.start_edit.date().addDays(-3))
    qtbot.keyClick(panel.end_edit, Qt.Key.Key_O, ALT)
    qtbot.waitUntil(panel.error.isVisible)
    assert panel.error.text().startswith("Tot en met:")
    assert panel.dashboard is before, "the figures shown before stay"


def test_an_empty_month_says_so(qtbot: QtBot, store: Store) -> None:
    window = open_window(qtbot, coordinator(store))
    panel = open_dashboard(qtbot, window)
    assert panel.dashboard is not None
    assert panel.dashboard.chart("cases_per_week").empty == "geen meldingen in deze periode"
    assert "export_cases_per_week_png" not in {
        b.objectName() for b in panel.blocks["cases_per_week"].buttons.values()
    }


def test_every_export_format_writes_a_readable_file(
    qtbot: QtBot, store: Store, tmp_path: Path
) -> None:
    session = coordinator(store)
    seed_month(store, session, 30, datetime(2026, 11, 3, 9, 0, tzinfo=AMS))
    window = open_window(qtbot, session)
    panel = open_dashboard(qtbot, window)
    png = panel.export_chart("cases_per_week", "png", tmp_path / "week.png")
    image = QImage(str(png))
    assert (image.width(), image.height()) == (1200, 675)
    assert image.pixelColor(2, 2).name() == "#ffffff"
    svg = panel.export_chart("time_to_decision", "svg", tmp_path / "ttd.svg")
    root = ET.parse(svg).getroot()
    texts = " ".join(t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text"))
    assert "Tijd tot triagebeslissing per week (minuten)" in texts
    assert "mediaan" in texts and "week 45" in texts
    pdf = tmp_path / "maand.pdf"
    pages = panel.export_pdf(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    document = pypdfium2.PdfDocument(str(pdf))
    try:
        assert len(document) == pages >= 3
        first = document[0].get_textpage().get_text_range()
        assert "Stuurinformatie" in first and "Bron: alleen de meldingen op deze desk" in first
    finally:
        document.close()
    exports = [e for e in store.audit.events() if e.action == "export"]
    assert [e.details["format"] for e in exports] == ["png", "svg", "pdf"]
    assert all(e.details["what"] == "indicators" and e.case_id is None for e in exports)


def test_every_focusable_widget_of_the_dashboard_has_a_name(qtbot: QtBot, store: Store) -> None:
    session = coordinator(store)
    seed_month(store, session, 10, datetime(2026, 11, 3, 9, 0, tzinfo=AMS))
    window = open_window(qtbot, session)
    panel = open_dashboard(qtbot, window)
    from PySide6.QtWidgets import QAbstractScrollArea, QWidget

    nameless, checked = [], 0
    for widget in panel.findChildren(QWidget):
        if not widget.isVisibleTo(panel) or widget.focusPolicy() == Qt.FocusPolicy.NoFocus:
            continue
        parent = widget.parentWidget()
        if isinstance(parent, QDateEdit | QComboBox) or widget.objectName().startswith("qt_"):
            continue  # the line edit inside a date or combo box speaks for its parent
        if isinstance(widget, QAbstractScrollArea) and widget is panel.scroller:
            continue
        checked += 1
        if not widget.accessibleName() and not getattr(widget, "text", lambda: "")():
            nameless.append((type(widget).__name__, widget.objectName()))
    assert nameless == [] and checked > 20


def test_the_dashboard_in_english(qtbot: QtBot, store: Store) -> None:
    from desktop.i18n import set_language

    set_language("en")
    try:
        window = open_window(qtbot, coordinator(store))
        panel = open_dashboard(qtbot, window)
        assert window.tabs.tabText(window.tabs.currentIndex()) == "Management information"
        assert panel.show_button.text() == "Sh&ow"
        assert "Source: only this desk's cases (offline)" in panel.source_label.text()
        board = panel.dashboard
        assert board is not None
        assert board.chart("free_places").empty == "not available (no data source yet)"
        assert doubles(window) == {}
    finally:
        set_language("nl")
