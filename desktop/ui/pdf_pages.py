"""A PDF's pages on screen and on paper: the report dialog's page view and its printing.

The pixels come from :mod:`desktop.reports.raster` (PDFium), so the screen and the
printer show the very PDF that is saved. This module only wraps them in Qt:

- :class:`PageView`: the pages one below the other on a grey desk, each with a shadow.
  A page is rendered when it is first painted, at the screen's resolution for the
  current zoom, and dropped again when it is scrolled far out of view. Zoom in and out
  (``Ctrl++``, ``Ctrl+-``, ``Ctrl`` + wheel), fit the page width (``Ctrl+0``, the
  default); ``PageUp`` /
  ``PageDown`` go a page back or on, ``Home`` / ``End`` to the first or last page.
  Each page widget is named "Pagina x van y" and carries the page's text as its
  accessible description, for screen readers.
- :class:`PageBar`: the zoom buttons, the zoom level and "Pagina x van y".
- :func:`print_pdf`: paints chosen pages on a :class:`QPrinter`, each rendered at the
  printer's resolution (at most 300 dpi) and fitted to the paper, aspect ratio kept;
  :func:`chosen_pages` reads the print dialog's page range.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Sequence

from PySide6.QtCore import QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QAction,
    QColor,
    QImage,
    QKeyEvent,
    QKeySequence,
    QPageLayout,
    QPageSize,
    QPainter,
    QPaintEvent,
    QPalette,
    QPixmap,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QHBoxLayout, QLabel, QScrollArea, QToolButton, QWidget

from desktop.i18n import _
from desktop.reports.raster import PageImage, PdfPages

#: Print resolution cap: sharp text, and a page image of at most ~35 MB (A4 at 300 dpi).
MAX_PRINT_DPI = 300.0

_QIMAGE_FORMAT = {
    "RGBX": QImage.Format.Format_RGBX8888,
    "L": QImage.Format.Format_Grayscale8,
}


class PrintFailed(RuntimeError):
    """The printer could not be started (no output was made)."""


def page_qimage(page: PageImage) -> QImage:
    """``page`` as a QImage that owns its pixels (the bytes may go after this)."""
    image = QImage(page.data, page.width, page.height, page.stride, _QIMAGE_FORMAT[page.format])
    return image.copy()


def page_label(number: int, count: int) -> str:
    return _("Pagina {page} van {count}").format(page=number, count=count)


class PageWidget(QWidget):
    """One page of a :class:`PageView`: drawn from the view's PDF when painted."""

    SHADOW = 4

    def __init__(self, view: PageView, index: int) -> None:
        super().__init__(view.widget())
        self._view = view
        self.index = index
        self._pixmap: QPixmap | None = None
        self.setObjectName(f"reportPage{index + 1}")

    @property
    def rendered(self) -> bool:
        """Whether the page's pixels are held now (it was painted and is near the view)."""
        return self._pixmap is not None

    def page_rect(self) -> QRect:
        """Where the paper is drawn (the widget less its shadow)."""
        return QRect(0, 0, self.width() - self.SHADOW, self.height() - self.SHADOW)

    def drop(self) -> None:
        """Forget the rendered pixels (new PDF, new zoom, or far out of view)."""
        self._pixmap = None
        self.update()

    def image(self) -> QImage:
        """The page as shown now (renders it when needed)."""
        return self._ensure_pixmap().toImage()

    def _ensure_pixmap(self) -> QPixmap:
        if self._pixmap is None:
            ratio = self.devicePixelRatioF()
            self._pixmap = self._view.render_pixmap(self.index, self.page_rect().width(), ratio)
        return self._pixmap

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        paper = self.page_rect()
        painter.fillRect(paper.translated(self.SHADOW, self.SHADOW), QColor(0, 0, 0, 70))
        painter.fillRect(paper, Qt.GlobalColor.white)
        if self._view.has_pdf():
            painter.drawPixmap(paper, self._ensure_pixmap())
        painter.end()


