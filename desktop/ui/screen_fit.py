"""Windows and dialogs that fit the screen they open on (1280×720 laptops included).

A preferred size is a wish: :func:`fit_to_screen` shrinks it to the screen's available
area (minus room for the window frame and title bar) and centres the window there, so
the status bar and the dialog buttons are never off-screen. :func:`grow_to_content`
makes a dialog grow when a message appears (a wrapped validation text is never cut off).
"""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

#: Room kept for the window manager's frame and title bar.
FRAME_ROOM = QSize(16, 48)


def available_area(widget: QWidget) -> QRect:
    """The available geometry of the screen ``widget`` is on (or the primary screen)."""
    screen = widget.screen() or QGuiApplication.primaryScreen()
    return screen.availableGeometry()


def fit_to_screen(widget: QWidget, preferred: QSize, *, available: QRect | None = None) -> QSize:
    """Resize ``widget`` to ``preferred``, at most the available area; centre it there."""
    area = available if available is not None else available_area(widget)
    width = max(1, min(preferred.width(), area.width() - FRAME_ROOM.width()))
    height = max(1, min(preferred.height(), area.height() - FRAME_ROOM.height()))
    minimum = widget.minimumSize()
    if minimum.width() > width or minimum.height() > height:
        widget.setMinimumSize(min(minimum.width(), width), min(minimum.height(), height))
    widget.resize(width, height)
    frame_left = area.x() + (area.width() - width - FRAME_ROOM.width()) // 2
    frame_top = area.y() + (area.height() - height - FRAME_ROOM.height()) // 2
    widget.move(max(area.x(), frame_left), max(area.y(), frame_top))
    return QSize(width, height)


def grow_to_content(window: QWidget) -> None:
    """Make ``window`` (a dialog) tall enough for its content at its current width, e.g.
    after a wrapped validation message appeared; it never shrinks here."""
    layout = window.layout()
    if layout is None:
        return
    layout.invalidate()
    layout.activate()
    width = window.width()
    if layout.hasHeightForWidth():
        needed = layout.totalHeightForWidth(width)
    else:
        needed = layout.totalSizeHint().height()
    if needed > window.height():
        window.resize(width, needed)
