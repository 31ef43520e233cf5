"""The dashboard's charts: one QPainter routine for screen, PNG, SVG and the PDF report.

:func:`paint_chart` draws a :class:`~desktop.reports.dashboard.Chart` (bars or lines
per week/category, a series per urgency, the norm as a dashed line, published marks as
text, an empty state in words) into any rectangle of any paint device; sizes follow the
rectangle, so the same code fills a widget, a 1200 × 675 PNG or a PDF page. No chart
library: QtGui and QtSvg come with PySide6-Essentials (the frozen app stays small).

Export without dialogs (tests call these): :func:`chart_png`, :func:`chart_svg`,
:func:`dashboard_pdf`.
"""

from __future__ import annotations

import math
from pathlib import Path

from PySide6.QtCore import QMarginsF, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QImage,
    QPageLayout,
    QPageSize,
    QPainter,
    QPainterPath,
    QPdfWriter,
    QPen,
)
from PySide6.QtSvg import QSvgGenerator

from desktop.i18n import _
from desktop.reports.dashboard import Chart, Dashboard, Table, marks_legend

# Okabe–Ito: told apart with the common colour-vision deficiencies
COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#000000")
NORM = QColor("#B00020")
GRID = QColor("#D0D0D0")
INK = QColor("#202020")
MUTED = QColor("#5A5A5A")
EXPORT_SIZE = QSize(1200, 675)


def _font(px: float, *, bold: bool = False, italic: bool = False) -> QFont:
    font = QFont()
    font.setPixelSize(max(8, round(px)))
    font.setBold(bold)
    font.setItalic(italic)
    return font


def nice_top(highest: float) -> tuple[float, float]:
    """An axis top above ``highest`` and its step (1, 2 or 5 times a power of ten)."""
    if highest <= 0:
        return 1.0, 1.0
    raw = highest / 4
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    return step * math.ceil(highest / step), step


def _axis_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def paint_chart(painter: QPainter, rect: QRectF, chart: Chart) -> None:
    """Draw ``chart`` into ``rect`` (white background, title, caption, legend, plot)."""
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    unit = max(7.5, min(rect.width() / 62.0, rect.height() / 24.0))
    painter.fillRect(rect, QColor("white"))
    inner = rect.marginsRemoved(QMarginsF(unit, unit * 0.6, unit, unit * 0.6))
    painter.setPen(INK)
    painter.setFont(_font(unit * 1.5, bold=True))
    title_h = unit * 2.1
    flags = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
    painter.drawText(QRectF(inner.left(), inner.top(), inner.width(), title_h), flags, chart.title)
    painter.setFont(_font(unit * 1.05))
    painter.setPen(MUTED)
    caption_h = unit * 1.6
    painter.drawText(
        QRectF(inner.left(), inner.top() + title_h, inner.width(), caption_h), flags, chart.caption
    )
    top = inner.top() + title_h + caption_h + unit * 0.4
    body = QRectF(inner.left(), top, inner.width(), inner.bottom() - top)
    if chart.empty is not None or not chart.series:
        _paint_empty(painter, body, unit, chart.empty or _("geen gegevens"))
        painter.restore()
        return
    legend_h = _paint_legend(painter, body, unit, chart)
    plot_area = QRectF(body.left(), body.top() + legend_h, body.width(), body.height() - legend_h)
    _paint_plot(painter, plot_area, unit, chart)
    painter.restore()


def _paint_empty(painter: QPainter, body: QRectF, unit: float, text: str) -> None:
    pen = QPen(GRID, max(1.0, unit / 6))
    pen.setStyle(Qt.PenStyle.DashLine)
    painter.setPen(pen)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawRect(body.marginsRemoved(QMarginsF(unit, unit, unit, unit)))
    painter.setPen(MUTED)
    painter.setFont(_font(unit * 1.3, italic=True))
    painter.drawText(
        body, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, text
    )  # the reason, in words: not available, or no cases


