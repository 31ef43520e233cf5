"""The rendered PDFs: content and order, page furniture, page flow, fonts, rendering."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop.reports import handover_contents, render_feedback, render_handover
from desktop.reports.fonts import covers
from desktop.reports.raster import PdfPages
from tests.unit.reports.conftest import load_case, pdf_pages, squash, with_answers

PAGE_OF = re.compile(r"pagina (\d+) van (\d+)")


def long_case(case: dict[str, Any], paragraphs: int = 30) -> dict[str, Any]:
    story = "\n\n".join(
        f"Alinea {n}: Zoë’s situatie — vervolg van het gesprek met de SEH en de ouders; "
        "de jeugdige is naïef over de risico’s van alcohol en geeft aan dat zij "
        "’s nachts niet slaapt. Het café waar zij was rekende € 40. " * 2
        for n in range(1, paragraphs + 1)
    )
    return with_answers(case, situation__reason=story, handover__notes=story)


@pytest.fixture(scope="module")
def handover_pages() -> list[str]:
    from tests.unit.reports.conftest import PRINTED_AT

    pdf = render_handover(load_case(), printed_by="Tessa Bakker", printed_at=PRINTED_AT)
    return pdf_pages(pdf)


def test_handover_is_a_pdf_with_the_case_in_report_order(handover_pages: list[str]) -> None:
    text = squash(" ".join(handover_pages))
    milestones = [
        "Overdrachtsformulier",
        # page 1: the one-look summary
        "U2 — Zeer dringend",
        "Reageren vóór 23-11-2026 07:12",
        "Melding ontvangen op 23-11-2026 03:12",
        "Status Overgedragen",
        "Waar is de jeugdige nu? SEH, SEH Streekziekenhuis Oost",
        "Advies: Meldcode: overweeg overleg met Veilig Thuis",
        "Suïcidaliteit Concreet plan",
        "Besluit / interventie Beoordeling ter plaatse",
        "Besloten door Tessa Bakker, 23-11-2026 03:58",
        "Motivering",
        "Overgedragen aan (organisatie / team) Crisisdienst Jeugd Regio Demo, Joost Aerts, "
        "+31881234567",
        "Volgend contactmoment 23-11-2026 06:00",
        "Geïnformeerd Ouders / gezaghebbenden, Huisarts, Verwijzer",
        "Afspraken Duo beoordeelt Zoë om 06:00",
        "Vereist Toestemming van de jeugdige zelf BW 7:447; 7:450 lid 1; Jw 7.3.5",
        "Let op Ouders alleen informeren met toestemming van de jeugdige",
        # the rest follows
        "Naam Zoë van den Heuvel-Çelik",
        "Leeftijd 16 jaar",
        "Wie heeft het gezag?",
        "Naam melder dr. Eline de Vries-Aït",
        "Wat is er aan de hand?",
        '"Wat heb jij nu nodig?" (in de woorden van de jeugdige) Ik wil vannacht niet naar huis.',
        "Wat hebben ouders / naasten nodig?",
        "Bekende diagnoses",
        "Vastgelegd met de juridische regels versie 1.",
    ]
    positions = []
    for milestone in milestones:
        assert milestone in text, milestone
        positions.append(text.index(milestone))
    assert positions == sorted(positions)


def test_every_page_has_header_and_footer(handover_pages: list[str]) -> None:
    total = len(handover_pages)
    assert total >= 2
    for number, page in enumerate(handover_pages, start=1):
        flat = squash(page)
        assert flat.startswith("Doorloop — Overdrachtsformulier")
        assert "Vertrouwelijk — medisch beroepsgeheim" in flat
        assert (
            "Regio demo · Casus 3f2b9c1e · versie 4 · Zoë van den Heuvel-Çelik · geb. 14-05-2010"
            in flat
        )
        assert "Afgedrukt door Tessa Bakker op 23-11-2026 05:40" in flat  # Amsterdam time
        assert PAGE_OF.findall(flat) == [(str(number), str(total))]


def test_region_name_and_what_is_left_out(case: dict[str, Any], printed: dict[str, Any]) -> None:
    pdf = render_handover(case, region_name="Regio Haaglanden", **printed)
    text = squash(" ".join(pdf_pages(pdf)))
    assert "Regio demo" not in text
    assert "medisch beroepsgeheim Regio Haaglanden · Casus 3f2b9c1e · versie 4" in text
    assert "111222333" not in text  # the BSN is never printed
    assert "b4f0d7a2" not in text  # nor the triagist's user id
    assert "Geschatte leeftijd" not in text  # empty fields are left out


def test_a_long_case_flows_over_pages_with_page_x_of_y(
    case: dict[str, Any], printed: dict[str, Any]
) -> None:
    pages = pdf_pages(render_handover(long_case(case), **printed))
    assert len(pages) >= 6
    numbers = [PAGE_OF.findall(squash(page)) for page in pages]
    assert numbers == [[(str(n), str(len(pages)))] for n in range(1, len(pages) + 1)]
    text = squash(" ".join(pages))
    for n in (1, 15, 30):  # long free text is complete, in order, across pages
        assert f"Alinea {n}: Zoë’s situatie" in text
    assert text.index("Alinea 29:") < text.index("Alinea 30:") < text.index("Sinds wanneer")


def test_table_rows_never_split_across_pages(case: dict[str, Any], printed: dict[str, Any]) -> None:
    pages = [squash(p) for p in pdf_pages(render_handover(long_case(case), **printed))]
    rows = [
        row
        for section in handover_contents(long_case(case), "nl")
        for row in section.rows
        if row.kind == "field"
    ]
    assert len(rows) > 50
    for row in rows:
        pair = f"{squash(row.label)} {squash(row.value)}"
        assert any(pair in page for page in pages), pair


def test_dutch_and_other_characters_survive(case: dict[str, Any], printed: dict[str, Any]) -> None:
    words = "ë ï é ’ — € Ç ş ł Ж"
    assert covers(words)
    changed = with_answers(case, handover__notes=f"Tekens: {words}")
    text = squash(" ".join(pdf_pages(render_handover(changed, **printed))))
    assert f"Tekens: {words}" in text


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    text=st.text(
        # The BMP only: reportlab writes a character beyond U+FFFF (e.g. U+1D538) into
        # the PDF's ToUnicode map as an odd-length hex string, so the glyph is drawn but
        # text extraction (pypdf, PDFium) reads it back wrong.
        alphabet=st.characters(
            codec="utf-8",
            categories=["L", "N", "P", "S", "Zs"],
            exclude_characters="\x00",
            max_codepoint=0xFFFF,
        ),
        min_size=1,
        max_size=400,
    )
    .map(str.strip)
    .filter(bool)
)
def test_any_typed_text_renders_without_breaking_the_layout(text: str) -> None:
    from tests.unit.reports.conftest import PRINTED_AT

    case = with_answers(load_case(), situation__youth_need=text, handover__notes=f"<b>{text}&")
    pdf = render_handover(case, printed_by="<Tessa & co>", printed_at=PRINTED_AT)
    # PDFium's text (what the preview gives a screen reader): pypdf applies its own bidi
    # reordering to a line that holds only a value (label above value), e.g. "<b>؟&"
    # comes back as "<b>&؟" although the PDF draws it in typed order.
    with PdfPages(pdf) as pages:
        flat = squash(" ".join(pages.text(index) for index in range(len(pages))))
    assert "Afgedrukt door <Tessa & co>" in flat
    if covers(text):
        assert f"<b>{squash(text)}&" in flat


def test_feedback_letter_has_no_risk_or_background_unless_included(
    case: dict[str, Any], printed: dict[str, Any]
) -> None:
    risk_texts = ["Suïcidaliteit", "Concreet plan", "Meldcode", "Beschermende factoren"]
    background_texts = ["Bekende diagnoses", "Havo 4", "Middelengebruik"]
    private = ["Wat is er aan de hand?", "zich in haar arm", "Motivering", "Marieke", "111222333"]

    plain = squash(" ".join(pdf_pages(render_feedback(case, lang="nl", **printed))))
    assert "Terugkoppeling aan verwijzer" in plain
    for expected in (
        "Naam melder dr. Eline de Vries-Aït",
        "U2 — Zeer dringend",
        "Besluit / interventie Beoordeling ter plaatse",
        "Besloten door Tessa Bakker",
        "Crisisdienst Jeugd Regio Demo",
        "Contactpersoon Joost Aerts",
        "+31881234567",
        "Volgend contactmoment 23-11-2026 06:00",
    ):
        assert expected in plain, expected
    for leaked in risk_texts + background_texts + private:
        assert leaked not in plain, leaked

    with_risk = squash(
        " ".join(pdf_pages(render_feedback(case, lang="nl", include={"risk"}, **printed)))
    )
    assert all(t in with_risk for t in risk_texts)
    assert not any(t in with_risk for t in background_texts + private)

    with_background = squash(
        " ".join(pdf_pages(render_feedback(case, lang="nl", include={"background"}, **printed)))
    )
    assert all(t in with_background for t in background_texts)
    assert not any(t in with_background for t in risk_texts + private)


def test_english_handover_takes_labels_and_options_from_the_form(
    case: dict[str, Any], printed: dict[str, Any]
) -> None:
    text = squash(" ".join(pdf_pages(render_handover(case, lang="en", **printed))))
    assert "Call received at 23-11-2026 03:12" in text
    assert "U2 — Very urgent" in text
    assert "Where is the youth now? Emergency department" in text
    assert "At a glance" in text
    assert "Inform parents only with the young person's consent" in text


def test_pdf_output_is_reproducible(case: dict[str, Any], printed: dict[str, Any]) -> None:
    assert render_handover(case, **printed) == render_handover(case, **printed)


def test_pages_render_to_images(case: dict[str, Any], printed: dict[str, Any]) -> None:
    """A second PDF engine (PDFium, what the report dialog shows) reads every page."""
    pdf = render_handover(case, **printed)
    expected = pdf_pages(pdf)
    with PdfPages(pdf) as pages:
        assert len(pages) == len(expected)
        for index in range(len(pages)):
            image = pages.render(index, 40, grayscale=True)
            assert (image.width, image.height) == pytest.approx((331, 468), abs=1)  # A4
            starts = range(0, image.height * image.stride, image.stride)
            rows = (image.data[start : start + image.width] for start in starts)
            ink = sum(len(row) - len(row.translate(None, bytes(range(128)))) for row in rows)
            assert ink > 0, f"page {index + 1} is blank"
            # the embedded fonts map back to the same text in both engines
            assert squash(pages.text(index)) == squash(expected[index])


def test_a_fresh_draft_with_no_answers_still_renders(printed: dict[str, Any]) -> None:
    draft = {
        "id": "0b7e5c3a-9d8f-4e21-a6b4-5c3d2e1f0a98",
        "form": {"id": "intake", "version": "1"},
        "status": "draft",
        "answers": {},
    }
    pages = [squash(page) for page in pdf_pages(render_handover(draft, **printed))]
    assert len(pages) == 1
    assert "Casus 0b7e5c3a" in pages[0]
    assert "Status Concept" in pages[0]
    assert "Urgentie" not in pages[0]
    letter = squash(pdf_pages(render_feedback(draft, lang="nl", **printed))[0])
    assert "Terugkoppeling aan verwijzer" in letter and "pagina 1 van 1" in letter
