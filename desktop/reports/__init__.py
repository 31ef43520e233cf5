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

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from desktop.forms import FormDefinition
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


def render_handover(
    case: Mapping[str, Any],
    *,
    lang: str = "nl",
    printed_by: str,
    printed_at: datetime,
    region_name: str | None = None,
    form: FormDefinition | None = None,
) -> bytes:
    """The handover summary of ``case`` as PDF bytes (see :mod:`desktop.reports.render`)."""
    from desktop.reports import render

    return render.render_handover(
        case,
        lang=lang,
        printed_by=printed_by,
        printed_at=printed_at,
        region_name=region_name,
        form=form,
    )


def render_feedback(
    case: Mapping[str, Any],
    *,
    lang: str = "nl",
    printed_by: str,
    printed_at: datetime,
    include: Iterable[str] = frozenset(),
    region_name: str | None = None,
    form: FormDefinition | None = None,
) -> bytes:
    """The referrer feedback letter of ``case`` as PDF bytes; ``include``: risk, background."""
    from desktop.reports import render

    return render.render_feedback(
        case,
        lang=lang,
        printed_by=printed_by,
        printed_at=printed_at,
        include=include,
        region_name=region_name,
        form=form,
    )
