"""Alt mnemonics of what a window shows: every ``&x`` of a visible button, buddy label,
tab, group box or menu title, so a test can check that no two share a letter."""

from __future__ import annotations

import re
from collections import defaultdict

from PySide6.QtWidgets import QAbstractButton, QGroupBox, QLabel, QMainWindow, QTabBar, QWidget

MNEMONIC = re.compile(r"&([^&\s])")


def _letter(text: str) -> str | None:
    match = MNEMONIC.search(text.replace("&&", ""))
    return match.group(1).lower() if match else None


def mnemonics(window: QWidget) -> dict[str, list[str]]:
    """letter → the texts that use it, for everything visible in ``window``."""
    found: dict[str, list[str]] = defaultdict(list)

    def add(text: str) -> None:
        letter = _letter(text)
        if letter:
            found[letter].append(text)

    if isinstance(window, QMainWindow):
        for action in window.menuBar().actions():
            if action.isVisible():
                add(action.text())
    for widget in window.findChildren(QWidget):
        if not widget.isVisibleTo(window):
            continue
        labelled = isinstance(widget, QLabel) and widget.buddy() is not None
        if isinstance(widget, QAbstractButton) or labelled:
            add(widget.text())  # type: ignore[attr-defined]
        elif isinstance(widget, QGroupBox):
            add(widget.title())
        elif isinstance(widget, QTabBar):
            for index in range(widget.count()):
                if widget.isTabVisible(index):
                    add(widget.tabText(index))
    return dict(found)


def doubles(window: QWidget) -> dict[str, list[str]]:
    return {letter: texts for letter, texts in mnemonics(window).items() if len(texts) > 1}
