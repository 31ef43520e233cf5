"""Report PDFs rendered to pixels (PDFium): what the report dialog shows and prints."""

from __future__ import annotations

from typing import Any

import pytest

from desktop.reports import render_feedback, render_handover
from desktop.reports.raster import PageImage, PdfPages, page_count, render_page
from tests.unit.reports.conftest import pdf_pages, squash
from tests.unit.reports.test_pdf import long_case

A4_POINTS = (595.28, 841.89)
DARK = bytes(range(128))  # grey levels that count as ink


def dark_pixels(
    image: PageImage, left: float = 0, top: float = 0, right: float = 1, bottom: float = 1
) -> int:
    """Dark pixels of a grey ``image`` inside a box given as fractions of the page."""
    assert image.format == "L"
    x0, x1 = round(left * image.width), round(right * image.width)
    count = 0
    for y in range(round(top * image.height), round(bottom * image.height)):
        row = image.data[y * image.stride + x0 : y * image.stride + x1]
        count += len(row) - len(row.translate(None, DARK))
    return count


@pytest.fixture
def handover(case: dict[str, Any], printed: dict[str, Any]) -> bytes:
    return render_handover(case, **printed)


def test_a_handover_page_is_a4_and_shows_its_text_where_the_text_is(handover: bytes) -> None:
    with PdfPages(handover) as pages:
        assert pages.page_size(0) == pytest.approx(A4_POINTS, abs=0.01)
        image = pages.render(0, 72, grayscale=True)
    assert (image.width, image.height) == pytest.approx((595, 842), abs=1)
    assert image.height / image.width == pytest.approx(A4_POINTS[1] / A4_POINTS[0], abs=0.005)
    total = dark_pixels(image)
    assert 0.01 * image.width * image.height < total < 0.3 * image.width * image.height
    assert dark_pixels(image, top=0.02, bottom=0.08) > 200  # the running header
    assert dark_pixels(image, top=0.92, bottom=0.98) > 100  # "Afgedrukt door ... pagina 1 van N"
    assert dark_pixels(image, right=0.04) == 0  # the left margin is paper
    assert dark_pixels(image, top=0.985) == 0  # and so is the bottom edge


def test_colour_pages_are_rgbx_and_scale_with_the_resolution(handover: bytes) -> None:
    with PdfPages(handover) as pages:
        small = pages.render(0, 36)
        large = pages.render(0, 144)
    assert small.format == "RGBX" and small.bytes_per_pixel == 4
    assert small.stride >= small.width * 4
    assert len(small.data) == small.stride * small.height
    assert (large.width, large.height) == pytest.approx((small.width * 4, small.height * 4), abs=4)
    assert small.pixel(0, 0) == (255, 255, 255)  # white paper, not transparent black
    red = [
        large.pixel(x, y)
        for y in range(0, round(large.height * 0.08), 2)
        for x in range(large.width // 2, large.width, 2)
    ]
    # "Vertrouwelijk — medisch beroepsgeheim" is printed in red at the top right
    assert any(r > 150 and g < 90 and b < 90 for r, g, b in red)


def test_page_count_and_text_match_pypdf_on_a_long_case(
    case: dict[str, Any], printed: dict[str, Any]
) -> None:
    pdf = render_handover(long_case(case), **printed)
    texts = pdf_pages(pdf)
    assert len(texts) >= 6
    assert page_count(pdf) == len(texts)
    with PdfPages(pdf) as pages:
        assert len(pages) == len(texts)
        for index in range(len(pages)):
            text = squash(pages.text(index))
            assert f"pagina {index + 1} van {len(texts)}" in text
            assert "Zoë van den Heuvel-Çelik" in text  # the embedded font maps back to text


def test_feedback_letter_and_grey_rendering(case: dict[str, Any], printed: dict[str, Any]) -> None:
    pdf = render_feedback(case, lang="en", **printed)
    image = render_page(pdf, 0, 50, grayscale=True)
    assert image.format == "L" and image.bytes_per_pixel == 1
    assert image.stride >= image.width
    assert dark_pixels(image) > 0
    assert image.pixel(0, 0) == (255, 255, 255)


def test_closed_documents_and_bad_input_fail_clearly(handover: bytes) -> None:
    with pytest.raises(ValueError, match="not a readable PDF"):
        PdfPages(b"%PDF-1.4 no more")
    pages = PdfPages(handover)
    with pytest.raises(ValueError, match="dpi must be positive"):
        pages.render(0, 0)
    with pytest.raises(ValueError, match="larger than"):
        pages.render(0, 5000)
    with pytest.raises(IndexError):
        pages.render(len(pages), 72)
    pages.close()
    pages.close()  # closing twice is harmless
    assert pages.closed
    with pytest.raises(ValueError, match="closed"):
        pages.render(0, 72)
    with pytest.raises(ValueError, match="closed"):
        pages.text(0)
    with PdfPages(handover) as opened:
        assert not opened.closed
    assert opened.closed


def test_pixel_outside_the_page_is_refused(handover: bytes) -> None:
    image = render_page(handover, 0, 10)
    with pytest.raises(IndexError):
        image.pixel(image.width, 0)
    assert "RGBX" in repr(image) and "\\x" not in repr(image)