def _paint_legend(painter: QPainter, body: QRectF, unit: float, chart: Chart) -> float:
    painter.setFont(_font(unit * 1.05))
    x = body.left()
    y = body.top()
    height = unit * 1.6
    entries = [(s.name, QColor(COLOURS[i % len(COLOURS)])) for i, s in enumerate(chart.series)]
    for name, colour in entries:
        painter.fillRect(QRectF(x, y + height * 0.25, unit, height * 0.5), colour)
        painter.setPen(INK)
        width = painter.fontMetrics().horizontalAdvance(name) + unit * 2.2
        painter.drawText(
            QRectF(x + unit * 1.3, y, width, height), Qt.AlignmentFlag.AlignVCenter, name
        )
        x += width + unit
    if chart.norm is not None:
        pen = QPen(NORM, max(1.0, unit / 4))
        pen.setStyle(Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.drawLine(QPointF(x, y + height / 2), QPointF(x + unit * 1.6, y + height / 2))
        painter.setPen(NORM)
        painter.drawText(
            QRectF(x + unit * 2, y, unit * 12, height),
            Qt.AlignmentFlag.AlignVCenter,
            chart.norm_label,
        )
    return height + unit * 0.3


def _paint_plot(painter: QPainter, area: QRectF, unit: float, chart: Chart) -> None:
    values = chart.values
    highest = max([*values, chart.norm or 0.0, 0.0])
    if chart.unit == "%":
        highest = max(highest, 100.0)
    axis_top, step = nice_top(highest)
    painter.setFont(_font(unit * 1.0))
    metrics = painter.fontMetrics()
    left_w = metrics.horizontalAdvance(_axis_text(axis_top)) + unit * 1.2
    bottom_h = unit * 2.0
    plot = QRectF(
        area.left() + left_w,
        area.top() + unit * 0.6,
        area.width() - left_w - unit * 0.5,
        area.height() - bottom_h - unit * 0.6,
    )

    def y_of(value: float) -> float:
        return plot.bottom() - plot.height() * (value / axis_top)

    # grid and y labels
    tick = 0.0
    while tick <= axis_top + 1e-9:
        y = y_of(tick)
        painter.setPen(QPen(GRID, 1))
        painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
        painter.setPen(MUTED)
        painter.drawText(
            QRectF(area.left(), y - unit, left_w - unit * 0.4, unit * 2),
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
            _axis_text(tick),
        )
        tick += step
    painter.setPen(QPen(INK, max(1.0, unit / 8)))
    painter.drawLine(plot.bottomLeft(), plot.bottomRight())
    count = max(1, len(chart.categories))
    slot = plot.width() / count
    # x labels: every label when they fit, else every k-th
    widest = max((metrics.horizontalAdvance(c) for c in chart.categories), default=0)
    every = max(1, math.ceil((widest + unit) / slot))
    painter.setPen(MUTED)
    align = Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop
    for i, category in enumerate(chart.categories):
        if i % every:
            continue
        box = QRectF(plot.left() + i * slot, plot.bottom() + unit * 0.2, slot, bottom_h)
        if every > 1:  # a label wider than its slot: centred on it, over the neighbours
            box.adjust(-slot * (every - 1) / 2, 0, slot * (every - 1) / 2, 0)
        painter.drawText(box, align, category)
    painter.setFont(_font(unit * 0.95, bold=True))
    if chart.kind == "bar":
        _bars(painter, plot, slot, unit, chart, y_of)
    else:
        _lines(painter, plot, slot, unit, chart, y_of)
    if chart.norm is not None:
        pen = QPen(NORM, max(1.5, unit / 4))
        pen.setStyle(Qt.PenStyle.DashLine)
        painter.setPen(pen)
        y = y_of(chart.norm)
        painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))


def _mark(painter: QPainter, x: float, width: float, plot: QRectF, unit: float, text: str) -> None:
    """A hidden or missing figure: its mark (``<5``, ``x``, ``—``) just above the axis."""
    box = QRectF(x, plot.bottom() - unit * 1.8, width, unit * 1.6)
    painter.setPen(QPen(MUTED, 1, Qt.PenStyle.DotLine))
    painter.setBrush(QBrush(QColor("#F2F2F2"), Qt.BrushStyle.BDiagPattern))
    painter.drawRect(box)
    painter.setPen(INK)
    painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)


def _bars(
    painter: QPainter, plot: QRectF, slot: float, unit: float, chart: Chart, y_of: object
) -> None:
    assert callable(y_of)
    n = len(chart.series)
    group = slot * 0.8
    width = group / n
    for s_index, series in enumerate(chart.series):
        colour = QColor(COLOURS[s_index % len(COLOURS)])
        for i, pt in enumerate(series.points):
            x = plot.left() + i * slot + (slot - group) / 2 + s_index * width
            if pt.value is None:
                if width >= unit * 1.2:
                    _mark(painter, x, width, plot, unit, pt.text)
                continue
            y = y_of(pt.value)
            painter.fillRect(QRectF(x, y, max(1.0, width - 1), plot.bottom() - y), colour)


def _lines(
    painter: QPainter, plot: QRectF, slot: float, unit: float, chart: Chart, y_of: object
) -> None:
    assert callable(y_of)
    for s_index, series in enumerate(chart.series):
        colour = QColor(COLOURS[s_index % len(COLOURS)])
        path = QPainterPath()
        drawing = False
        centres = []
        for i, pt in enumerate(series.points):
            x = plot.left() + i * slot + slot / 2
            if pt.value is None:
                drawing = False
                _mark(painter, x - unit * 1.2, unit * 2.4, plot, unit, pt.text)
                continue
            y = y_of(pt.value)
            centres.append(QPointF(x, y))
            if drawing:
                path.lineTo(x, y)
            else:
                path.moveTo(x, y)
                drawing = True
        painter.setPen(QPen(colour, max(1.5, unit / 3.5)))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(path)
        painter.setBrush(colour)
        for centre in centres:
            painter.drawEllipse(centre, unit / 2.2, unit / 2.2)


# -- export -----------------------------------------------------------------------------


