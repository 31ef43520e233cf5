"""Run something once a window has painted for the first time.

The desk starts what the first screen does not need (the sync worker, the offer of
unfinished intakes) only after the main window is on screen, so the person sees it
sooner (DESIGN.md start-up budget).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QWidget


class _FirstPaint(QObject):
    def __init__(self, widget: QWidget, then: Callable[[], None]) -> None:
        super().__init__(widget)
        self._then: Callable[[], None] | None = then

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and self._then is not None:
            then, self._then = self._then, None
            watched.removeEventFilter(self)
            # after this paint has finished and reached the screen, not inside it
            QTimer.singleShot(0, then)
            self.deleteLater()
        return False


def after_first_paint(widget: QWidget, then: Callable[[], None]) -> None:
    """Call ``then`` (once) on the event loop right after ``widget``'s first paint."""
    widget.installEventFilter(_FirstPaint(widget, then))
