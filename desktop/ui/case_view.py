"""Which widget shows an opened case: the guided intake view (``desktop.ui.intake_view``)."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QWidget


def make_case_view(session: Any, case_id: str, parent: QWidget | None = None) -> QWidget:
    """The view of one case; exposes ``case_id`` and ``flush()`` for the main window.

    Imported on first use: the intake view pulls in the form engine and the rules,
    which the start-up path (list, status bar) does not need.
    """
    from desktop.ui.intake_view import IntakeView

    return IntakeView(session, case_id, parent)