def chart_png(chart: Chart, path: Path, size: QSize = EXPORT_SIZE) -> Path:
    image = QImage(size, QImage.Format.Format_ARGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    try:
        paint_chart(painter, QRectF(0, 0, size.width(), size.height()), chart)
    finally:
        painter.end()
    if not image.save(str(path)):
        raise OSError(_("Kon {path} niet schrijven.").format(path=path))
    return path


def chart_svg(chart: Chart, path: Path, size: QSize = EXPORT_SIZE) -> Path:
    generator = QSvgGenerator()
    generator.setFileName(str(path))
    generator.setSize(size)
    generator.setViewBox(QRectF(0, 0, size.width(), size.height()))
    generator.setTitle(chart.title)
    generator.setDescription(chart.caption)
    painter = QPainter()
    if not painter.begin(generator):
        raise OSError(_("Kon {path} niet schrijven.").format(path=path))
    try:
        paint_chart(painter, QRectF(0, 0, size.width(), size.height()), chart)
    finally:
        painter.end()
    return path


def _paint_table(painter: QPainter, rect: QRectF, table: Table, unit: float) -> float:
    """A table as text rows; returns the height used (rows that do not fit are cut)."""
    painter.setPen(INK)
    painter.setFont(_font(unit * 1.3, bold=True))
    row_h = unit * 1.7
    painter.drawText(
        QRectF(rect.left(), rect.top(), rect.width(), row_h),
        Qt.AlignmentFlag.AlignVCenter,
        table.title,
    )
    y = rect.top() + row_h
    col_w = rect.width() / max(1, len(table.columns))
    for r_index, row in enumerate((table.columns, *table.rows)):
        if y + row_h > rect.bottom():
            break
        painter.setFont(_font(unit * 1.05, bold=r_index == 0))
        if r_index % 2 == 0 and r_index:
            painter.fillRect(QRectF(rect.left(), y, rect.width(), row_h), QColor("#F4F4F4"))
        for c_index, text in enumerate(row):
            painter.drawText(
                QRectF(rect.left() + c_index * col_w + unit * 0.3, y, col_w - unit * 0.6, row_h),
                Qt.AlignmentFlag.AlignVCenter,
                text,
            )
        y += row_h
    return y - rect.top() + unit


def dashboard_pdf(dashboard: Dashboard, path: Path) -> int:
    """The whole view as a report (A4 landscape): a cover of source and marks, two charts
    per page each with its table, then the other tables. Returns the number of pages."""
    writer = QPdfWriter(str(path))
    writer.setResolution(150)
    writer.setPageLayout(
        QPageLayout(
            QPageSize(QPageSize.PageSizeId.A4),
            QPageLayout.Orientation.Landscape,
            QMarginsF(12, 12, 12, 12),
            QPageLayout.Unit.Millimeter,
        )
    )
    writer.setTitle(_("Stuurinformatie {period}").format(period=dashboard.period_text))
    writer.setCreator("Doorloop")
    painter = QPainter()
    if not painter.begin(writer):
        raise OSError(_("Kon {path} niet schrijven.").format(path=path))
    pages = 1
    try:
        page = QRectF(writer.pageLayout().paintRectPixels(writer.resolution()))
        page.moveTo(0, 0)
        unit = page.height() / 60
        painter.setPen(INK)
        painter.setFont(_font(unit * 2.2, bold=True))
        painter.drawText(
            QRectF(0, 0, page.width(), unit * 3),
            Qt.AlignmentFlag.AlignLeft,
            _("Stuurinformatie — {period}").format(period=dashboard.period_text),
        )
        lines = [dashboard.source_text, marks_legend()]
        if dashboard.public:
            lines.append(_("Zoals gepubliceerd: kleine aantallen verborgen."))
        if dashboard.notice:
            lines.append(dashboard.notice)
        painter.setFont(_font(unit * 1.2))
        y = unit * 3.5
        wrap = Qt.AlignmentFlag.AlignLeft | Qt.TextFlag.TextWordWrap
        for line in lines:
            box = painter.boundingRect(QRectF(0, y, page.width(), page.height()), wrap, line)
            painter.drawText(box, wrap, line)
            y += box.height() + unit * 0.3
        # then the charts: two per page, chart left and its table right
        slot_h = (page.height() - y - unit) / 2
        slots = [
            QRectF(0, y, page.width(), slot_h),
            QRectF(0, y + slot_h + unit, page.width(), slot_h),
        ]
        index = 0
        for chart in dashboard.charts:
            if index == len(slots):
                writer.newPage()
                pages += 1
                half = (page.height() - unit) / 2
                slots = [
                    QRectF(0, 0, page.width(), half),
                    QRectF(0, half + unit, page.width(), half),
                ]
                index = 0
            slot = slots[index]
            chart_rect = QRectF(slot.left(), slot.top(), slot.width() * 0.56, slot.height())
            paint_chart(painter, chart_rect, chart)
            table_rect = QRectF(
                slot.left() + slot.width() * 0.58, slot.top(), slot.width() * 0.42, slot.height()
            )
            _paint_table(painter, table_rect, chart.table, unit * 0.8)
            index += 1
        writer.newPage()
        pages += 1
        y = 0.0
        for table in dashboard.tables:
            y += _paint_table(painter, QRectF(0, y, page.width(), page.height() - y), table, unit)
    finally:
        painter.end()
    return pages
