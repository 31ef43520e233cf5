"""The handover's first page is the one-look summary; amendments print their reason; a
banner that no longer applies is not printed as advice; a typical case fits 2 pages."""

from __future__ import annotations

import io
from typing import Any

import pypdf

from desktop.reports import handover_contents, render_handover
from desktop.reports.contents import Section
from tests.unit.reports.conftest import pdf_pages, squash, with_answers

AMENDMENT = {
    "at": "2026-11-23T04:20:00+01:00",
    "by": "Tessa Bakker",
    "reason": "Jeugdige krast opnieuw op de SEH; beoordeling moet daar en nu.",
    "fields": ["triage.intervention", "triage.decided_at"],
}


def section(sections: list[Section], section_id: str) -> Section:
    return next(s for s in sections if s.id == section_id)


def rows(sections: list[Section], section_id: str) -> dict[str, str]:
    return {row.label: row.value for row in section(sections, section_id).rows}


def amended(case: dict[str, Any]) -> dict[str, Any]:
    """The fixture after a triagist changed the decision to the SEH, not the rationale."""
    changed = with_answers(case, triage__intervention="emergency_department")
    return dict(changed, amendments=[AMENDMENT])


def test_the_suicide_plan_handover_fits_two_pages(
    case: dict[str, Any], printed: dict[str, Any]
) -> None:
    # before issue 15 this case printed on 4 pages, its decision on page 3
    pdf = render_handover(case, **printed)
    assert len(pypdf.PdfReader(io.BytesIO(pdf)).pages) == 2


def test_page_one_answers_the_thirty_second_questions(
    case: dict[str, Any], printed: dict[str, Any]
) -> None:
    first = squash(pdf_pages(render_handover(case, **printed))[0])
    for must in (
        "U2 — Zeer dringend",  # urgency
        "Reageren vóór 23-11-2026 07:12",  # and deadline
        "Advies: Meldcode: overweeg overleg met Veilig Thuis",  # advice that applies now
        "Suïcidaliteit Concreet plan",  # current risks
        "Waar is de jeugdige nu? SEH, SEH Streekziekenhuis Oost, Lindelaan 4",
        "Besluit / interventie Beoordeling ter plaatse",  # the decision
        "Motivering Suïcidaal met plan",  # its rationale
        # who acts
        "Overgedragen aan (organisatie / team) Crisisdienst Jeugd Regio Demo, Joost Aerts",
        "Afspraken Duo beoordeelt Zoë om 06:00",  # agreements
        "Vereist Toestemming van de jeugdige zelf",  # consents needed
        "Soort zorg die overwogen wordt Vrijwillige opname",  # legal route
    ):
        assert must in first, must
    # risks that do not apply now are not on the one-look page
    assert "Middelen beschikbaar" not in first
    assert "Psychotische verschijnselen" not in first


def test_what_page_one_shows_is_not_repeated_after_it(case: dict[str, Any]) -> None:
    seen: dict[str, str] = {}
    for s in handover_contents(case, "nl"):
        for fid in s.field_ids:
            assert fid not in seen, f"{fid} in {seen.get(fid)} and {s.id}"
            seen[fid] = s.id


def test_an_amendment_prints_its_reason_and_time_next_to_the_new_decision(
    case: dict[str, Any], printed: dict[str, Any]
) -> None:
    sections = handover_contents(amended(case), "nl")
    decision = rows(sections, "decision")
    assert decision["Besluit / interventie"] == "SEH"
    # the rationale written for the earlier decision says so; it is not passed off as
    # the reason for the SEH
    assert "Motivering" not in decision
    assert decision["Motivering (van het besluit vóór de wijziging)"].startswith("Suïcidaal")
    assert decision["Laatste wijziging"] == (
        "23-11-2026 04:20 door Tessa Bakker: Jeugdige krast opnieuw op de SEH; beoordeling "
        "moet daar en nu. (gewijzigd: Besluit / interventie)"
    )
    first = squash(pdf_pages(render_handover(amended(case), **printed))[0])
    assert "Laatste wijziging 23-11-2026 04:20 door Tessa Bakker: Jeugdige krast" in first


def test_an_amendment_that_rewrote_the_rationale_prints_it_as_the_rationale(
    case: dict[str, Any],
) -> None:
    rewritten = dict(AMENDMENT, fields=["triage.intervention", "triage.rationale"])
    changed = with_answers(
        case,
        triage__intervention="emergency_department",
        triage__rationale="Nieuwe zelfbeschadiging; SEH beoordeelt nu.",
    )
    decision = rows(handover_contents(dict(changed, amendments=[rewritten]), "nl"), "decision")
    assert decision["Motivering"] == "Nieuwe zelfbeschadiging; SEH beoordeelt nu."


def test_all_amendments_are_listed_with_the_triage_in_order(case: dict[str, Any]) -> None:
    first = dict(AMENDMENT, at="2026-11-23T04:00:00+01:00", reason="Eerste reden.")
    second = dict(AMENDMENT, at="2026-11-23T04:40:00+01:00", reason="Tweede reden.")
    sections = handover_contents(dict(case, amendments=[second, first]), "nl")
    history = [r.value for r in section(sections, "triage").rows if r.label == "Wijziging"]
    assert [h.split(": ", 1)[1].split(" (")[0] for h in history] == [
        "Eerste reden.",
        "Tweede reden.",
    ]
    assert rows(sections, "decision")["Laatste wijziging"].startswith("23-11-2026 04:40")


def test_a_banner_that_no_longer_applies_is_not_printed_as_advice(
    case: dict[str, Any], printed: dict[str, Any]
) -> None:
    # the home was found safe after the Veilig Thuis banner had been shown
    safe = with_answers(case, risk__unsafe_home="no")
    sections = handover_contents(safe, "nl")
    assert not [r for s in sections for r in s.rows if r.kind == "banner"]
    risk = rows(sections, "risk")
    assert risk["Eerder getoond"] == (
        "Meldcode: overweeg overleg met Veilig Thuis "
        "(getoond om 23-11-2026 03:31, past niet meer bij de antwoorden)"
    )
    text = squash(" ".join(pdf_pages(render_handover(safe, **printed))))
    assert "Advies: Meldcode" not in text


def test_advice_that_applies_is_printed_even_if_its_showing_was_not_recorded(
    case: dict[str, Any],
) -> None:
    high = with_answers(case, risk__means_available="yes")
    banners = [r for r in section(handover_contents(high, "nl"), "risk_now").rows]
    advice = {r.value: r.note for r in banners if r.kind == "banner"}
    assert advice["Hoog risico: urgentie U1 overwegen"] == ""
    assert advice["Meldcode: overweeg overleg met Veilig Thuis"] == "getoond om 23-11-2026 03:31"
