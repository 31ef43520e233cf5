"""Handover and feedback PDFs (reportlab): pure functions, data in, bytes out.

Public API (docs/internal-api.md conventions for the case dict):

- :func:`render_handover` / :func:`render_feedback`: PDF bytes of the handover summary
  (overdrachtsformulier) and the referrer feedback letter (terugkoppeling).
- :func:`handover_contents` / :func:`feedback_contents`: the same reports as plain
  :class:`Section` data, for the UI's preview and the audit ("what was included",
  :func:`included_fields`).
- :func:`privacy_warnings`: what the user must confirm before a report goes out.
- ``desktop.reports.cli.handover_command``: ``doorloop handover`` (DESIGN.md contract 5).

reportlab is imported only when a PDF is rendered, so importing this package stays
cheap for the app's start-up.
"""

from __future__ import annotations

from typing import Any

from desktop.reports.contents import (
    Row,
    Section,
    feedback_contents,
    handover_contents,
    included_fields,
)
from desktop.reports.privacy import privacy_warnings

__all__ = [
    "Row",
    "Section",
    "feedback_contents",
    "handover_contents",
    "included_fields",
    "privacy_warnings",
    "render_feedback",
    "render_handover",
]

_RENDERERS = frozenset({"render_handover", "render_feedback"})


def __getattr__(name: str) -> Any:
    """``render_handover`` / ``render_feedback`` come from :mod:`desktop.reports.render`,
    imported (with reportlab) on first use."""
    if name in _RENDERERS:
        from desktop.reports import render

        return getattr(render, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