class PageView(QScrollArea):
    """The pages of one PDF, rendered as they come into view; see the module docstring."""

    #: The page at the view's upper part changed: (page number from 1, page count).
    pageChanged = Signal(int, int)
    #: The zoom changed: the factor (1.0 = the paper's real size on this screen).
    zoomChanged = Signal(float)

    MARGIN = 16
    SPACING = 14
    ZOOM_STEPS = (0.25, 0.33, 0.5, 0.67, 0.75, 0.9, 1.0, 1.1, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._pdf: PdfPages | None = None
        self._pages: list[PageWidget] = []
        self._zoom = 1.0
        self._fit_width = True
        self._current = 0
        #: Milliseconds each page render took (PDFium to pixmap), newest last; for figures.
        self.render_ms: deque[float] = deque(maxlen=200)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setWidgetResizable(False)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        self.viewport().setBackgroundRole(QPalette.ColorRole.Mid)
        desk = QWidget()
        desk.setObjectName("reportPages")
        desk.setAutoFillBackground(False)
        self.setWidget(desk)
        self._desk = desk  # self.widget() is typed Optional; this one is never replaced
        self.verticalScrollBar().valueChanged.connect(self._scrolled)

        self.zoom_in_action = self._action(
            _("Inzoomen"), [QKeySequence.StandardKey.ZoomIn, "Ctrl+="], self.zoom_in
        )
        self.zoom_out_action = self._action(
            _("Uitzoomen"), [QKeySequence.StandardKey.ZoomOut], self.zoom_out
        )
        self.fit_width_action = self._action(_("Paginabreedte"), ["Ctrl+0"], self.fit_width)

    def _action(
        self, text: str, keys: list[QKeySequence.StandardKey | str], slot: Callable[[], None]
    ) -> QAction:
        action = QAction(text, self)
        shortcuts: list[QKeySequence] = []
        for key in keys:
            shortcuts.extend(
                QKeySequence.keyBindings(key)
                if isinstance(key, QKeySequence.StandardKey)
                else [QKeySequence(key)]
            )
        action.setShortcuts(shortcuts)
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    # -- the document ---------------------------------------------------------------------

    def set_pdf(self, pdf: bytes) -> None:
        """Show ``pdf`` (raises ``ValueError`` when it is not a PDF); keeps zoom and scroll."""
        opened = PdfPages(pdf)
        self._close_pdf()
        self._pdf = opened
        count = len(opened)
        while len(self._pages) > count:
            self._discard(self._pages.pop())
        while len(self._pages) < count:
            page = PageWidget(self, len(self._pages))
            page.show()
            self._pages.append(page)
        for page in self._pages:
            page.setAccessibleName(page_label(page.index + 1, count))
            page.setAccessibleDescription(opened.text(page.index))
            page.drop()
        scroll = self.verticalScrollBar().value()
        if self._fit_width:
            self._set_factor(self._width_zoom())
        self._layout()
        self.verticalScrollBar().setValue(scroll)
        self._current = -1
        self._scrolled()

    def clear(self) -> None:
        """Show nothing and free the PDF."""
        self._close_pdf()
        while self._pages:
            self._discard(self._pages.pop())
        self._layout()
        self._current = -1
        self._scrolled()

    @staticmethod
    def _discard(page: PageWidget) -> None:
        page.hide()  # never painted again: its page may no longer exist
        page.deleteLater()

    def _close_pdf(self) -> None:
        if self._pdf is not None:
            self._pdf.close()
            self._pdf = None

    def has_pdf(self) -> bool:
        return self._pdf is not None

    def page_count(self) -> int:
        return len(self._pages)

    def pages(self) -> list[PageWidget]:
        """The page widgets, first page first."""
        return list(self._pages)

    def render_pixmap(self, index: int, width: int, ratio: float) -> QPixmap:
        """Page ``index`` rendered ``width`` device-independent pixels wide."""
        assert self._pdf is not None
        started = time.perf_counter()
        page_width, _height = self._pdf.page_size(index)
        dpi = width * ratio / page_width * 72
        pixmap = QPixmap.fromImage(page_qimage(self._pdf.render(index, dpi)))
        pixmap.setDevicePixelRatio(ratio)
        self.render_ms.append((time.perf_counter() - started) * 1000)
        return pixmap

    # -- zoom -----------------------------------------------------------------------------

    @property
    def zoom(self) -> float:
        return self._zoom

    @property
    def fits_width(self) -> bool:
        return self._fit_width

    def set_zoom(self, factor: float) -> None:
        """Show the pages at ``factor`` times their real size (leaves fit-width)."""
        self._fit_width = False
        self._apply_zoom(min(max(factor, self.ZOOM_STEPS[0]), self.ZOOM_STEPS[-1]))

    def zoom_in(self) -> None:
        self.set_zoom(next((z for z in self.ZOOM_STEPS if z > self._zoom + 1e-3), self._zoom))

    def zoom_out(self) -> None:
        smaller = [z for z in self.ZOOM_STEPS if z < self._zoom - 1e-3]
        self.set_zoom(smaller[-1] if smaller else self._zoom)

    def fit_width(self) -> None:
        """Make the widest page fill the view's width (and keep doing so on resizes)."""
        self._fit_width = True
        self._apply_zoom(self._width_zoom())

    def _points_to_pixels(self) -> float:
        """Device-independent pixels per PDF point at zoom 1 (the paper's real size)."""
        return self.logicalDpiX() / 72

    def _width_zoom(self) -> float:
        if self._pdf is None or not self._pages:
            return self._zoom
        widest = max(self._pdf.page_size(page.index)[0] for page in self._pages)
        room = self.viewport().width() - 2 * self.MARGIN - PageWidget.SHADOW
        return max(room, 50) / (widest * self._points_to_pixels())

    def _apply_zoom(self, factor: float) -> None:
        bar = self.verticalScrollBar()
        height = max(self._desk.height(), 1)
        anchor = bar.value() / height  # the same spot of the pages stays at the top
        self._set_factor(factor)
        self._layout()
        bar.setValue(round(anchor * self._desk.height()))
        self._scrolled()

    def _set_factor(self, factor: float) -> None:
        if abs(factor - self._zoom) > 1e-6:
            self._zoom = factor
            self.zoomChanged.emit(factor)

    # -- layout and navigation ------------------------------------------------------------

    def _page_sizes(self) -> list[QSize]:
        assert self._pdf is not None
        scale = self._zoom * self._points_to_pixels()
        return [
            QSize(round(width * scale), round(height * scale))
            for width, height in (self._pdf.page_size(page.index) for page in self._pages)
        ]

    def _layout(self) -> None:
        """Place the pages one below the other, centred; size the desk around them."""
        desk = self._desk
        sizes = self._page_sizes() if self._pdf is not None else []
        shadow = PageWidget.SHADOW
        widest = max((size.width() for size in sizes), default=0) + shadow
        desk_width = max(self.viewport().width(), widest + 2 * self.MARGIN)
        top = self.MARGIN
        for page, size in zip(self._pages, sizes, strict=True):
            outer = QSize(size.width() + shadow, size.height() + shadow)
            if page.size() != outer:
                page.setFixedSize(outer)
                page.drop()
            page.move((desk_width - outer.width()) // 2, top)
            top += outer.height() + self.SPACING
        height = top - self.SPACING + self.MARGIN if sizes else self.viewport().height()
        desk.resize(desk_width, max(height, 1))

    def current_page(self) -> int:
        """The page (from 1) at the upper part of the view; 0 without pages."""
        return self._current + 1 if self._pages else 0

    def go_to_page(self, number: int) -> None:
        """Scroll so that page ``number`` (from 1; clamped) starts at the top of the view."""
        if not self._pages:
            return
        index = min(max(number, 1), len(self._pages)) - 1
        top = self._pages[index].y() - self.SPACING // 2 if index else 0
        self.verticalScrollBar().setValue(top)
        self._scrolled()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        plain = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier in (
            Qt.KeyboardModifier.NoModifier,
            Qt.KeyboardModifier.ControlModifier,
        )
        if plain and key == Qt.Key.Key_PageDown:
            self.go_to_page(self.current_page() + 1)
        elif plain and key == Qt.Key.Key_PageUp:
            page = self._pages[self._current] if self._pages else None
            above = page is not None and page.y() < self.verticalScrollBar().value()
            self.go_to_page(self.current_page() if above else self.current_page() - 1)
        elif plain and key == Qt.Key.Key_Home:
            self.go_to_page(1)
        elif plain and key == Qt.Key.Key_End:
            self.go_to_page(len(self._pages))
        else:
            super().keyPressEvent(event)
            return
        event.accept()

    def wheelEvent(self, event: QWheelEvent) -> None:
        """Ctrl + wheel zooms; the wheel alone scrolls."""
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            turn = event.angleDelta().y()
            if turn > 0:
                self.zoom_in()
            elif turn < 0:
                self.zoom_out()
            event.accept()
            return
        super().wheelEvent(event)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self._fit_width:
            self._apply_zoom(self._width_zoom())
        else:
            self._layout()

    def _scrolled(self) -> None:
        """Track the current page; drop the pixels of pages far out of view."""
        top = self.verticalScrollBar().value()
        seen = self.viewport().height()
        probe = top + seen * 0.4
        current = 0
        for index, page in enumerate(self._pages):
            if page.y() <= probe:
                current = index
            if page.rendered and (
                page.y() + page.height() < top - seen or page.y() > top + 2 * seen
            ):
                page.drop()
        if current != self._current:
            self._current = current
            self.pageChanged.emit(self.current_page(), len(self._pages))


class PageBar(QWidget):
    """Zoom out, zoom in, fit width, the zoom level and "Pagina x van y" of a :class:`PageView`."""

    def __init__(self, view: PageView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("pageBar")
        self.view = view
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.zoom_out_button = self._button(view.zoom_out_action, "zoomOut", "−", "Ctrl+-")
        self.zoom_in_button = self._button(view.zoom_in_action, "zoomIn", "+", "Ctrl++")
        self.fit_width_button = self._button(
            view.fit_width_action, "fitWidth", view.fit_width_action.text(), "Ctrl+0"
        )
        self.zoom_label = QLabel()
        self.zoom_label.setObjectName("zoomLevel")
        self.zoom_label.setAccessibleName(_("Zoomniveau"))
        self.page_indicator = QLabel()
        self.page_indicator.setObjectName("pageIndicator")
        self.page_indicator.setAccessibleName(_("Paginanummer"))
        for widget in (self.zoom_out_button, self.zoom_in_button, self.fit_width_button):
            layout.addWidget(widget)
        layout.addWidget(self.zoom_label)
        layout.addStretch(1)
        layout.addWidget(self.page_indicator)
        view.zoomChanged.connect(self._show_zoom)
        view.pageChanged.connect(self._show_page)
        self._show_zoom(view.zoom)
        self._show_page(view.current_page(), view.page_count())

    def _button(self, action: QAction, name: str, text: str, keys: str) -> QToolButton:
        button = QToolButton()
        button.setObjectName(name)
        button.setDefaultAction(action)
        button.setText(text)
        button.setAccessibleName(action.text())
        button.setToolTip(f"{action.text()} ({keys})")
        return button

    def _show_zoom(self, factor: float) -> None:
        self.zoom_label.setText(f"{round(factor * 100)} %")

    def _show_page(self, number: int, count: int) -> None:
        self.page_indicator.setText(page_label(number, count) if count else "")


# -- printing -------------------------------------------------------------------------------


def prepare_printer(printer: QPrinter, pdf: bytes) -> None:
    """Paper size and orientation of the PDF's first page; the whole sheet is ours."""
    with PdfPages(pdf) as pages:
        size = pages.page_size(0) if len(pages) else None
    if size is not None:
        width, height = size
        printer.setPageSize(QPageSize(QSize(round(width), round(height))))
        printer.setPageOrientation(
            QPageLayout.Orientation.Landscape
            if width > height
            else QPageLayout.Orientation.Portrait
        )
    printer.setFullPage(True)  # the PDF has its own margins


def chosen_pages(printer: QPrinter, count: int, current: int) -> list[int]:
    """The page indexes (from 0) the print dialog asked for, in document order.

    ``current`` is the page (from 1) the view shows, for "Huidige pagina".
    """
    match printer.printRange():
        case QPrinter.PrintRange.PageRange:
            ranges = printer.pageRanges()
            if ranges.isEmpty():
                first, last = printer.fromPage() or 1, printer.toPage() or count
                return [n - 1 for n in range(first, last + 1) if 1 <= n <= count]
            return [n - 1 for n in range(1, count + 1) if ranges.contains(n)]
        case QPrinter.PrintRange.CurrentPage:
            return [current - 1] if 1 <= current <= count else []
        case _:
            return list(range(count))


def sheet_order(printer: QPrinter, pages: Sequence[int]) -> list[int]:
    """``pages`` in the printer's page order, repeated for copies the printer cannot make."""
    order = list(pages)
    if printer.pageOrder() == QPrinter.PageOrder.LastPageFirst:
        order.reverse()
    copies = 1 if printer.supportsMultipleCopies() else max(printer.copyCount(), 1)
    if printer.collateCopies():
        return order * copies
    return [page for page in order for _copy in range(copies)]


def print_pdf(
    pdf: bytes, printer: QPrinter, pages: Sequence[int], *, max_dpi: float = MAX_PRINT_DPI
) -> int:
    """Print ``pages`` (indexes from 0) of ``pdf`` on ``printer``; returns the sheets printed.

    Each page is rendered at the printer's resolution, at most ``max_dpi``, and drawn as
    large as the sheet allows with its aspect ratio kept, centred. Raises
    :class:`PrintFailed` when the printer cannot be started.
    """
    with PdfPages(pdf) as document:
        sheets = sheet_order(printer, pages)
        grey = printer.colorMode() == QPrinter.ColorMode.GrayScale
        painter = QPainter()
        if not painter.begin(printer):
            raise PrintFailed(printer.printerName() or printer.outputFileName())
        try:
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            area = QRectF(0, 0, printer.width(), printer.height())
            resolution = max(printer.resolution(), 1)
            for number, index in enumerate(sheets):
                if number and not printer.newPage():
                    raise PrintFailed("the printer refused a new page")
                width, height = document.page_size(index)
                scale = min(area.width() / width, area.height() / height)  # device px per point
                target = QRectF(0, 0, width * scale, height * scale)
                target.moveCenter(area.center())
                dpi = scale * 72 * min(1.0, max_dpi / resolution)
                image = page_qimage(document.render(index, dpi, grayscale=grey))
                painter.drawImage(target, image)
        finally:
            painter.end()
    return len(sheets)
