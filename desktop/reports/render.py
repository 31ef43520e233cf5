"""The two reports as PDF bytes: the handover summary and the referrer feedback letter.

Pure: a case dict (docs/internal-api.md) and who prints it, when, in; PDF bytes out.
What goes in comes from :mod:`desktop.reports.contents`; the layout from
:mod:`desktop.reports.pdf`. Static text in ``lang`` via :mod:`desktop.reports.text`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, tzinfo
from typing import Any

from desktop.forms import FormDefinition
from desktop.reports.contents import (
    Section,
    display_zone,
    feedback_contents,
    form_for,
    format_date,
    handover_contents,
    short_id,
)
from desktop.reports.pdf import PageFurniture, build_pdf, printed_line
from desktop.reports.text import translator


def _furniture(
    case: Mapping[str, Any],
    lang: str,
    zone: tzinfo | None,
    *,
    title: str,
    header_title: str,
    printed_by: str,
    printed_at: datetime,
    region_name: str | None,
) -> PageFurniture:
    _, _n = translator(lang)
    answers = case.get("answers") or {}
    detail = []
    if region_name:  # the region's display name, shown as it is
        detail.append(region_name)
    elif case.get("region"):
        detail.append(_("Regio {region}").format(region=case["region"]))
    detail.append(_("Casus {short_id}").format(short_id=short_id(case)))
    version = case.get("version")
    if isinstance(version, Mapping) and isinstance(version.get("number"), int):
        detail.append(_("versie {number}").format(number=version["number"]))
    name = " ".join(
        str(answers[k]) for k in ("youth.first_name", "youth.last_name") if answers.get(k)
    )
    if name:
        detail.append(name)
    if isinstance(answers.get("youth.birth_date"), str):
        born = format_date(date.fromisoformat(answers["youth.birth_date"]))
        detail.append(_("geb. {date}").format(date=born))
    if case.get("training"):
        detail.append(_("OEFENING"))
    return PageFurniture(
        title=f"Doorloop — {header_title}",
        confidential=_("Vertrouwelijk — medisch beroepsgeheim"),
        header_detail="  ·  ".join(detail),
        printed=printed_line(printed_by, printed_at, _("Afgedrukt door {name} op {moment}"), zone),
        page_of=_("pagina {page} van {pages}"),
    )


def render_handover(
    case: Mapping[str, Any],
    *,
    lang: str = "nl",
    printed_by: str,
    printed_at: datetime,
    region_name: str | None = None,
    form: FormDefinition | None = None,
) -> bytes:
    """The handover summary (overdrachtsformulier) of ``case`` as PDF bytes."""
    form = form_for(case, form)
    _, _n = translator(lang)
    title = _("Overdrachtsformulier")
    sections = handover_contents(case, lang, form=form)
    return _render(case, lang, form, title, title, sections, printed_by, printed_at, region_name)


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
    """The referrer feedback letter (terugkoppeling) of ``case`` as PDF bytes.

    Only risk details and background named in ``include`` (``"risk"``,
    ``"background"``) are added to the minimal letter.
    """
    form = form_for(case, form)
    _, _n = translator(lang)
    sections = feedback_contents(case, lang, include=include, form=form)
    return _render(
        case,
        lang,
        form,
        _("Terugkoppeling aan verwijzer"),
        _("Terugkoppeling"),
        sections,
        printed_by,
        printed_at,
        region_name,
    )


def _render(
    case: Mapping[str, Any],
    lang: str,
    form: FormDefinition,
    title: str,
    header_title: str,
    sections: list[Section],
    printed_by: str,
    printed_at: datetime,
    region_name: str | None,
) -> bytes:
    """One report as PDF: the shared page furniture around the report's sections."""
    _, _n = translator(lang)
    return build_pdf(
        heading=title,
        furniture=_furniture(
            case,
            lang,
            display_zone(form),
            title=title,
            header_title=header_title,
            printed_by=printed_by,
            printed_at=printed_at,
            region_name=region_name,
        ),
        sections=sections,
        subject=_("Casus {short_id}").format(short_id=short_id(case)),
        author=printed_by,
        lang=lang,
    )
