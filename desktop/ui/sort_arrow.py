"""The case list's sort arrow points the way the list runs: newest first (descending)
shows a down arrow ▼, oldest first an up arrow ▲.

Qt's header maps descending order to the style's "sort up" indicator, which Fusion (and
most styles) draw as ▲; desk workers read that as "oldest first". This proxy style swaps
the two for the header it is set on; everything else is drawn by the normal style.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QHeaderView, QProxyStyle, QStyle, QStyleOptionHeader

_SWAP = {
    QStyleOptionHeader.SortIndicator.SortUp: QStyleOptionHeader.SortIndicator.SortDown,
    QStyleOptionHeader.SortIndicator.SortDown: QStyleOptionHeader.SortIndicator.SortUp,
}


class SortArrowStyle(QProxyStyle):
    """Draws a header's sort arrow in the direction the rows run (see module)."""

    def drawPrimitive(  # Qt's name
        self, element: QStyle.PrimitiveElement, option: Any, painter: Any, widget: Any = None
    ) -> None:
        if element == QStyle.PrimitiveElement.PE_IndicatorHeaderArrow and isinstance(
            option, QStyleOptionHeader
        ):
            swapped = QStyleOptionHeader(option)
            swapped.sortIndicator = _SWAP.get(option.sortIndicator, option.sortIndicator)
            super().drawPrimitive(element, swapped, painter, widget)
            return
        super().drawPrimitive(element, option, painter, widget)


def point_arrows_the_way_rows_run(header: QHeaderView) -> SortArrowStyle:
    """Give ``header`` the swapped arrows; returns the style (keep a reference)."""
    style = SortArrowStyle(header.style().name())
    style.setParent(header)
    header.setStyle(style)
    return style
